"""Variants of the convolution and pooling layers of layers.py.

Common mistakes first, then correct ways to write each function differently.
Many are written as loops over (n, f, i, j), the way most students write
these layers, with one line changed. A variant that changes a forward's
cache replaces the backward (which comes later in layers.py) with both
functions, so that its forward overrides the reference's.

ThreeLayerConvNet (and the check that it overfits a few images) is built on
the convolution and max pooling, so it may fall with any of their mistakes;
average pooling is not part of it.
"""
from autograder.audit import Variant

CNN = ("three_layer_convnet", "overfit")  # the convnet, and the check that it trains

# -- convolution written with loops, the template of most mistakes below ----------------
CONV_FORWARD_LOOPS = '''
def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_padded[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)
'''

CONV_BACKWARD_LOOPS = '''
def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for n in range(N):
        for f in range(F):
            db[f] += dout[n, f].sum()
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dw[f] += x_padded[n, :, rows, cols] * dout[n, f, i, j]
                    dx_padded[n, :, rows, cols] += w[f] * dout[n, f, i, j]
    dx = dx_padded[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
'''


def changed(text, old, new):
    """``text`` with the snippet ``old`` (which must occur exactly once) replaced by ``new``."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


# -- pooling written with loops ------------------------------------------------------
MAX_POOL_LOOPS = '''
def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    di, dj = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + di, j * stride + dj] += dout[n, c, i, j]
    return dx
'''

AVG_POOL_LOOPS = '''
def avg_pool_forward_naive(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].mean(axis=(2, 3))
    return out, (x, pool_param)


def avg_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw] += dout[n, c, i, j] / (ph * pw)
    return dx
'''


# The forwards written with loops over (n, c, i, j), the template of the pooling forwards' mistakes below.
# They keep the reference's cache (x, pool_param), so that the reference's backward still works with them.
POOL_FORWARD_LOOPS = '''
def {kind}_pool_forward_naive(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.{reduce}(x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw])
    return out, (x, pool_param)
'''
MAX_POOL_FORWARD_LOOPS = POOL_FORWARD_LOOPS.format(kind="max", reduce="max")
AVG_POOL_FORWARD_LOOPS = POOL_FORWARD_LOOPS.format(kind="avg", reduce="mean")


def pool_assuming_stride_is_the_window(kind):
    """A pooling layer written as if windows never overlapped: a reshape into blocks of the window's size."""
    reduce = "max" if kind == "max" else "mean"
    share = ("window == window.max(axis=(2, 3), keepdims=True)" if kind == "max"
             else "np.full(window.shape, 1 / (ph * pw))")
    return f'''
def {kind}_pool_forward_naive(x, pool_param):
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    N, C, H, W = x.shape
    blocks = x[:, :, :H // ph * ph, :W // pw * pw].reshape(N, C, H // ph, ph, W // pw, pw)
    return blocks.{reduce}(axis=(3, 5)), (x, pool_param)


def {kind}_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * ph:(i + 1) * ph, j * pw:(j + 1) * pw]
            share = {share}
            dx[:, :, i * ph:(i + 1) * ph, j * pw:(j + 1) * pw] += share * dout[:, :, i:i + 1, j:j + 1]
    return dx
'''


