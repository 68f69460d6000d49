"""Variants of activations.py: ReLU, SoftMax (forward, backward, jacobian) and the optional Sigmoid.

Mistakes students make first, then correct ways to write the same thing differently. A layer or a
network built on a broken activation may lose its own points too (may_lose); the vectorized question
checks its loops only once the values are right, so it may lose with any wrong ReLU.
"""
from autograder.audit import Variant

F = "activations.py"
RELU_USERS = ("fully_connected", "conv2d_forward", "conv2d_backward", "model", "iris", "vectorized")
SOFTMAX_USERS = ("softmax_jacobian", "model", "iris")
JACOBIAN_USERS = ("softmax", "model", "iris")

VARIANTS = [
    # -- ReLU.forward -----------------------------------------------------------------------------------
    Variant("relu_forward_leaky", F, function="ReLU.forward", loses=("relu",), may_lose=RELU_USERS, new='''
def forward(self, Z):
    return np.where(Z > 0, Z, 0.01 * Z)
'''),
    Variant("relu_forward_absolute_value", F, function="ReLU.forward", loses=("relu",), may_lose=RELU_USERS, new='''
def forward(self, Z):
    return np.abs(Z)
'''),
    Variant("relu_forward_in_place", F, function="ReLU.forward", loses=("relu",), may_lose=RELU_USERS, new='''
def forward(self, Z):
    Z[Z < 0] = 0
    return Z
'''),
    Variant("relu_forward_loops_over_examples", F, function="ReLU.forward", loses=("vectorized",), new='''
def forward(self, Z):
    return np.array([np.maximum(z, 0.0) for z in Z])
'''),
    # -- ReLU.backward ----------------------------------------------------------------------------------
    Variant("relu_backward_forgets_dY", F, function="ReLU.backward", loses=("relu",), may_lose=RELU_USERS, new='''
def backward(self, Z, dY):
    return (Z > 0).astype(float)
'''),
    Variant("relu_backward_inverted_mask", F, function="ReLU.backward", loses=("relu",), may_lose=RELU_USERS, new='''
def backward(self, Z, dY):
    return np.where(Z < 0, dY, 0.0)
'''),
    Variant("relu_backward_writes_into_dY", F, function="ReLU.backward", loses=("relu",), may_lose=RELU_USERS, new='''
def backward(self, Z, dY):
    dY[Z <= 0] = 0
    return dY
'''),
    Variant("relu_backward_loops_over_examples", F, function="ReLU.backward", loses=("vectorized",), new='''
def backward(self, Z, dY):
    m = Z.shape[0]
    return np.stack([dY[i] * (Z[i] > 0) for i in range(m)])
'''),
    # -- SoftMax.forward --------------------------------------------------------------------------------
    Variant("softmax_forward_unstable", F, function="SoftMax.forward", loses=("softmax",),
            may_lose=SOFTMAX_USERS, new='''
def forward(self, Z):
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)
'''),
    Variant("softmax_forward_global_maximum", F, function="SoftMax.forward", loses=("softmax",),
            may_lose=SOFTMAX_USERS, new='''
def forward(self, Z):
    e = np.exp(Z - Z.max())
    return e / e.sum(axis=1, keepdims=True)
'''),
    Variant("softmax_forward_normalises_columns", F, function="SoftMax.forward", loses=("softmax",),
            may_lose=SOFTMAX_USERS, new='''
def forward(self, Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
'''),
    Variant("softmax_forward_not_normalised", F, function="SoftMax.forward", loses=("softmax",),
            may_lose=SOFTMAX_USERS, new='''
def forward(self, Z):
    return np.exp(Z - Z.max(axis=1, keepdims=True))
'''),
    # -- SoftMax.backward -------------------------------------------------------------------------------
    Variant("softmax_backward_diagonal_only", F, function="SoftMax.backward", loses=("softmax",),
            may_lose=("model", "iris"), new='''
def backward(self, Z, dY):
    s = self.forward(Z)
    return dY * s * (1 - s)
'''),
    Variant("softmax_backward_unweighted_sum", F, function="SoftMax.backward", loses=("softmax",),
            may_lose=("model", "iris"), new='''
def backward(self, Z, dY):
    s = self.forward(Z)
    return s * (dY - dY.sum(axis=1, keepdims=True))
'''),
    Variant("softmax_backward_passes_dY_through", F, function="SoftMax.backward", loses=("softmax",),
            may_lose=("model", "iris"), new='''
def backward(self, Z, dY):
    return dY
'''),
    # -- SoftMax.jacobian -------------------------------------------------------------------------------
    Variant("jacobian_without_the_diagonal", F, function="SoftMax.jacobian", loses=("softmax_jacobian",),
            may_lose=JACOBIAN_USERS, new='''
def jacobian(self, Z):
    s = self.forward(Z)
    return -np.einsum("ni,nj->nij", s, s)
'''),
    Variant("jacobian_diagonal_only", F, function="SoftMax.jacobian", loses=("softmax_jacobian",),
            may_lose=JACOBIAN_USERS, new='''
def jacobian(self, Z):
    s = self.forward(Z)
    return np.einsum("ni,ij->nij", s, np.eye(Z.shape[1]))
'''),
    Variant("jacobian_sign_flipped", F, function="SoftMax.jacobian", loses=("softmax_jacobian",),
            may_lose=JACOBIAN_USERS, new='''
def jacobian(self, Z):
    s = self.forward(Z)
    return np.einsum("ni,nj->nij", s, s) - np.einsum("ni,ij->nij", s, np.eye(Z.shape[1]))
'''),
    Variant("jacobian_of_the_first_example_only", F, function="SoftMax.jacobian", loses=("softmax_jacobian",),
            may_lose=JACOBIAN_USERS, new='''
def jacobian(self, Z):
    s = self.forward(Z)[0]
    return np.diag(s) - np.outer(s, s)
'''),
    # -- Sigmoid (optional) -----------------------------------------------------------------------------
    Variant("sigmoid_forward_sign_error", F, function="Sigmoid.forward", loses=("sigmoid",), new='''
def forward(self, Z):
    return 1.0 / (1.0 + np.exp(Z))
'''),
    Variant("sigmoid_forward_is_tanh", F, function="Sigmoid.forward", loses=("sigmoid",), new='''
def forward(self, Z):
    return np.tanh(Z)
'''),
    Variant("sigmoid_forward_forgets_the_one", F, function="Sigmoid.forward", loses=("sigmoid",), new='''
def forward(self, Z):
    return 1.0 / np.exp(-Z)
'''),
    Variant("sigmoid_backward_forgets_one_minus", F, function="Sigmoid.backward", loses=("sigmoid",), new='''
def backward(self, Z, dY):
    return dY * self.forward(Z)
'''),
    Variant("sigmoid_backward_forgets_dY", F, function="Sigmoid.backward", loses=("sigmoid",), new='''
def backward(self, Z, dY):
    s = self.forward(Z)
    return s * (1 - s)
'''),
    Variant("sigmoid_backward_uses_Z_for_sigma", F, function="Sigmoid.backward", loses=("sigmoid",), new='''
def backward(self, Z, dY):
    return dY * Z * (1 - Z)
'''),
    # -- correct alternatives ---------------------------------------------------------------------------
    Variant("alt_relu_with_masks", F, function="ReLU.forward", new='''
def forward(self, Z):
    return Z * (Z > 0)
'''),
    Variant("alt_relu_backward_copy_then_zero", F, function="ReLU.backward", new='''
def backward(self, Z, dY):
    dZ = dY.copy()
    dZ[Z < 0] = 0
    return dZ
'''),
    Variant("alt_softmax_forward_logsumexp", F, function="SoftMax.forward", new='''
def forward(self, Z):
    top = Z.max(axis=1, keepdims=True)
    log_norm = top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True))
    return np.exp(Z - log_norm)
'''),
    Variant("alt_softmax_backward_loop_over_examples", F, function="SoftMax.backward", new='''
def backward(self, Z, dY):
    # the handout allows a loop over the examples here
    s = self.forward(Z)
    dZ = np.empty_like(dY)
    for n in range(Z.shape[0]):
        J = np.diag(s[n]) - np.outer(s[n], s[n])
        dZ[n] = J.T @ dY[n]
    return dZ
'''),
    Variant("alt_softmax_backward_closed_form", F, function="SoftMax.backward", new='''
def backward(self, Z, dY):
    s = self.forward(Z)
    return s * (dY - np.sum(dY * s, axis=1, keepdims=True))
'''),
    Variant("alt_jacobian_loop", F, function="SoftMax.jacobian", new='''
def jacobian(self, Z):
    return np.stack([np.diag(s) - np.outer(s, s) for s in self.forward(Z)])
'''),
    Variant("alt_jacobian_broadcast", F, function="SoftMax.jacobian", new='''
def jacobian(self, Z):
    s = self.forward(Z)
    k = Z.shape[1]
    return s[:, :, np.newaxis] * (np.eye(k)[np.newaxis] - s[:, np.newaxis, :])
'''),
    Variant("alt_sigmoid_stable", F, function="Sigmoid.forward", new='''
def forward(self, Z):
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''),
    Variant("alt_sigmoid_backward_from_exp", F, function="Sigmoid.backward", new='''
def backward(self, Z, dY):
    e = np.exp(-Z)
    return dY * e / (1.0 + e) ** 2
'''),
]
