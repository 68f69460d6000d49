"""Fast convolution and max-pooling layers, with the im2col helpers they use.

This file is provided by the course: you do not write it, and the grader
always uses its own copy. It offers the same functions, with the same
signatures and caches, as CS231n's ``fast_layers.py`` and ``im2col.py``, so
that ``from fast_layers import *`` works as it does there.

CS231n builds the slowest steps of these layers as a Cython extension; this
version is plain vectorized numpy instead, so that it needs no compiler and
no package beyond numpy, and runs the same on every machine (and in the
grader's sandbox). It is a little slower than the Cython version, and still
far faster than the naive layers.

The idea behind all of them is "im2col": copy every receptive field of the
input into a column of one matrix, so that a whole convolution becomes one
matrix product and a whole max-pooling layer one ``argmax`` along an axis.
The backward pass ("col2im") adds each column's gradient back onto the
pixels it was copied from; a pixel in several (overlapping) fields gets the
sum of their gradients.

Shapes use the letters of layers.py: x (N, C, H, W), w (F, C, HH, WW),
b (F,), conv_param {'stride', 'pad'}, pool_param {'pool_height',
'pool_width', 'stride'}; H' and W' are the output's height and width.
"""
# No __all__, as in CS231n: `from fast_layers import *` also brings np, which some code relies on.
import numpy as np


# -- im2col and col2im -----------------------------------------------------------------
def _covered(size, field, stride, what):
    """How much of an axis of ``size`` pixels the windows cover: (positions - 1) * stride + field."""
    if size < field:
        raise ValueError(f"Invalid pool params: the window's {what} ({field}) exceeds the input's ({size})")
    return (size - field) // stride * stride + field



def _output_size(size, field, padding, stride, what):
    """The number of positions of a field of size ``field`` along a padded axis of size ``size``.

    The fields must tile the padded axis exactly, as CS231n's fast layers
    require: otherwise the last pixels would silently be left out.
    A ValueError (rather than an assert) so that the check holds under ``python -O``.
    """
    span = size + 2 * padding - field
    if span < 0 or span % stride != 0:
        raise ValueError(
            f"{what} does not work: (size + 2 * pad - field) / stride + 1 = "
            f"({size} + 2 * {padding} - {field}) / {stride} + 1 is not a positive integer"
        )
    return span // stride + 1


def get_im2col_indices(x_shape, field_height, field_width, padding=1, stride=1):
    """The indices that pick every receptive field out of the padded input.

    Column m of the im2col matrix is the field at output position
    (m // N // W', m // N % W') of example m % N (the example varies fastest);
    row r is pixel (r // (HH * WW), r // WW % HH, r % WW) = (c, di, dj) of
    that field, the order of w.reshape(F, -1).

    Inputs:
    - x_shape: the input's shape (N, C, H, W)
    - field_height, field_width: the size HH x WW of each field
    - padding: the number of zeros added on each side of each image
    - stride: the distance between neighbouring fields

    Returns a tuple (k, i, j) of integer arrays, which broadcast to shape
    (C * HH * WW, H' * W'): the channel, row and column in the padded input
    of each pixel of each field.
    """
    _, C, H, W = x_shape
    out_height = _output_size(H, field_height, padding, stride, "height")
    out_width = _output_size(W, field_width, padding, stride, "width")

    # Offsets within a field (one per row of the matrix), then the field's corner (one per column).
    i0 = np.tile(np.repeat(np.arange(field_height), field_width), C)  # (C * HH * WW,)
    j0 = np.tile(np.arange(field_width), field_height * C)  # (C * HH * WW,)
    i1 = stride * np.repeat(np.arange(out_height), out_width)  # (H' * W',)
    j1 = stride * np.tile(np.arange(out_width), out_height)  # (H' * W',)
    i = i0[:, np.newaxis] + i1[np.newaxis, :]
    j = j0[:, np.newaxis] + j1[np.newaxis, :]
    k = np.repeat(np.arange(C), field_height * field_width)[:, np.newaxis]
    return k, i, j


