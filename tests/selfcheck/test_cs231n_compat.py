"""Code written as CS231n's 2017 and 2021 templates have it gets full marks where it is right.

Two submissions made from the reference the way those templates lay code out, graded as a course
would grade them:
- 2017: every module imports through the course's package (``from cs231n.layers import *``), its own
  layer_utils.py builds the sandwich layers on ``fast_layers`` (the provided file CS231n imports), and
  sgd updates w in place as CS231n's optim.py allows;
- 2021: relative imports (``from .layers import *``, ``from ..layer_utils import *``), and dropout's
  keyword ``dropout_keep_ratio`` with p the probability of *keeping* a unit, declared in the
  assignment's options (a copy of autograder.yml with the 2021 policy).
"""
import re
import shutil

import pytest

from autograder.config import write_variant
from autograder.grading import grade

QUESTIONS = ["affine", "relu", "dropout", "sgd", "two_layer_net", "fc_net", "fc_net_dropout", "three_layer_convnet",
             "overfit", "iris"]

LAYER_UTILS_2017 = '''
from cs231n.layers import *
from cs231n.fast_layers import *


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


def conv_relu_forward(x, w, b, conv_param):
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    cache = (conv_cache, relu_cache)
    return out, cache


def conv_relu_backward(dout, cache):
    conv_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    cache = (conv_cache, relu_cache, pool_cache)
    return out, cache


def conv_relu_pool_backward(dout, cache):
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db
'''


def _replace(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{path.name}: {old!r} not found"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _imports(path, style):
    """Every bare import of an assignment module rewritten as ``style`` (e.g. "cs231n.{}" or ".{}")."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^from (layers|layer_utils|fast_layers|optim) import", lambda m: f"from {style.format(m[1])} import",
                  text, flags=re.M)
    path.write_text(text, encoding="utf-8")


def submission_2017(reference, folder):
    shutil.copytree(reference, folder)
    (folder / "layer_utils.py").write_text(LAYER_UTILS_2017, encoding="utf-8")
    for name in ("fc_net.py", "cnn.py"):
        _imports(folder / name, "cs231n.{}")
    _replace(folder / "cnn.py", "from cs231n.layer_utils import *", "from cs231n.fast_layers import *\n"
                                                                    "from cs231n.layer_utils import *")
    _replace(folder / "optim.py", 'next_w = w - config["learning_rate"] * dw\n',
             'w -= config["learning_rate"] * dw\n    next_w = w\n')
    return folder


def submission_2021(reference, folder):
    shutil.copytree(reference, folder)
    _imports(folder / "fc_net.py", ".{}")
    _replace(folder / "fc_net.py", "from .layer_utils import *", "from ..layer_utils import *")
    _imports(folder / "cnn.py", ".{}")
    _replace(folder / "fc_net.py", "dropout=0.0,", "dropout_keep_ratio=1,")
    _replace(folder / "fc_net.py", "self.use_dropout = dropout > 0", "self.use_dropout = dropout_keep_ratio != 1")
    _replace(folder / "fc_net.py", '"p": dropout,', '"p": dropout_keep_ratio,')
    _replace(folder / "layers.py", "mask = (rng.random(x.shape) >= p) / (1 - p)", "mask = (rng.random(x.shape) < p) / p")
    return folder


@pytest.mark.parametrize("year, make, options", [
    ("2017", submission_2017, {}),
    ("2021", submission_2021, {"dropout_keyword": "dropout_keep_ratio", "dropout_p_means": "keep"}),
])
def test_cs231n_style_code_gets_full_marks(top_level, tmp_path, year, make, options):
    submission = make(top_level.reference_dir, tmp_path / f"cs231n-{year}")
    config = top_level
    if options:
        config_path = write_variant(top_level, {"options": {**top_level.options, **options}}, tmp_path / "config")
        from autograder.config import load_config

        config = load_config(config_path)
    report = grade(submission, config, questions=QUESTIONS, backend="inprocess")
    lost = {r.question.label: r.output for r in report.results if r.score < r.max_score}
    assert not lost, f"CS231n {year}-style code loses points: {lost}"
    assert {r.question.name for r in report.results} == set(QUESTIONS)
