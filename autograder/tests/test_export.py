"""export: a submission's functions by question, read with ast (never run), as Markdown or LaTeX."""
import pytest

from autograder.cli import main
from autograder.config import load_config
from autograder.export import export, extract, latex_escape
from autograder.tests.conftest import write_config, write_files

LAYERS = '''
import sys

sys.exit("importing this module would stop the export")


def helper(x):
    return x


@staticmethod
def leaky_forward(x):
    """Decorated."""
    out = x * (x > 0)  # ```not a fence```
    return out, x


class Net:
    def loss(self, X, y=None):
        return 0.0


def activation_forward(x):  # the last definition is the one that counts
    return x, x
'''


@pytest.fixture
def assignment(tmp_path):
    questions = {
        "relu": {"number": "1.2", "title": "ReLU & friends_1", "points": 2,
                 "functions": ["layers.activation_forward", "layers.Net.loss"]},
        "affine": {"number": "1.10", "title": "Affine", "points": 1, "functions": ["layers.linear_forward"]},
        "other": {"number": "1.1", "title": "Not exported", "points": 1},
        "broken": {"number": "2", "title": "Broken", "points": 1, "functions": ["broken.f", "absent.g"]},
    }
    config = load_config(write_config(tmp_path / "project", {"layers.py": "graded"}, questions))
    submission = write_files(tmp_path / "sub", {"layers.py": LAYERS, "broken.py": "def f(:\n"})
    return config, submission


def test_extract_functions_and_methods_without_running_the_code(assignment):
    _, submission = assignment
    assert extract(submission, "layers.Net.loss").source == "def loss(self, X, y=None):\n    return 0.0\n"
    assert extract(submission, "layers.activation_forward").source.startswith("def activation_forward(x):  # the last")
    assert extract(submission, "layers.leaky_forward").source.startswith('@staticmethod\ndef leaky_forward(x):\n')
    assert extract(submission, "layers.Net.fit").problem == "class Net does not define fit"
    assert extract(submission, "layers.nothing").problem == "layers.py does not define nothing"
    assert extract(submission, "broken.f").problem == "broken.py has a syntax error (line 1): invalid syntax"
    assert extract(submission, "absent.g").problem == "absent.py is not in the submission"


def test_markdown_orders_questions_by_number(assignment):
    config, submission = assignment
    text = export(config, submission, "markdown")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Tiny: implementations", "## 1.2 ReLU & friends_1", "### `layers.activation_forward`", "### `layers.Net.loss`",
        "## 1.10 Affine", "### `layers.linear_forward`", "## 2 Broken", "### `broken.f`", "### `absent.g`",
    ]
    assert "```python\ndef loss(self, X, y=None):\n    return 0.0\n```" in text
    assert "*Not found: layers.py does not define linear_forward.*" in text


def test_a_fence_inside_the_code_gets_a_longer_fence(tmp_path, assignment):
    config, _ = assignment
    submission = write_files(tmp_path / "fenced", {"layers.py": "def activation_forward(x):\n    return '```'\n"})
    assert "````python\ndef activation_forward(x):\n    return '```'\n````" in export(config, submission)


def test_latex_escapes_titles_and_keeps_code_verbatim(assignment):
    config, submission = assignment
    text = export(config, submission, "latex")
    assert text.startswith("\\documentclass") and text.rstrip().endswith("\\end{document}")
    assert "\\section*{1.2 ReLU \\& friends\\_1}" in text
    assert "\\subsection*{\\texttt{layers.activation\\_forward}}" in text
    assert "\\begin{lstlisting}\ndef activation_forward(x):  # the last definition is the one that counts\n" in text
    assert "\\emph{Not found: layers.py does not define linear\\_forward.}" in text
    assert latex_escape("50% of $x_1$ {a} #2 ~ ^ \\") == (
        "50\\% of \\$x\\_1\\$ \\{a\\} \\#2 \\textasciitilde{} \\textasciicircum{} \\textbackslash{}")


def test_the_export_command_writes_a_file_or_explains(assignment, tmp_path, capsys):
    config, submission = assignment
    output = tmp_path / "code.md"
    assert main([f"--config={config.path}", "export", f"--submission={submission}", f"--output={output}"]) == 0
    assert output.read_text().startswith("# Tiny: implementations\n")
    bare = load_config(write_config(tmp_path / "bare", {"layers.py": "graded"}))
    assert main([f"--config={bare.path}", "export", f"--submission={submission}"]) == 1
    assert "no question in autograder.yml lists its functions" in capsys.readouterr().err


def test_sections_by_module_at_a_chosen_heading_level(assignment):
    config, submission = assignment
    markdown = export(config, submission, "markdown", heading_level=2, by="module")
    assert markdown.startswith("## layers.py\n") and "### `layers.activation_forward`" in markdown
    assert markdown.count("### `layers.activation_forward`") == 1  # listed once, whatever the questions
    latex = export(config, submission, "latex", heading_level=3, by="question")
    assert latex.startswith("\\subsubsection*{1.2 ReLU \\& friends\\_1}") and "\\documentclass" not in latex
    assert "\\paragraph*{\\texttt{layers.activation\\_forward}}" in latex
    with pytest.raises(ValueError, match="heading level 4"):
        export(config, submission, "markdown", heading_level=4)