def im2col_indices(x, field_height, field_width, padding=1, stride=1):
    """Copy every receptive field of x into a column of a matrix (im2col).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - field_height, field_width: the size HH x WW of each field
    - padding: the number of zeros added on each side of each image
    - stride: the distance between neighbouring fields

    Returns:
    - cols: an array of shape (C * HH * WW, H' * W' * N), of the dtype of x,
      in the order described by get_im2col_indices
    """
    p = padding
    x_padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
    k, i, j = get_im2col_indices(x.shape, field_height, field_width, padding, stride)
    cols = x_padded[:, k, i, j]  # (N, C * HH * WW, H' * W')
    # The example last, so that a column index reads (output position, example).
    return cols.transpose(1, 2, 0).reshape(field_height * field_width * x.shape[1], -1)


def col2im_indices(cols, x_shape, field_height=3, field_width=3, padding=1, stride=1):
    """Add the columns of an im2col matrix back onto the pixels they came from (col2im).

    This is the adjoint of im2col_indices, not its inverse: a pixel that lies
    in several overlapping fields receives the sum of all its copies, which is
    exactly what a backward pass needs.

    Inputs:
    - cols: an array of shape (C * HH * WW, H' * W' * N), as im2col_indices returns
    - x_shape: the shape (N, C, H, W) of the input the columns were taken from
    - field_height, field_width, padding, stride: as given to im2col_indices

    Returns:
    - x: an array of shape (N, C, H, W), of the dtype of cols
    """
    N, C, H, W = x_shape
    x_padded = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    k, i, j = get_im2col_indices(x_shape, field_height, field_width, padding, stride)
    cols_reshaped = cols.reshape(C * field_height * field_width, -1, N).transpose(2, 0, 1)
    # np.add.at, not x_padded[...] += ...: with repeated indices (overlapping
    # fields) plain assignment would keep only one of the copies.
    np.add.at(x_padded, (slice(None), k, i, j), cols_reshaped)
    return x_padded[:, :, padding:padding + H, padding:padding + W]


# -- convolution -----------------------------------------------------------------------
def conv_forward_im2col(x, w, b, conv_param):
    """Forward pass of a convolutional layer, as one matrix product over im2col's columns.

    Computes the same as conv_forward_naive, but requires the filters to
    tile the padded input exactly: (H + 2 * pad - HH) and (W + 2 * pad - WW)
    must be multiples of the stride (a ValueError otherwise).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filter weights of shape (F, C, HH, WW)
    - b: biases of shape (F,)
    - conv_param: a dict with the keys 'stride' and 'pad'

    Returns a tuple of:
    - out: output of shape (N, F, H', W')
    - cache: (x, w, b, conv_param, x_cols), x_cols of shape (C * HH * WW, H' * W' * N)
    """
    N = x.shape[0]
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    out_height = _output_size(x.shape[2], HH, pad, stride, "height")
    out_width = _output_size(x.shape[3], WW, pad, stride, "width")

    x_cols = im2col_indices(x, HH, WW, pad, stride)
    res = w.reshape(F, -1) @ x_cols + b.reshape(-1, 1)  # (F, H' * W' * N)
    out = res.reshape(F, out_height, out_width, N).transpose(3, 0, 1, 2)

    cache = (x, w, b, conv_param, x_cols)
    return out, cache


