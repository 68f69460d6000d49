"""autograder.yml: defaults, absolute paths, and one clear ConfigError per mistake."""
import pytest

from autograder.config import ConfigError, find_config, load_config


def config_from(tmp_path, text):
    path = tmp_path / "autograder.yml"
    path.write_text(text)
    return load_config(path)


def test_defaults_and_paths(tmp_path):
    config = config_from(tmp_path, "questions:\n  relu: {points: 4}\n  affine: {points: 6, number: '1.1'}\n")
    assert config.assignment == tmp_path.name
    assert config.tests_dir == tmp_path.resolve() / "tests"
    assert config.provided_dir == config.template_dir == tmp_path.resolve() / "student_template"
    relu, affine = config.questions.values()
    assert (relu.number, relu.title, relu.points, relu.visibility) == ("1", "relu", 4.0, "visible")
    assert affine.label == "1.1 affine"
    assert (config.time_limits.per_test_seconds, config.visibility, config.stdout_visibility) == (60.0, "visible", "hidden")


def test_files_with_role(tmp_path):
    config = config_from(tmp_path, "files: {b.py: graded, a.py: graded, h.py: helper}\nquestions: {q: {points: 1}}\n")
    assert config.files_with_role("graded") == ["a.py", "b.py"]
    assert config.files_with_role("locked") == []


@pytest.mark.parametrize(
    "text, words",
    [
        ("questions: {}\n", "no questions defined"),
        ("questions: {q: {number: '1'}}\n", "question 'q' has no points"),
        ("questions: {q: {points: 1, visibility: secret}}\n", "question 'q' has visibility 'secret'"),
        ("files: {a.py: student}\nquestions: {q: {points: 1}}\n", "file 'a.py' has role 'student'"),
        ("questions: {q: {points: 1}}\ntime_limits: {per_test_second: 2}\n", "unexpected keyword argument 'per_test_second'"),
        ("questions: {q: {points: 1}}\ntime_limits: {per_test_seconds: fast}\n", "time_limits: could not convert"),
        ("questions: {q: {points: 1}}\nresults: {visibility: public}\n", "results.visibility is 'public'"),
        ("- a list\n", "the top level must be a mapping"),
        ("questions: [\n", "not valid YAML"),
    ],
)
def test_mistakes_are_config_errors(tmp_path, text, words):
    with pytest.raises(ConfigError, match="autograder.yml") as error:
        config_from(tmp_path, text)
    assert words in str(error.value)


def test_find_config_looks_upwards(tmp_path):
    (tmp_path / "autograder.yml").write_text("questions: {q: {points: 1}}\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == (tmp_path / "autograder.yml").resolve()
    with pytest.raises(ConfigError, match="no autograder.yml found"):
        load_config(tmp_path / "missing.yml")


def test_functions_and_show_student_output(tmp_path):
    config = config_from(tmp_path, "questions:\n  relu: {points: 4, functions: [mod.double, fc_net.Net.loss]}\n"
                                   "results: {show_student_output: true}\n")
    assert config.questions["relu"].functions == ("mod.double", "fc_net.Net.loss")
    assert config.show_student_output is True
    other = tmp_path / "other"  # a new file: load_config caches by path and modification time
    other.mkdir()
    assert config_from(other, "questions: {q: {points: 1}}\n").show_student_output is False


@pytest.mark.parametrize("text, message", [
    ("questions: {q: {points: 1, functions: layers.relu}}\n", "functions must be a list"),
    ("questions: {q: {points: 1, functions: [relu]}}\n", "'relu' in functions is not module.function"),
    ("questions: {q: {points: 1}}\nresults: {show_student_output: 'yes'}\n", "show_student_output is 'yes'"),
])
def test_functions_and_show_student_output_are_checked(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        config_from(tmp_path, text)
