"""Variants of layers.py: FullyConnected, Conv2D and Pool2D.

Common mistakes first, then correct alternatives written differently from the reference (loops over
output positions as the starter's students wrote them, im2col, kernel offsets with tensordot). A
network built on a broken FullyConnected may lose its points too; the vectorized question checks a
method's loops only once its values are right.
"""
from autograder.audit import Variant

F = "layers.py"
FC_USERS = ("model", "iris", "vectorized")

VARIANTS = [
    # -- FullyConnected._init_parameters ------------------------------------------------------------------
    Variant("fc_init_transposed_weights", F, loses=("fully_connected",),
            old="W = self.init_weights((self.n_in, self.n_out))", new="W = self.init_weights((self.n_out, self.n_in))"),
    Variant("fc_init_bias_of_shape_n_out", F, loses=("fully_connected",),
            old="b = np.zeros((1, self.n_out))\n        self.parameters = OrderedDict({\"W\": W, \"b\": b})\n        self.cache = OrderedDict({\"X\": None",
            new="b = np.zeros(self.n_out)\n        self.parameters = OrderedDict({\"W\": W, \"b\": b})\n        self.cache = OrderedDict({\"X\": None"),
    Variant("fc_init_standard_normal_weights", F, loses=("fully_connected",),
            old="W = self.init_weights((self.n_in, self.n_out))", new="W = np.random.randn(self.n_in, self.n_out)"),
    Variant("fc_init_gradients_without_b", F, loses=("fully_connected",),
            old='self.gradients = OrderedDict({"W": np.zeros_like(W), "b": np.zeros_like(b)})\n        # END',
            new='self.gradients = OrderedDict({"W": np.zeros_like(W)})\n        # END'),
    # -- FullyConnected.forward ------------------------------------------------------------------------------
    Variant("fc_forward_forgets_the_bias", F, loses=("fully_connected",), may_lose=FC_USERS,
            old="Z = X @ W + b\n        self.cache[\"X\"] = X", new="Z = X @ W\n        self.cache[\"X\"] = X"),
    Variant("fc_forward_forgets_the_activation", F, function="FullyConnected.forward", loses=("fully_connected",),
            may_lose=FC_USERS, new='''
def forward(self, X):
    if self.n_in is None:
        self._init_parameters(X.shape)
    Z = X @ self.parameters["W"] + self.parameters["b"]
    self.cache["X"] = X
    self.cache["Z"] = Z
    return Z
'''),
    Variant("fc_forward_caches_the_output_as_z", F, function="FullyConnected.forward", loses=("fully_connected",),
            may_lose=FC_USERS, new='''
def forward(self, X):
    if self.n_in is None:
        self._init_parameters(X.shape)
    out = self.activation(X @ self.parameters["W"] + self.parameters["b"])
    self.cache["X"] = X
    self.cache["Z"] = out
    return out
'''),
    Variant("fc_forward_loops_over_examples", F, function="FullyConnected.forward", loses=("vectorized",), new='''
def forward(self, X):
    if self.n_in is None:
        self._init_parameters(X.shape)
    W, b = self.parameters["W"], self.parameters["b"]
    Z = np.stack([x @ W + b[0] for x in X])
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
'''),
    # -- FullyConnected.backward -----------------------------------------------------------------------------
    Variant("fc_backward_skips_the_activation", F, loses=("fully_connected",), may_lose=FC_USERS,
            old="dZ = self.activation.backward(Z, dLdY)\n        self.gradients[\"W\"] = X.T @ dZ",
            new="dZ = dLdY\n        self.gradients[\"W\"] = X.T @ dZ"),
    Variant("fc_backward_mean_for_db", F, loses=("fully_connected",), may_lose=FC_USERS,
            old="self.gradients[\"b\"] = dZ.sum(axis=0, keepdims=True)",
            new="self.gradients[\"b\"] = dZ.mean(axis=0, keepdims=True)"),
    Variant("fc_backward_transposed_dW", F, loses=("fully_connected",), may_lose=FC_USERS,
            old="self.gradients[\"W\"] = X.T @ dZ", new="self.gradients[\"W\"] = dZ.T @ X"),
    Variant("fc_backward_db_without_its_row_axis", F, loses=("fully_connected",), may_lose=FC_USERS,
            old="self.gradients[\"b\"] = dZ.sum(axis=0, keepdims=True)", new="self.gradients[\"b\"] = dZ.sum(axis=0)"),
    Variant("fc_backward_dX_from_the_output", F, loses=("fully_connected",), may_lose=FC_USERS,
            old="dX = dZ @ W.T\n", new="dX = dLdY @ W.T\n"),
    Variant("fc_backward_loops_over_examples", F, function="FullyConnected.backward", loses=("vectorized",), new='''
def backward(self, dLdY):
    X, Z = self.cache["X"], self.cache["Z"]
    W = self.parameters["W"]
    dZ = self.activation.backward(Z, dLdY)
    dW = np.zeros_like(W)
    for i in range(X.shape[0]):
        dW += np.outer(X[i], dZ[i])
    self.gradients["W"] = dW
    self.gradients["b"] = dZ.sum(axis=0, keepdims=True)
    return dZ @ W.T
'''),
    # -- Conv2D.forward --------------------------------------------------------------------------------------
    Variant("conv_forward_true_convolution", F, loses=("conv2d_forward",), may_lose=("conv2d_backward", "vectorized"),
            old='Z = np.einsum("mrcxij,ijxo->mrco", windows, W) + b',
            new='Z = np.einsum("mrcxij,ijxo->mrco", windows, W[::-1, ::-1]) + b'),
    Variant("conv_forward_ignores_the_stride", F, loses=("conv2d_forward",), may_lose=("conv2d_backward", "vectorized"),
            old="windows = windows[:, :: self.stride, :: self.stride]  # (m, out_rows, out_cols, n_in, k1, k2)",
            new="windows = windows  # (m, out_rows, out_cols, n_in, k1, k2)"),
    Variant("conv_forward_without_padding", F, loses=("conv2d_forward",), may_lose=("conv2d_backward", "vectorized"),
            old="windows = np.lib.stride_tricks.sliding_window_view(_pad(X, self.pad), (kernel_height, kernel_width), axis=(1, 2))",
            new="windows = np.lib.stride_tricks.sliding_window_view(X, (kernel_height, kernel_width), axis=(1, 2))"),
    Variant("conv_forward_forgets_the_bias", F, loses=("conv2d_forward",), may_lose=("conv2d_backward", "vectorized"),
            old='Z = np.einsum("mrcxij,ijxo->mrco", windows, W) + b', new='Z = np.einsum("mrcxij,ijxo->mrco", windows, W)'),
    Variant("conv_forward_loops_over_examples", F, function="Conv2D.forward", loses=("vectorized",), new='''
def forward(self, X):
    if self.n_in is None:
        self._init_parameters(X.shape)
    W = self.parameters["W"]
    b = self.parameters["b"]
    kernel_height, kernel_width, in_channels, out_channels = W.shape
    n_examples, in_rows, in_cols, in_channels = X.shape
    X_pad = _pad(X, self.pad)
    out_rows = (in_rows + 2 * self.pad[0] - kernel_height) // self.stride + 1
    out_cols = (in_cols + 2 * self.pad[1] - kernel_width) // self.stride + 1
    Z = np.zeros((n_examples, out_rows, out_cols, out_channels))
    for n in range(n_examples):
        for r in range(out_rows):
            for c in range(out_cols):
                patch = X_pad[n, r * self.stride: r * self.stride + kernel_height,
                              c * self.stride: c * self.stride + kernel_width]
                Z[n, r, c] = np.tensordot(patch, W, axes=3) + b[0]
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
'''),
    # -- Conv2D.backward -------------------------------------------------------------------------------------
    Variant("conv_backward_db_per_position", F, loses=("conv2d_backward",), may_lose=("vectorized",),
            old='self.gradients["b"] = dZ.sum(axis=(0, 1, 2))[np.newaxis, :]',
            new='self.gradients["b"] = dZ.sum(axis=0)'),
    Variant("conv_backward_dW_ignores_the_stride", F, loses=("conv2d_backward",), may_lose=("vectorized",),
            old='windows = windows[:, :: self.stride, :: self.stride]\n        self.gradients["W"]',
            new='windows = windows[:, :out_rows, :out_cols]\n        self.gradients["W"]'),
    Variant("conv_backward_keeps_the_padding", F, loses=("conv2d_backward",), may_lose=("vectorized",),
            old="\n        dX = dX_pad[:, self.pad[0] : self.pad[0] + X.shape[1], self.pad[1] : self.pad[1] + X.shape[2]]",
            new="\n        dX = dX_pad"),
    Variant("conv_backward_overwrites_overlaps", F, loses=("conv2d_backward",), may_lose=("vectorized",),
            old="dX_pad[:, i : i + rows : self.stride, j : j + cols : self.stride] += dZ @ W[i, j].T",
            new="dX_pad[:, i : i + rows : self.stride, j : j + cols : self.stride] = dZ @ W[i, j].T"),
    Variant("conv_backward_skips_the_activation", F, loses=("conv2d_backward",), may_lose=("vectorized",),
            old="dZ = self.activation.backward(Z, dLdY)  # (m, out_rows, out_cols, n_out)",
            new="dZ = dLdY  # (m, out_rows, out_cols, n_out)"),
    # -- Pool2D.forward --------------------------------------------------------------------------------------
    Variant("pool_forward_ignores_the_stride", F, loses=("max_pool", "avg_pool"), may_lose=("vectorized",),
            old="windows = windows[:, :: self.stride, :: self.stride]  # (m, out_rows, out_cols, channels, k1, k2)",
            new="windows = windows  # (m, out_rows, out_cols, channels, k1, k2)"),
    Variant("pool_forward_always_max", F, loses=("avg_pool",), may_lose=("vectorized",),
            old="X_pool = self.pool_fn(windows, axis=(4, 5))", new="X_pool = windows.max(axis=(4, 5))"),
    Variant("pool_forward_pools_the_channels", F, loses=("max_pool", "avg_pool"), may_lose=("vectorized",),
            old="X_pool = self.pool_fn(windows, axis=(4, 5))", new="X_pool = self.pool_fn(windows, axis=(3, 4))"),
    Variant("pool_forward_without_padding", F, loses=("max_pool", "avg_pool"), may_lose=("vectorized",),
            old="windows = np.lib.stride_tricks.sliding_window_view(_pad(X, self.pad), (k1, k2), axis=(1, 2))",
            new="windows = np.lib.stride_tricks.sliding_window_view(X, (k1, k2), axis=(1, 2))"),
    # -- Pool2D.backward -------------------------------------------------------------------------------------
    Variant("max_pool_backward_to_every_element", F, loses=("max_pool",), may_lose=("vectorized",),
            old="shares = (winners * dLdY[..., np.newaxis]).reshape(*dLdY.shape, k1, k2)",
            new="shares = np.broadcast_to(dLdY[..., np.newaxis, np.newaxis], (*dLdY.shape, k1, k2))"),
    Variant("pool_backward_overwrites_overlaps", F, loses=("max_pool", "avg_pool"), may_lose=("vectorized",),
            old="dX_pad[:, i : i + rows : self.stride, j : j + cols : self.stride] += shares[..., i, j]",
            new="dX_pad[:, i : i + rows : self.stride, j : j + cols : self.stride] = shares[..., i, j]"),
    Variant("avg_pool_backward_not_shared", F, loses=("avg_pool",), may_lose=("vectorized",),
            old="dLdY[..., np.newaxis, np.newaxis] / (k1 * k2)", new="dLdY[..., np.newaxis, np.newaxis]"),
    Variant("pool_backward_keeps_the_padding", F, loses=("max_pool", "avg_pool"), may_lose=("vectorized",),
            old="gradX = dX_pad[:, self.pad[0] : self.pad[0] + X.shape[1], self.pad[1] : self.pad[1] + X.shape[2]]",
            new="gradX = dX_pad"),
    Variant("max_pool_backward_to_the_minimum", F, loses=("max_pool",), may_lose=("vectorized",),
            old="winners = np.eye(k1 * k2)[windows.argmax(axis=-1)]", new="winners = np.eye(k1 * k2)[windows.argmin(axis=-1)]"),
    Variant("pool_backward_loops_over_examples", F, function="Pool2D.backward", loses=("vectorized",), new='''
def backward(self, dLdY):
    X = self.cache["X"]
    k1, k2 = self.kernel_shape
    X_pad = _pad(X, self.pad)
    gradX = np.zeros_like(X_pad)
    n_examples, out_rows, out_cols, channels = dLdY.shape
    for n in range(n_examples):
        for r in range(out_rows):
            for c in range(out_cols):
                window = X_pad[n, r * self.stride: r * self.stride + k1, c * self.stride: c * self.stride + k2]
                if self.mode == "max":
                    flat = window.reshape(k1 * k2, channels).argmax(axis=0)
                    mask = np.zeros((k1 * k2, channels))
                    mask[flat, np.arange(channels)] = 1
                    share = mask.reshape(k1, k2, channels) * dLdY[n, r, c]
                else:
                    share = np.ones((k1, k2, channels)) * dLdY[n, r, c] / (k1 * k2)
                gradX[n, r * self.stride: r * self.stride + k1, c * self.stride: c * self.stride + k2] += share
    return gradX[:, self.pad[0]: self.pad[0] + X.shape[1], self.pad[1]: self.pad[1] + X.shape[2]]
'''),
    # -- correct alternatives ------------------------------------------------------------------------------------
    Variant("alt_fc_forward_transposes", F, function="FullyConnected.forward", new='''
def forward(self, X):
    if self.n_in is None:
        self._init_parameters(X.shape)
    Z = (self.parameters["W"].T @ X.T).T + self.parameters["b"]
    self.cache["X"], self.cache["Z"] = X, Z
    return self.activation.forward(Z)
'''),
    Variant("alt_fc_backward_einsum_and_ones", F, function="FullyConnected.backward", new='''
def backward(self, dLdY):
    dZ = self.activation.backward(self.cache["Z"], dLdY)
    self.gradients["W"] = np.einsum("mi,mo->io", self.cache["X"], dZ)
    self.gradients["b"] = np.ones((1, dZ.shape[0])) @ dZ
    return np.einsum("mo,io->mi", dZ, self.parameters["W"])
'''),
    Variant("alt_fc_backward_accumulates_into_zeroed_gradients", F, function="FullyConnected.backward", new='''
def backward(self, dLdY):
    dZ = self.activation.backward(self.cache["Z"], dLdY)
    self.gradients["W"] += self.cache["X"].T @ dZ
    self.gradients["b"] += np.sum(dZ, axis=0, keepdims=True)
    return dZ @ self.parameters["W"].T
'''),
    Variant("alt_fc_init_parameters_dict_comprehension", F, function="FullyConnected._init_parameters", new='''
def _init_parameters(self, X_shape):
    self.n_in = X_shape[1]
    self.parameters = OrderedDict(W=self.init_weights((self.n_in, self.n_out)), b=np.zeros((1, self.n_out)))
    self.cache = OrderedDict()
    self.gradients = OrderedDict((name, np.zeros_like(value)) for name, value in self.parameters.items())
'''),
    Variant("alt_conv_forward_im2col", F, function="Conv2D.forward", new='''
def forward(self, X):
    if self.n_in is None:
        self._init_parameters(X.shape)
    W = self.parameters["W"]
    b = self.parameters["b"]
    k1, k2, n_in, n_out = W.shape
    m, rows, cols, _ = X.shape
    s = self.stride
    X_pad = _pad(X, self.pad)
    out_rows = (rows + 2 * self.pad[0] - k1) // s + 1
    out_cols = (cols + 2 * self.pad[1] - k2) // s + 1
    columns = np.empty((m, out_rows, out_cols, k1, k2, n_in))
    for i in range(k1):
        for j in range(k2):
            columns[:, :, :, i, j, :] = X_pad[:, i: i + s * out_rows: s, j: j + s * out_cols: s, :]
    Z = columns.reshape(m * out_rows * out_cols, -1) @ W.reshape(-1, n_out)
    Z = Z.reshape(m, out_rows, out_cols, n_out) + b
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
'''),
    Variant("alt_conv_forward_output_positions_tensordot", F, function="Conv2D.forward", new='''
def forward(self, X):
    if self.n_in is None:
        self._init_parameters(X.shape)
    W = self.parameters["W"]
    b = self.parameters["b"]
    kernel_height, kernel_width, in_channels, out_channels = W.shape
    n_examples, in_rows, in_cols, in_channels = X.shape
    X_pad = _pad(X, self.pad)
    out_rows = (in_rows + 2 * self.pad[0] - kernel_height) // self.stride + 1
    out_cols = (in_cols + 2 * self.pad[1] - kernel_width) // self.stride + 1
    Z = np.empty((n_examples, out_rows, out_cols, out_channels))
    for r in range(out_rows):
        for c in range(out_cols):
            patch = X_pad[:, r * self.stride: r * self.stride + kernel_height,
                          c * self.stride: c * self.stride + kernel_width, :]
            Z[:, r, c, :] = np.tensordot(patch, W, axes=([1, 2, 3], [0, 1, 2])) + b
    self.cache["Z"] = Z
    self.cache["X"] = X
    return self.activation(Z)
'''),
    Variant("alt_conv_backward_output_positions", F, function="Conv2D.backward", new='''
def backward(self, dLdY):
    X = self.cache["X"]
    Z = self.cache["Z"]
    W = self.parameters["W"]
    kernel_height, kernel_width, in_channels, out_channels = W.shape
    dZ = self.activation.backward(Z, dLdY)
    X_pad = _pad(X, self.pad)
    dX_pad = np.zeros_like(X_pad)
    dW = np.zeros_like(W)
    for r in range(dZ.shape[1]):
        for c in range(dZ.shape[2]):
            rows = slice(r * self.stride, r * self.stride + kernel_height)
            cols = slice(c * self.stride, c * self.stride + kernel_width)
            dW += np.einsum("mijx,mo->ijxo", X_pad[:, rows, cols, :], dZ[:, r, c, :])
            dX_pad[:, rows, cols, :] += np.einsum("ijxo,mo->mijx", W, dZ[:, r, c, :])
    self.gradients["W"] = dW
    self.gradients["b"] = dZ.sum(axis=(0, 1, 2)).reshape(1, -1)
    return dX_pad[:, self.pad[0]: self.pad[0] + X.shape[1], self.pad[1]: self.pad[1] + X.shape[2], :]
'''),
    Variant("alt_pool_forward_output_positions", F, function="Pool2D.forward", new='''
def forward(self, X):
    n_examples, in_rows, in_cols, channels = X.shape
    k1, k2 = self.kernel_shape
    X_pad = _pad(X, self.pad)
    out_rows = (in_rows + 2 * self.pad[0] - k1) // self.stride + 1
    out_cols = (in_cols + 2 * self.pad[1] - k2) // self.stride + 1
    X_pool = np.zeros((n_examples, out_rows, out_cols, channels))
    for r in range(out_rows):
        for c in range(out_cols):
            window = X_pad[:, r * self.stride: r * self.stride + k1, c * self.stride: c * self.stride + k2, :]
            X_pool[:, r, c, :] = self.pool_fn(window, axis=(1, 2))
    self.cache["X"] = X
    return X_pool
'''),
    Variant("alt_pool_backward_masks_per_position", F, function="Pool2D.backward", new='''
def backward(self, dLdY):
    X = self.cache["X"]
    k1, k2 = self.kernel_shape
    X_pad = _pad(X, self.pad)
    gradX = np.zeros_like(X_pad)
    for r in range(dLdY.shape[1]):
        for c in range(dLdY.shape[2]):
            rows = slice(r * self.stride, r * self.stride + k1)
            cols = slice(c * self.stride, c * self.stride + k2)
            window = X_pad[:, rows, cols, :]
            if self.mode == "max":
                mask = window == window.max(axis=(1, 2), keepdims=True)
                gradX[:, rows, cols, :] += mask * dLdY[:, r: r + 1, c: c + 1, :]
            else:
                gradX[:, rows, cols, :] += dLdY[:, r: r + 1, c: c + 1, :] / (k1 * k2)
    return gradX[:, self.pad[0]: self.pad[0] + X.shape[1], self.pad[1]: self.pad[1] + X.shape[2], :]
'''),
]