def conv_backward_im2col(dout, cache):
    """Backward pass of a convolutional layer, for conv_forward_im2col.

    Inputs:
    - dout: upstream derivative of shape (N, F, H', W')
    - cache: (x, w, b, conv_param, x_cols) as returned by conv_forward_im2col

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    x, w, b, conv_param, x_cols = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape

    db = dout.sum(axis=(0, 2, 3))
    dout_reshaped = dout.transpose(1, 2, 3, 0).reshape(F, -1)  # (F, H' * W' * N), the columns' order
    dw = (dout_reshaped @ x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(F, -1).T @ dout_reshaped  # (C * HH * WW, H' * W' * N)
    dx = col2im_indices(dx_cols, x.shape, HH, WW, pad, stride)
    return dx, dw, db


def conv_forward_strides(x, w, b, conv_param):
    """Forward pass of a convolutional layer, with im2col as a strided view of the padded input.

    Instead of gathering the fields with index arrays, this describes them
    with strides (how many bytes to step along each axis), so that numpy
    builds the im2col matrix with one contiguous copy. Like
    conv_forward_naive (and CS231n's version), it leaves out the last rows
    or columns that a filter would not fit in when the stride does not
    divide (H + 2 * pad - HH) or (W + 2 * pad - WW).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filter weights of shape (F, C, HH, WW)
    - b: biases of shape (F,)
    - conv_param: a dict with the keys 'stride' and 'pad'

    Returns a tuple of:
    - out: output of shape (N, F, H', W'), where
      H' = 1 + (H + 2 * pad - HH) // stride and W' = 1 + (W + 2 * pad - WW) // stride
    - cache: (x, w, b, conv_param, x_cols), x_cols of shape (C * HH * WW, N * H' * W'):
      note the order of the columns, example first, unlike conv_forward_im2col's
    """
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    if H + 2 * pad < HH or W + 2 * pad < WW:
        raise ValueError(f"the filters ({HH} x {WW}) are larger than the padded input "
                         f"({H + 2 * pad} x {W + 2 * pad})")
    out_height = (H + 2 * pad - HH) // stride + 1
    out_width = (W + 2 * pad - WW) // stride + 1

    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    # Element (c, di, dj, n, i, j) of the view is x_padded[n, c, i * stride + di, j * stride + dj]:
    # the strides of x_padded's own axes, the output's rows and columns stepping `stride` pixels.
    # The strides come from x_padded itself, so the view is right whatever its memory layout.
    s_n, s_c, s_h, s_w = x_padded.strides
    fields = np.lib.stride_tricks.as_strided(
        x_padded,
        shape=(C, HH, WW, N, out_height, out_width),
        strides=(s_c, s_h, s_w, s_n, stride * s_h, stride * s_w),
        writeable=False,  # the view's elements overlap: writing one would change several
    )
    x_cols = np.ascontiguousarray(fields).reshape(C * HH * WW, N * out_height * out_width)

    res = w.reshape(F, -1) @ x_cols + b.reshape(-1, 1)  # (F, N * H' * W')
    out = np.ascontiguousarray(res.reshape(F, N, out_height, out_width).transpose(1, 0, 2, 3))

    cache = (x, w, b, conv_param, x_cols)
    return out, cache


def _col2im_6d(dx_cols, x_shape, pad, stride):
    """Add the strided view's gradients back onto the input's pixels (col2im for conv_forward_strides).

    Inputs:
    - dx_cols: gradients of the view, of shape (C, HH, WW, N, H', W')
    - x_shape: the input's shape (N, C, H, W)
    - pad, stride: as in conv_param

    Returns:
    - dx: an array of shape (N, C, H, W), of the dtype of dx_cols
    """
    N, C, H, W = x_shape
    _, HH, WW, _, out_height, out_width = dx_cols.shape
    dx_padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=dx_cols.dtype)
    # One slice per filter offset (di, dj): the pixels it touched across all output
    # positions are distinct, so += is safe here; the offsets themselves overlap, hence the loop.
    for di in range(HH):
        for dj in range(WW):
            rows = slice(di, di + stride * out_height, stride)
            cols = slice(dj, dj + stride * out_width, stride)
            dx_padded[:, :, rows, cols] += dx_cols[:, di, dj].transpose(1, 0, 2, 3)
    return dx_padded[:, :, pad:pad + H, pad:pad + W]


def conv_backward_strides(dout, cache):
    """Backward pass of a convolutional layer, for conv_forward_strides.

    Inputs:
    - dout: upstream derivative of shape (N, F, H', W')
    - cache: (x, w, b, conv_param, x_cols) as returned by conv_forward_strides

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    x, w, b, conv_param, x_cols = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, _, _ = x.shape
    F, _, HH, WW = w.shape
    _, _, out_height, out_width = dout.shape

    db = dout.sum(axis=(0, 2, 3))
    dout_reshaped = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N * H' * W'), the columns' order
    dw = (dout_reshaped @ x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(F, -1).T @ dout_reshaped  # (C * HH * WW, N * H' * W')
    dx = _col2im_6d(dx_cols.reshape(C, HH, WW, N, out_height, out_width), x.shape, pad, stride)
    return dx, dw, db


# The strided version is the faster of the two, as in CS231n.
conv_forward_fast = conv_forward_strides
conv_backward_fast = conv_backward_strides


# -- max pooling -----------------------------------------------------------------------
def _pool_sizes(pool_param):
    return pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]