VARIANTS = [
    # -- convolution forward: mistakes ------------------------------------------------------
    Variant("conv_forward_flipped_kernel", "layers.py", function="conv_forward_naive", loses=("conv_forward",),
            may_lose=CNN, new=changed(CONV_FORWARD_LOOPS, "window * w[f]", "window * w[f, :, ::-1, ::-1]")),
    Variant("conv_forward_output_size_without_plus_one", "layers.py", function="conv_forward_naive",
            loses=("conv_forward",), may_lose=CNN,
            new=changed(changed(CONV_FORWARD_LOOPS, "H_out = 1 + (H", "H_out = (H"), "W_out = 1 + (W", "W_out = (W")),
    Variant("conv_forward_padding_on_one_side", "layers.py", function="conv_forward_naive",
            loses=("conv_forward",), may_lose=CNN,
            new=changed(CONV_FORWARD_LOOPS, "(pad, pad), (pad, pad)", "(0, 2 * pad), (0, 2 * pad)")),
    Variant("conv_forward_ignores_the_stride", "layers.py", function="conv_forward_naive",
            loses=("conv_forward",), may_lose=CNN,
            new=changed(CONV_FORWARD_LOOPS, "x_padded[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]",
                        "x_padded[n, :, i:i + HH, j:j + WW]")),
    # -- convolution backward: mistakes -----------------------------------------------------
    Variant("conv_backward_ignores_the_stride", "layers.py", function="conv_backward_naive",
            loses=("conv_backward",), may_lose=CNN,
            new=changed(changed(CONV_BACKWARD_LOOPS, "slice(i * stride, i * stride + HH)", "slice(i, i + HH)"),
                        "slice(j * stride, j * stride + WW)", "slice(j, j + WW)")),
    Variant("conv_backward_db_over_the_wrong_axes", "layers.py", loses=("conv_backward",), may_lose=CNN,
            old="db = dout.sum(axis=(0, 2, 3))", new="db = dout.sum(axis=(1, 2, 3))"),
    Variant("conv_backward_dw_of_the_last_example_only", "layers.py", function="conv_backward_naive",
            loses=("conv_backward",), may_lose=CNN,
            new=changed(CONV_BACKWARD_LOOPS, "    for n in range(N):\n        for f in range(F):",
                        "    for n in range(N):\n        dw = np.zeros_like(w)  # reset for every example\n"
                        "        for f in range(F):")),
    Variant("conv_backward_dx_keeps_the_padding", "layers.py", loses=("conv_backward",), may_lose=CNN,
            old="dx = dx_padded[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]", new="dx = dx_padded"),
    Variant("conv_backward_dx_with_the_flipped_kernel", "layers.py", function="conv_backward_naive",
            loses=("conv_backward",), may_lose=CNN,
            new=changed(CONV_BACKWARD_LOOPS, "+= w[f] * dout", "+= w[f, :, ::-1, ::-1] * dout")),
    # -- convolution: correct alternatives --------------------------------------------------
    Variant("conv_with_loops", "layers.py", function="conv_backward_naive",
            new=CONV_FORWARD_LOOPS + "\n\n" + CONV_BACKWARD_LOOPS),
    Variant("conv_with_im2col_and_a_dict_cache", "layers.py", function="conv_backward_naive", new='''
        def conv_forward_naive(x, w, b, conv_param):
            s, p = conv_param["stride"], conv_param["pad"]
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            H_out, W_out = 1 + (H + 2 * p - HH) // s, 1 + (W + 2 * p - WW) // s
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            cols = np.empty((N, H_out, W_out, C * HH * WW))
            for i in range(H_out):
                for j in range(W_out):
                    cols[:, i, j] = xp[:, :, i * s:i * s + HH, j * s:j * s + WW].reshape(N, -1)
            out = (cols.reshape(-1, C * HH * WW) @ w.reshape(F, -1).T + b).reshape(N, H_out, W_out, F)
            return out.transpose(0, 3, 1, 2), {"cols": cols, "x_shape": x.shape, "w": w, "s": s, "p": p}


        def conv_backward_naive(dout, cache):
            cols, w, s, p = cache["cols"], cache["w"], cache["s"], cache["p"]
            N, C, H, W = cache["x_shape"]
            F, _, HH, WW = w.shape
            _, _, H_out, W_out = dout.shape
            d = dout.transpose(0, 2, 3, 1).reshape(-1, F)  # (N * H' * W', F)
            db = d.sum(axis=0)
            dw = (d.T @ cols.reshape(-1, C * HH * WW)).reshape(w.shape)
            dcols = (d @ w.reshape(F, -1)).reshape(N, H_out, W_out, C, HH, WW)
            dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
            for i in range(H_out):
                for j in range(W_out):
                    dxp[:, :, i * s:i * s + HH, j * s:j * s + WW] += dcols[:, i, j]
            return dxp[:, :, p:p + H, p:p + W], dw, db
    '''),
    Variant("conv_backward_with_tensordot_and_add_at", "layers.py", function="conv_backward_naive", new='''
        def conv_backward_naive(dout, cache):
            x, w, b, conv_param = cache
            s, p = conv_param["stride"], conv_param["pad"]
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            _, _, H_out, W_out = dout.shape
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            rows = (np.arange(H_out) * s)[:, None] + np.arange(HH)[None, :]  # (H', HH) padded row of each tap
            cols = (np.arange(W_out) * s)[:, None] + np.arange(WW)[None, :]  # (W', WW)
            patches = xp[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, H', W', HH, WW)
            db = np.sum(dout, axis=(0, 2, 3))
            dw = np.tensordot(dout, patches, axes=([0, 2, 3], [0, 2, 3]))  # (F, C, HH, WW)
            dpatches = np.tensordot(dout, w, axes=([1], [0]))  # (N, H', W', C, HH, WW)
            dxp = np.zeros_like(xp)
            np.add.at(dxp, (slice(None), slice(None), rows[:, None, :, None], cols[None, :, None, :]),
                      dpatches.transpose(0, 3, 1, 2, 4, 5))
            return dxp[:, :, p:p + H, p:p + W], dw, db
    '''),
    # -- max pooling: mistakes ------------------------------------------------------------
    Variant("max_pool_backward_to_every_element_of_the_window", "layers.py", loses=("max_pool",), may_lose=CNN,
            old="dx[:, :, rows, cols] += is_max * dout[:, :, i:i + 1, j:j + 1]",
            new="dx[:, :, rows, cols] += dout[:, :, i:i + 1, j:j + 1]"),
    Variant("max_pool_backward_to_the_first_element_of_the_window", "layers.py", loses=("max_pool",), may_lose=CNN,
            old="dx[:, :, rows, cols] += is_max * dout[:, :, i:i + 1, j:j + 1]",
            new="dx[:, :, i * stride, j * stride] += dout[:, :, i, j]"),
    Variant("max_pool_backward_assigned_not_accumulated", "layers.py", loses=("max_pool",), may_lose=CNN,
            old="dx[:, :, rows, cols] += is_max * dout[:, :, i:i + 1, j:j + 1]",
            new="dx[:, :, rows, cols] = is_max * dout[:, :, i:i + 1, j:j + 1]"),
    Variant("max_pool_assumes_stride_equals_the_window", "layers.py", function="max_pool_backward_naive",
            loses=("max_pool",), may_lose=CNN, new=pool_assuming_stride_is_the_window("max")),
    Variant("max_pool_forward_ignores_the_stride", "layers.py", function="max_pool_forward_naive",
            loses=("max_pool",), may_lose=CNN,
            new=changed(MAX_POOL_FORWARD_LOOPS, "x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]",
                        "x[n, c, i:i + ph, j:j + pw]")),
    Variant("max_pool_forward_output_size_without_plus_one", "layers.py", function="max_pool_forward_naive",
            loses=("max_pool",), may_lose=CNN,
            new=changed(changed(MAX_POOL_FORWARD_LOOPS, "H_out = 1 + (H", "H_out = (H"),
                        "W_out = 1 + (W", "W_out = (W")),
    Variant("max_pool_forward_takes_the_minimum", "layers.py", function="max_pool_forward_naive",
            loses=("max_pool",), may_lose=CNN, new=changed(MAX_POOL_FORWARD_LOOPS, "np.max(", "np.min(")),
    # The maximum of a window across every channel, not of each channel's window.
    Variant("max_pool_forward_pools_over_the_channels", "layers.py", function="max_pool_forward_naive",
            loses=("max_pool",), may_lose=CNN, new=changed(MAX_POOL_FORWARD_LOOPS, "np.max(x[n, c,", "np.max(x[n, :,")),
    # -- max pooling: correct alternatives --------------------------------------------------
    Variant("max_pool_forward_with_loops", "layers.py", function="max_pool_forward_naive",
            new=MAX_POOL_FORWARD_LOOPS),
    Variant("max_pool_backward_with_argmax_loops", "layers.py", function="max_pool_backward_naive",
            new=MAX_POOL_LOOPS),
    Variant("max_pool_backward_with_a_where_mask", "layers.py", function="max_pool_backward_naive", new='''
        def max_pool_backward_naive(dout, cache):
            x, pool_param = cache
            ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
            _, _, H_out, W_out = dout.shape
            windows = np.lib.stride_tricks.sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
            mask = windows == windows.max(axis=(4, 5), keepdims=True)  # (N, C, H', W', ph, pw)
            routed = np.where(mask, dout[..., None, None], 0.0)
            dx = np.zeros_like(x)
            for di in range(ph):
                for dj in range(pw):
                    dx[:, :, di:di + s * H_out:s, dj:dj + s * W_out:s] += routed[..., di, dj]
            return dx
    '''),
    Variant("max_pool_forward_with_loops_and_an_index_cache", "layers.py", function="max_pool_backward_naive",
            new='''
        def max_pool_forward_naive(x, pool_param):
            ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
            N, C, H, W = x.shape
            H_out, W_out = 1 + (H - ph) // s, 1 + (W - pw) // s
            out = np.zeros((N, C, H_out, W_out))
            argmax = np.zeros((N, C, H_out, W_out), dtype=int)
            for i in range(H_out):
                for j in range(W_out):
                    window = x[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(N, C, -1)
                    argmax[:, :, i, j] = window.argmax(axis=2)
                    out[:, :, i, j] = window.max(axis=2)
            return out, (x.shape, pool_param, argmax)


        def max_pool_backward_naive(dout, cache):
            x_shape, pool_param, argmax = cache
            pw, s = pool_param["pool_width"], pool_param["stride"]
            N, C, H_out, W_out = dout.shape
            rows = np.arange(H_out)[:, None] * s + argmax // pw  # (N, C, H', W') by broadcasting
            cols = np.arange(W_out)[None, :] * s + argmax % pw
            n, c = np.indices((N, C))
            dx = np.zeros(x_shape)
            np.add.at(dx, (n[..., None, None], c[..., None, None], rows, cols), dout)
            return dx
    '''),
    # -- average pooling: mistakes ----------------------------------------------------------
    Variant("avg_pool_backward_not_divided_by_the_window_size", "layers.py", loses=("avg_pool",),
            old="share = dout / (ph * pw)  # (N, C, H', W')", new="share = dout"),
    Variant("avg_pool_assumes_stride_equals_the_window", "layers.py", function="avg_pool_backward_naive",
            loses=("avg_pool",), new=pool_assuming_stride_is_the_window("avg")),
    Variant("avg_pool_backward_assigned_not_accumulated", "layers.py", loses=("avg_pool",),
            old="dx[:, :, di:di + stride * H_out:stride, dj:dj + stride * W_out:stride] += share",
            new="dx[:, :, di:di + stride * H_out:stride, dj:dj + stride * W_out:stride] = share"),
    Variant("avg_pool_forward_sums_the_window", "layers.py", function="avg_pool_forward_naive",
            loses=("avg_pool",), new=changed(AVG_POOL_FORWARD_LOOPS, "np.mean(", "np.sum(")),
    Variant("avg_pool_forward_divides_by_the_pool_height_only", "layers.py", function="avg_pool_forward_naive",
            loses=("avg_pool",),
            new=changed(changed(AVG_POOL_FORWARD_LOOPS, "np.mean(", "np.sum("), "+ pw])\n", "+ pw]) / ph\n")),
    # Right only when the windows tile the input exactly (stride == window, sizes divisible by it).
    Variant("avg_pool_forward_output_size_h_over_stride", "layers.py", function="avg_pool_forward_naive",
            loses=("avg_pool",),
            new=changed(changed(AVG_POOL_FORWARD_LOOPS, "H_out = 1 + (H - ph) // stride", "H_out = H // stride"),
                        "W_out = 1 + (W - pw) // stride", "W_out = W // stride")),
    # -- average pooling: correct alternatives ------------------------------------------------
    Variant("avg_pool_forward_with_loops", "layers.py", function="avg_pool_forward_naive",
            new=AVG_POOL_FORWARD_LOOPS),
    Variant("avg_pool_with_loops", "layers.py", function="avg_pool_backward_naive", new=AVG_POOL_LOOPS),
]
