"""Self-checks of the provided reference_solution/fast_layers.py (run by `make test`, not graded).

The fast layers must compute what the naive layers of layers.py compute
(within 1e-10 in float64), agree with central differences, keep CS231n's
cache layouts (student code unpacks them), and keep the dtype of their
inputs. Pooling inputs are permutations, so no window has a tie; the tie
rules are checked on their own.
"""
import importlib
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "reference_solution"
MODULES = ("fast_layers", "layers")
RTOL_EXACT = 1e-10  # the same sums in another order: float64 rounding only
RTOL_NUMERICAL = 1e-7  # central differences with h = 1e-6 on values of order 1
RTOL_FLOAT32 = 1e-5  # float32 against float64 on sums of at most ~100 terms


@pytest.fixture(scope="module")
def ref():
    """The reference's fast_layers and layers, imported by name from reference_solution/, then forgotten."""
    saved_path = list(sys.path)
    saved_modules = {name: sys.modules.pop(name) for name in MODULES if name in sys.modules}
    sys.path.insert(0, str(REFERENCE))
    try:
        fast = importlib.import_module("fast_layers")
        # Imported first and alone: it must need nothing from layers.py.
        imports_layers = "layers" in sys.modules
        naive = importlib.import_module("layers")
        for module in (fast, naive):
            assert Path(module.__file__).parent == REFERENCE, module.__file__
        yield SimpleNamespace(fast=fast, naive=naive, imports_layers=imports_layers)
    finally:
        for name in MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path


def expect_close(got, expected, rtol, what):
    """Shape and dtype first, then the worst element relative to the largest expected value."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, expected {expected.dtype}"
    scale = max(np.max(np.abs(expected), initial=0.0), 1e-300)
    error = np.abs(got - expected) / scale
    if error.size and error.max() > rtol:
        worst = np.unravel_index(np.argmax(error), error.shape)
        raise AssertionError(f"{what}: worst element {worst}: got {got[worst]!r}, expected {expected[worst]!r}, "
                             f"relative error {error.max():.3g} > {rtol:g}")


def numerical_gradient(f, x, dout, h=1e-6):
    """Central differences of sum(f() * dout) with respect to x, changing x in place and restoring it."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = np.sum(f() * dout)
        x[index] = old - h
        minus = np.sum(f() * dout)
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def distinct_values(rng, shape):
    """Values 0.1 apart in a random order: no ties in any window, and a max stays a max under h = 1e-6."""
    return 0.1 * rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) - 1.0