def max_pool_forward_fast(x, pool_param):
    """Forward pass of a max-pooling layer, by the fastest method that applies.

    When the windows are square, do not overlap and tile the input (the
    common 2 x 2, stride 2 case), a reshape suffices; otherwise im2col is
    used (pixels past the last whole window are left out, as by the naive layer).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: a dict with the keys 'pool_height', 'pool_width' and 'stride'

    Returns a tuple of:
    - out: output of shape (N, C, H', W')
    - cache: ('reshape', reshape_cache) or ('im2col', im2col_cache), the
      method's name and the cache of max_pool_forward_<method>
    """
    pool_height, pool_width, stride = _pool_sizes(pool_param)
    _, _, H, W = x.shape
    same_size = pool_height == pool_width == stride
    tiles = H % pool_height == 0 and W % pool_width == 0
    if same_size and tiles:
        out, reshape_cache = max_pool_forward_reshape(x, pool_param)
        return out, ("reshape", reshape_cache)
    out, im2col_cache = max_pool_forward_im2col(x, pool_param)
    return out, ("im2col", im2col_cache)


def max_pool_backward_fast(dout, cache):
    """Backward pass of a max-pooling layer, by the method its forward pass used.

    Inputs:
    - dout: upstream derivative of shape (N, C, H', W')
    - cache: (method, method_cache) as returned by max_pool_forward_fast

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    method, method_cache = cache
    if method == "reshape":
        return max_pool_backward_reshape(dout, method_cache)
    if method == "im2col":
        return max_pool_backward_im2col(dout, method_cache)
    raise ValueError(f"Unrecognized method {method!r}: expected 'reshape' or 'im2col'")


def max_pool_forward_reshape(x, pool_param):
    """Forward pass of a max-pooling layer whose windows tile the input, by a reshape.

    When each window is s x s with stride s, the windows are exactly the
    blocks of x.reshape(N, C, H / s, s, W / s, s), so the max of each is a
    max over two axes, with no copy of the data.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: a dict with pool_height == pool_width == stride, dividing H and W

    Returns a tuple of:
    - out: output of shape (N, C, H', W'), H' = H / stride, W' = W / stride
    - cache: (x, x_reshaped, out), x_reshaped of shape (N, C, H', pool_height, W', pool_width)
    """
    pool_height, pool_width, stride = _pool_sizes(pool_param)
    N, C, H, W = x.shape
    if not pool_height == pool_width == stride:
        raise ValueError(f"Invalid pool params: the reshape method needs pool_height == pool_width == "
                         f"stride, got {pool_height}, {pool_width} and {stride}")
    if H % pool_height != 0 or W % pool_width != 0:
        raise ValueError(f"Invalid pool params: the windows ({pool_height} x {pool_width}) "
                         f"do not tile the input ({H} x {W})")
    x_reshaped = x.reshape(N, C, H // pool_height, pool_height, W // pool_width, pool_width)
    # Two single-axis maxima: numpy reduces over one strided axis faster than over two at once.
    out = x_reshaped.max(axis=3).max(axis=4)  # (N, C, H', W')

    cache = (x, x_reshaped, out)
    return out, cache


def max_pool_backward_reshape(dout, cache):
    """Backward pass of a max-pooling layer, for max_pool_forward_reshape.

    Each window's derivative goes to its maximum. When several elements of a
    window tie for the maximum, the derivative is split equally among them
    (as in CS231n), so that the window's total gradient is still its dout;
    max_pool_backward_naive and max_pool_backward_im2col differ there.

    Inputs:
    - dout: upstream derivative of shape (N, C, H', W')
    - cache: (x, x_reshaped, out) as returned by max_pool_forward_reshape

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W), of the dtype of x
    """
    x, x_reshaped, out = cache
    # A window's axes are 3 and 5 of x_reshaped; new axes there broadcast out and dout over them.
    is_max = x_reshaped == out[:, :, :, np.newaxis, :, np.newaxis]  # (N, C, H', ph, W', pw)
    num_max = is_max.sum(axis=(3, 5), keepdims=True)
    dx_reshaped = np.zeros_like(x_reshaped)
    dx_reshaped[...] = is_max * (dout[:, :, :, np.newaxis, :, np.newaxis] / num_max)
    return dx_reshaped.reshape(x.shape)


def max_pool_forward_im2col(x, pool_param):
    """Forward pass of a max-pooling layer, by im2col (any windows, overlapping or not).

    Each channel of each example is treated as an image of its own, so that
    every column of the im2col matrix is one window of one channel, and the
    window's max is the column's.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: a dict with the keys 'pool_height', 'pool_width' and 'stride'

    Returns a tuple of:
    - out: output of shape (N, C, H', W'), where
      H' = 1 + (H - pool_height) // stride and W' = 1 + (W - pool_width) // stride
      (pixels past the last whole window are left out, as in max_pool_forward_naive)
    - cache: (x, x_cols, x_cols_argmax, pool_param): x_cols of shape
      (pool_height * pool_width, H' * W' * N * C), x_cols_argmax of shape (H' * W' * N * C,)
    """
    pool_height, pool_width, stride = _pool_sizes(pool_param)
    N, C, H, W = x.shape
    covered_height, covered_width = _covered(H, pool_height, stride, "height"), _covered(W, pool_width, stride, "width")
    out_height = 1 + (covered_height - pool_height) // stride
    out_width = 1 + (covered_width - pool_width) // stride

    # Rows and columns past the last whole window are left out, as max_pool_forward_naive does.
    x_split = x[:, :, :covered_height, :covered_width].reshape(N * C, 1, covered_height, covered_width)
    x_cols = im2col_indices(x_split, pool_height, pool_width, padding=0, stride=stride)
    x_cols_argmax = np.argmax(x_cols, axis=0)  # the first maximum of each window
    x_cols_max = x_cols[x_cols_argmax, np.arange(x_cols.shape[1])]
    out = x_cols_max.reshape(out_height, out_width, N, C).transpose(2, 3, 0, 1)

    cache = (x, x_cols, x_cols_argmax, pool_param)
    return out, cache


def max_pool_backward_im2col(dout, cache):
    """Backward pass of a max-pooling layer, for max_pool_forward_im2col.

    Each window's derivative goes to its first maximum (in row-major order
    within the window) only, as np.argmax picks it; an element that is the
    maximum of several overlapping windows receives the sum of their derivatives.

    Inputs:
    - dout: upstream derivative of shape (N, C, H', W')
    - cache: (x, x_cols, x_cols_argmax, pool_param) as returned by max_pool_forward_im2col

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W), of the dtype of x
    """
    x, x_cols, x_cols_argmax, pool_param = cache
    pool_height, pool_width, stride = _pool_sizes(pool_param)
    N, C, H, W = x.shape

    dout_reshaped = dout.transpose(2, 3, 0, 1).ravel()  # (H' * W' * N * C,), the columns' order
    dx_cols = np.zeros_like(x_cols)
    dx_cols[x_cols_argmax, np.arange(dx_cols.shape[1])] = dout_reshaped
    covered_height, covered_width = _covered(H, pool_height, stride, "height"), _covered(W, pool_width, stride, "width")
    dx_covered = col2im_indices(dx_cols, (N * C, 1, covered_height, covered_width), pool_height, pool_width,
                                padding=0, stride=stride)
    dx = np.zeros_like(x)
    dx[:, :, :covered_height, :covered_width] = dx_covered.reshape(N, C, covered_height, covered_width)
    return dx