# -- convolution --------------------------------------------------------------------
# (name, x shape, w shape, stride, pad): the filters tile the padded input, as im2col requires.
CONV_CASES = [
    ("3x3, stride 1, pad 1", (2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
    ("3x3, stride 2, pad 1", (2, 2, 7, 7), (3, 2, 3, 3), 2, 1),
    ("3x2 kernel, pad 0", (3, 2, 6, 5), (2, 2, 3, 2), 1, 0),
    ("batch 1, 3x5 kernel, stride 2, pad 2", (1, 4, 5, 7), (2, 4, 3, 5), 2, 2),
    ("1x1 kernel", (2, 3, 4, 4), (5, 3, 1, 1), 1, 0),
    ("2x4 kernel, stride 2, one channel", (2, 1, 6, 8), (3, 1, 2, 4), 2, 0),
]
CONV_METHODS = ("im2col", "strides", "fast")


def conv_inputs(seed, x_shape, w_shape, stride, pad, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    return x, w, b, {"stride": stride, "pad": pad}


def conv_pair(ref, method):
    return getattr(ref.fast, f"conv_forward_{method}"), getattr(ref.fast, f"conv_backward_{method}")


@pytest.mark.parametrize("method", CONV_METHODS)
@pytest.mark.parametrize("name,x_shape,w_shape,stride,pad", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_matches_naive(ref, method, name, x_shape, w_shape, stride, pad):
    x, w, b, conv_param = conv_inputs(0, x_shape, w_shape, stride, pad)
    forward, backward = conv_pair(ref, method)
    out, cache = forward(x, w, b, conv_param)
    expected_out, naive_cache = ref.naive.conv_forward_naive(x, w, b, conv_param)
    expect_close(out, expected_out, RTOL_EXACT, f"conv_forward_{method}, {name}")

    dout = np.random.default_rng(1).standard_normal(out.shape)
    grads = backward(dout, cache)
    expected_grads = ref.naive.conv_backward_naive(dout, naive_cache)
    for grad_name, got, expected in zip(("dx", "dw", "db"), grads, expected_grads):
        expect_close(got, expected, RTOL_EXACT, f"conv_backward_{method} {grad_name}, {name}")


@pytest.mark.parametrize("method", ("im2col", "strides"))
def test_conv_backward_matches_numerical_gradient(ref, method):
    x, w, b, conv_param = conv_inputs(2, (2, 2, 5, 6), (3, 2, 3, 2), 2, 1)
    forward, backward = conv_pair(ref, method)
    out, cache = forward(x, w, b, conv_param)
    dout = np.random.default_rng(3).standard_normal(out.shape)
    dx, dw, db = backward(dout, cache)
    for grad_name, param, grad in (("dx", x, dx), ("dw", w, dw), ("db", b, db)):
        numerical = numerical_gradient(lambda: forward(x, w, b, conv_param)[0], param, dout)
        expect_close(grad, numerical, RTOL_NUMERICAL, f"conv_backward_{method} {grad_name}")


@pytest.mark.parametrize("method", CONV_METHODS)
def test_conv_cache_layout(ref, method):
    x, w, b, conv_param = conv_inputs(4, (2, 3, 6, 6), (4, 3, 3, 3), 1, 1)
    _, cache = conv_pair(ref, method)[0](x, w, b, conv_param)
    assert isinstance(cache, tuple) and len(cache) == 5
    assert cache[0] is x and cache[1] is w and cache[2] is b and cache[3] is conv_param
    assert cache[4].shape == (3 * 3 * 3, 2 * 6 * 6)  # x_cols: (C * HH * WW, N * H' * W')


def test_conv_fast_is_strides(ref):
    assert ref.fast.conv_forward_fast is ref.fast.conv_forward_strides
    assert ref.fast.conv_backward_fast is ref.fast.conv_backward_strides


def test_conv_strides_x_cols_is_the_strided_view(ref):
    """x_cols holds the padded input's fields, rows (c, di, dj) and columns (n, i, j), as CS231n builds them."""
    x, w, b, conv_param = conv_inputs(5, (2, 2, 4, 5), (1, 2, 2, 3), 1, 1)
    x_cols = ref.fast.conv_forward_strides(x, w, b, conv_param)[1][4]
    x_padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    fields = np.lib.stride_tricks.sliding_window_view(x_padded, (2, 3), axis=(2, 3))  # (N, C, H', W', HH, WW)
    expected = fields.transpose(1, 4, 5, 0, 2, 3).reshape(2 * 2 * 3, -1)  # (C, HH, WW, N, H', W')
    np.testing.assert_array_equal(x_cols, expected)


def test_conv_strides_floors_like_naive_and_im2col_refuses(ref):
    """A stride that does not divide (H + 2 * pad - HH): strides and naive drop the last rows, im2col raises.

    As in CS231n, whose conv_forward_strides has its size checks commented out.
    """
    x, w, b, conv_param = conv_inputs(6, (2, 2, 6, 7), (2, 2, 3, 3), 2, 0)
    out, cache = ref.fast.conv_forward_strides(x, w, b, conv_param)
    expected_out, naive_cache = ref.naive.conv_forward_naive(x, w, b, conv_param)
    expect_close(out, expected_out, RTOL_EXACT, "conv_forward_strides, floored output size")
    dout = np.random.default_rng(7).standard_normal(out.shape)
    grads = ref.fast.conv_backward_strides(dout, cache)
    for got, expected in zip(grads, ref.naive.conv_backward_naive(dout, naive_cache)):
        expect_close(got, expected, RTOL_EXACT, "conv_backward_strides, floored output size")
    with pytest.raises(ValueError, match="height does not work"):
        ref.fast.conv_forward_im2col(x, w, b, conv_param)


@pytest.mark.parametrize("method", CONV_METHODS)
def test_conv_float32_stays_float32(ref, method):
    forward, backward = conv_pair(ref, method)
    x32, w32, b32, conv_param = conv_inputs(8, (2, 3, 5, 5), (2, 3, 3, 3), 2, 1, dtype=np.float32)
    out, cache = forward(x32, w32, b32, conv_param)
    x64, w64, b64 = (a.astype(np.float64) for a in (x32, w32, b32))
    expected_out, expected_cache = forward(x64, w64, b64, conv_param)
    expect_close(out, expected_out.astype(np.float32), RTOL_FLOAT32, f"conv_forward_{method} in float32")
    dout = np.random.default_rng(9).standard_normal(out.shape)
    for got, expected in zip(backward(dout.astype(np.float32), cache), backward(dout, expected_cache)):
        expect_close(got, expected.astype(np.float32), RTOL_FLOAT32, f"conv_backward_{method} in float32")


def test_conv_leaves_inputs_alone_and_is_deterministic(ref):
    x, w, b, conv_param = conv_inputs(10, (2, 3, 5, 5), (2, 3, 3, 3), 1, 1)
    copies = [a.copy() for a in (x, w, b)]
    for method in CONV_METHODS:
        forward, backward = conv_pair(ref, method)
        runs = []
        for _ in range(2):
            out, cache = forward(x, w, b, conv_param)
            runs.append((out, *backward(np.ones_like(out), cache)))
        for first, second in zip(*runs):
            np.testing.assert_array_equal(first, second)
    for original, copy in zip((x, w, b), copies):
        np.testing.assert_array_equal(original, copy)
    assert conv_param == {"stride": 1, "pad": 1}


# -- max pooling --------------------------------------------------------------------
# (name, x shape, pool_height, pool_width, stride, the method max_pool_forward_fast picks)
POOL_CASES = [
    ("2x2, stride 2", (2, 3, 4, 6), 2, 2, 2, "reshape"),
    ("3x3, stride 3, batch 1", (1, 2, 6, 9), 3, 3, 3, "reshape"),
    ("2x2, stride 1 (overlapping)", (2, 2, 5, 5), 2, 2, 1, "im2col"),
    ("3x3, stride 2 (overlapping)", (2, 2, 7, 5), 3, 3, 2, "im2col"),
    ("2x3, stride 1 (non-square)", (2, 3, 4, 5), 2, 3, 1, "im2col"),
    ("1x2, stride 2 (non-square, not overlapping)", (1, 2, 3, 6), 1, 2, 2, "im2col"),
]
POOL_IDS = [c[0] for c in POOL_CASES]


def pool_param_of(ph, pw, stride):
    return {"pool_height": ph, "pool_width": pw, "stride": stride}


def pool_methods(method):
    """The methods that apply to a case: im2col and fast always, reshape where fast picks it."""
    return ("im2col", "fast") + (("reshape",) if method == "reshape" else ())


@pytest.mark.parametrize("name,x_shape,ph,pw,stride,method", POOL_CASES, ids=POOL_IDS)
def test_max_pool_matches_naive(ref, name, x_shape, ph, pw, stride, method):
    x = distinct_values(np.random.default_rng(11), x_shape)
    pool_param = pool_param_of(ph, pw, stride)
    expected_out, naive_cache = ref.naive.max_pool_forward_naive(x, pool_param)
    dout = np.random.default_rng(12).standard_normal(expected_out.shape)
    expected_dx = ref.naive.max_pool_backward_naive(dout, naive_cache)
    for used in pool_methods(method):
        out, cache = getattr(ref.fast, f"max_pool_forward_{used}")(x, pool_param)
        expect_close(out, expected_out, RTOL_EXACT, f"max_pool_forward_{used}, {name}")
        dx = getattr(ref.fast, f"max_pool_backward_{used}")(dout, cache)
        expect_close(dx, expected_dx, RTOL_EXACT, f"max_pool_backward_{used}, {name}")


@pytest.mark.parametrize("name,x_shape,ph,pw,stride,method", POOL_CASES, ids=POOL_IDS)
def test_max_pool_fast_picks_and_caches(ref, name, x_shape, ph, pw, stride, method):
    x = distinct_values(np.random.default_rng(13), x_shape)
    pool_param = pool_param_of(ph, pw, stride)
    _, cache = ref.fast.max_pool_forward_fast(x, pool_param)
    assert isinstance(cache, tuple) and len(cache) == 2 and cache[0] == method
    inner = cache[1]
    if method == "reshape":
        x_cached, x_reshaped, out = inner
        N, C, H, W = x_shape
        assert x_reshaped.shape == (N, C, H // ph, ph, W // pw, pw)
        assert out.shape == (N, C, H // ph, W // pw)
    else:
        x_cached, x_cols, x_cols_argmax, cached_param = inner
        assert cached_param is pool_param
        assert x_cols.shape == (ph * pw, x_cols_argmax.shape[0])
    assert x_cached is x


@pytest.mark.parametrize("method", ("reshape", "im2col"))
def test_max_pool_backward_matches_numerical_gradient(ref, method):
    x = distinct_values(np.random.default_rng(14), (2, 2, 4, 4))
    pool_param = pool_param_of(2, 2, 2) if method == "reshape" else pool_param_of(3, 2, 1)
    forward = getattr(ref.fast, f"max_pool_forward_{method}")
    out, cache = forward(x, pool_param)
    dout = np.random.default_rng(15).standard_normal(out.shape)
    dx = getattr(ref.fast, f"max_pool_backward_{method}")(dout, cache)
    numerical = numerical_gradient(lambda: forward(x, pool_param)[0], x, dout)
    expect_close(dx, numerical, RTOL_NUMERICAL, f"max_pool_backward_{method}")


def test_max_pool_ties(ref):
    """A window of equal values: reshape splits its derivative among them (as CS231n), im2col gives all to the first."""
    x = np.ones((1, 1, 2, 2))
    dout = np.full((1, 1, 1, 1), 4.0)
    pool_param = pool_param_of(2, 2, 2)
    dx_reshape = ref.fast.max_pool_backward_reshape(dout, ref.fast.max_pool_forward_reshape(x, pool_param)[1])
    np.testing.assert_array_equal(dx_reshape, np.ones((1, 1, 2, 2)))
    dx_im2col = ref.fast.max_pool_backward_im2col(dout, ref.fast.max_pool_forward_im2col(x, pool_param)[1])
    np.testing.assert_array_equal(dx_im2col, [[[[4.0, 0.0], [0.0, 0.0]]]])


def test_max_pool_backward_fast_rejects_an_unknown_method(ref):
    x = distinct_values(np.random.default_rng(16), (1, 1, 4, 4))
    out, (_, inner) = ref.fast.max_pool_forward_fast(x, pool_param_of(2, 2, 2))
    with pytest.raises(ValueError, match="Unrecognized method 'cython'"):
        ref.fast.max_pool_backward_fast(np.ones_like(out), ("cython", inner))


def test_max_pool_validates_its_parameters(ref):
    x = np.zeros((1, 1, 5, 5))
    with pytest.raises(ValueError, match="pool_height == pool_width == stride"):
        ref.fast.max_pool_forward_reshape(x, pool_param_of(2, 2, 1))
    with pytest.raises(ValueError, match="do not tile"):
        ref.fast.max_pool_forward_reshape(x, pool_param_of(2, 2, 2))
    with pytest.raises(ValueError, match="exceeds the input's"):
        ref.fast.max_pool_forward_fast(x, pool_param_of(6, 2, 2))


def test_max_pool_leaves_out_what_no_window_covers_as_the_naive_layer_does(ref):
    """2x2 windows, stride 2, on 7 x 5: not a tiling, so im2col, which floors like max_pool_forward_naive
    (CS231n's asserts instead; ThreeLayerConvNet's tests pool odd-sized images)."""
    x = distinct_values(np.random.default_rng(19), (2, 3, 7, 5))
    dout = np.random.default_rng(20).standard_normal((2, 3, 3, 2))
    param = pool_param_of(2, 2, 2)
    out, cache = ref.fast.max_pool_forward_fast(x, param)
    naive_out, naive_cache = ref.naive.max_pool_forward_naive(x, param)
    assert cache[0] == "im2col" and out.shape == (2, 3, 3, 2)
    np.testing.assert_allclose(out, naive_out, rtol=1e-12)
    np.testing.assert_allclose(ref.fast.max_pool_backward_fast(dout, cache),
                               ref.naive.max_pool_backward_naive(dout, naive_cache), rtol=1e-12)


@pytest.mark.parametrize("method", ("reshape", "im2col", "fast"))
def test_max_pool_float32_stays_float32(ref, method):
    x = distinct_values(np.random.default_rng(17), (2, 2, 4, 4)).astype(np.float32)
    out, cache = getattr(ref.fast, f"max_pool_forward_{method}")(x, pool_param_of(2, 2, 2))
    dx = getattr(ref.fast, f"max_pool_backward_{method}")(np.ones_like(out), cache)
    assert out.dtype == np.float32 and dx.dtype == np.float32


# -- im2col helpers -----------------------------------------------------------------
def windows_covering(size, field, pad, stride):
    """For each pixel along one axis, how many fields (moving by stride over the padded axis) contain it."""
    starts = stride * np.arange((size + 2 * pad - field) // stride + 1) - pad
    pixels = np.arange(size)[:, np.newaxis]
    return ((starts <= pixels) & (pixels < starts + field)).sum(axis=1)


@pytest.mark.parametrize("field,pad,stride", [(3, 1, 1), (3, 0, 2), (2, 1, 1), (3, 2, 2)])
def test_col2im_of_im2col_counts_each_pixel(ref, field, pad, stride):
    x_shape = (2, 3, 5, 7)
    cols = ref.fast.im2col_indices(np.ones(x_shape), field, field, padding=pad, stride=stride)
    counts = ref.fast.col2im_indices(cols, x_shape, field, field, padding=pad, stride=stride)
    expected = np.outer(windows_covering(5, field, pad, stride), windows_covering(7, field, pad, stride))
    np.testing.assert_array_equal(counts, np.broadcast_to(expected, x_shape))


def test_col2im_is_the_adjoint_of_im2col(ref):
    rng = np.random.default_rng(18)
    x = rng.standard_normal((2, 3, 5, 6))
    cols = ref.fast.im2col_indices(x, 3, 2, padding=1, stride=2)
    y = rng.standard_normal(cols.shape)
    back = ref.fast.col2im_indices(y, x.shape, 3, 2, padding=1, stride=2)
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * back), rtol=RTOL_EXACT)


def test_get_im2col_indices_validates_width_with_the_field_width(ref):
    """CS231n's original checked the width against field_height: it refused the first shape and accepted the second."""
    k, i, j = ref.fast.get_im2col_indices((1, 1, 4, 5), 2, 3, padding=0, stride=2)
    assert np.broadcast(k, i, j).shape == (2 * 3, 2 * 2)
    with pytest.raises(ValueError, match="width does not work"):
        ref.fast.get_im2col_indices((1, 1, 4, 4), 2, 3, padding=0, stride=2)


# -- the module as a whole ----------------------------------------------------------
def test_star_import_gives_cs231n_names(ref):
    namespace = {}
    exec("from fast_layers import *", namespace)
    expected = {
        "conv_forward_im2col", "conv_backward_im2col", "conv_forward_strides", "conv_backward_strides",
        "conv_forward_fast", "conv_backward_fast",
        "max_pool_forward_reshape", "max_pool_backward_reshape", "max_pool_forward_im2col",
        "max_pool_backward_im2col", "max_pool_forward_fast", "max_pool_backward_fast",
        "get_im2col_indices", "im2col_indices", "col2im_indices", "np",
    }
    assert expected <= namespace.keys(), expected - namespace.keys()
    assert not [name for name in namespace if name.startswith("_") and name != "__builtins__"]


def test_needs_nothing_but_numpy(ref):
    assert not ref.imports_layers, "fast_layers imported layers"
    source = (REFERENCE / "fast_layers.py").read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import numpy as np"], imports
    assert "BEGIN SOLUTION" not in source, "a provided file: the template copies it verbatim"
