"""The sandboxed back end: same sentences as in-process, limits, crashes, isolation.

One zygote serves the whole module (it imports numpy once); each test forks
its own workers from it. Tests of the uid switch, the hidden folders and the
network run only as root (CI runs as root) and skip with a reason otherwise.
"""
from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from autograder.config import load_config
from autograder.errors import StudentCodeError, StudentRaised, SubmissionImportError
from autograder.inprocess import InProcessStudent
from autograder.sandbox import landlock, privileges
from autograder.breaker import FunctionTripped
from autograder.student import CallRules
from autograder.sandbox.backend import SandboxFailure, SandboxStudent, Zygote
from autograder.sandbox.limits import Limits
from autograder.sandbox.transport import TransportError, decode, encode
from autograder.tests.conftest import write_config, write_files
from autograder.workspace import build_workspace

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="the uid switch, hidden folders and network "
                               "namespace need root (CI runs as root)")


@pytest.fixture(scope="module")
def zygote():
    z = Zygote()
    yield z
    z.close()


@pytest.fixture
def make_pair(tmp_path: Path, zygote: Zygote):
    """Build (in-process, sandboxed) students of the same files; closed afterwards."""
    made = []

    def make(files: dict[str, str], name: str = "s", writes: tuple = (), **limits) -> tuple[InProcessStudent, SandboxStudent]:
        root = tmp_path / name
        submission = write_files(root / "submission", files)
        config = load_config(write_config(root, {n: "graded" for n in files if n.endswith(".py")}))
        limits = Limits(**{"call_seconds": 5, **limits})
        inprocess = InProcessStudent(build_workspace(submission, config, root / "workspace-in"),
                                     CallRules(limits.call_seconds, output_chars=limits.output_chars, writes=writes))
        sandboxed = SandboxStudent(build_workspace(submission, config, root / "workspace-sb"),
                                   limits, hide=[root], zygote=zygote, writes=writes)
        made.extend([inprocess, sandboxed])
        return inprocess, sandboxed

    yield make
    for student in made:
        student.close()


def _outcome(student, action):
    try:
        return "ok", action(student)
    except StudentCodeError as exc:
        return type(exc).__name__, str(exc)


MOD = '''
import numpy as np

def f(x):
    return x * 2

def raises(x):
    return {}["missing"]

def stub(x):
    raise NotImplementedError("f: write the forward pass")

def subclass(x):
    class Lying(np.ndarray):
        def __eq__(self, other):
            return True
    return x.view(Lying)

def objects(x):
    return np.array([np.zeros(2), np.zeros(3)], dtype=object)

def mutates(x):
    x[0] = 99.0
    return x.sum()

class Model:
    def __init__(self, n):
        self.params = {"W": np.ones((n, n))}
        self.n = n

    def loss(self, x):
        return float((self.params["W"] @ x).sum()), {"W": np.outer(x, x)}
'''


def test_same_sentences_as_in_process(make_pair):
    inprocess, sandboxed = make_pair({"mod.py": MOD, "broken.py": "def f(:\n    pass\n"})
    x = np.array([1.0, -2.0])
    actions = [
        lambda s: s.call("mod.f", x),
        lambda s: s.call("mod.raises", x),
        lambda s: s.call("mod.stub", x),
        lambda s: s.call("mod.subclass", x),
        lambda s: s.call("mod.objects", x),
        lambda s: s.call("mod.absent", x),
        lambda s: s.call("broken.f", x),
        lambda s: s.call("nothere.f", x),
    ]
    for action in actions:
        expected, got = _outcome(inprocess, action), _outcome(sandboxed, action)
        assert got[0] == expected[0]
        if expected[0] == "ok":
            np.testing.assert_array_equal(got[1], expected[1])
        else:
            assert got[1] == expected[1]
    for student in (inprocess, sandboxed):
        student.reset_log()
        student.call("mod.mutates", x.copy())
    assert sandboxed.mutation_notes() == inprocess.mutation_notes() != []


def test_handles_methods_and_items(make_pair):
    _, student = make_pair({"mod.py": MOD})
    model = student.call("mod.Model", 2)
    assert model.n == 2 and model.type_name == "Model"
    student.set_item(student.ref(model, "params"), "W", np.eye(2))
    loss, grads = model.loss(np.array([1.0, 2.0]))
    assert loss == 3.0 and grads["W"].shape == (2, 2)
    model.n = 5
    assert model.n == 5


def test_plain_data_round_trip(make_pair):
    _, student = make_pair({"mod.py": "def echo(x):\n    return x\n"})
    value = {"a": (1, 2.5, None, True), 3: [np.float32(1.5), np.int64(-7)], (1, "k"): complex(1, -2),
             "big": 2**80, "nan": float("nan"), "arrays": [np.arange(6, dtype=np.int16).reshape(2, 3),
                                                            np.zeros((0, 4)), np.array([True, False])]}
    got = student.call("mod.echo", value)
    assert got.keys() == value.keys() and got["a"] == value["a"] and got["big"] == 2**80
    assert type(got[3][0]) is np.float32 and got[3][1] == -7 and got[(1, "k")] == complex(1, -2)
    assert np.isnan(got["nan"])
    for a, b in zip(got["arrays"], value["arrays"]):
        assert type(a) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape and (a == b).all()


def test_transport_builds_only_plain_types():
    tree, buffers = encode({"x": np.arange(3.0)}, lambda v: None)
    assert decode(tree, [bytes(b) for b in buffers], lambda r: None)["x"].tolist() == [0.0, 1.0, 2.0]
    for bad_tree, bad_buffers in [
        ({"a": "|O", "s": [1], "b": 0}, [b"\0" * 8]),  # an object array
        ({"a": "<f8", "s": [2], "b": 0}, [b"\0" * 8]),  # a buffer too short for its shape
        ({"a": "<f8", "s": [1], "b": 3}, []),  # a missing buffer
        ({"x": 1}, []),  # an unknown record
        ({"a": [("f", "<f8")], "s": [1], "b": 0}, [b"\0" * 8]),  # a structured dtype
    ]:
        with pytest.raises(TransportError):
            decode(bad_tree, bad_buffers, lambda r: None)
    with pytest.raises(TransportError):
        encode(object(), lambda v: None)


def test_call_many_is_one_round_trip(make_pair, monkeypatch):
    _, student = make_pair({"mod.py": MOD})
    student.call("mod.f", np.zeros(1))  # start the worker
    sent = []
    channel = student._worker.channel
    original = channel.send
    monkeypatch.setattr(channel, "send", lambda *a, **k: (sent.append(1), original(*a, **k))[1])
    got = student.call_many("mod.f", [{"x": np.full(2, float(i))} for i in range(50)])
    assert len(sent) == 1 and [g[0] for g in got] == [2.0 * i for i in range(50)]


def test_call_many_sends_a_shared_argument_once_and_copies_it_for_each_call(make_pair):
    inprocess, sandboxed = make_pair({"acc.py": "def bump(x, y):\n    x += y\n    return float(x.sum())\n"})
    x = np.zeros(3)
    calls = [{"x": x, "y": np.full(3, float(i))} for i in range(4)]  # x: the same object in every call
    for student in (inprocess, sandboxed):
        assert student.call_many("acc.bump", calls) == [0.0, 3.0, 6.0, 9.0]  # no call sees another's change
    assert x.tolist() == [0.0, 0.0, 0.0]


def test_batched_probes_evaluate_a_held_value_in_one_round_trip_with_the_same_values(make_pair):
    """A numerical gradient through an object: params['W'] set to each value, loss called, the loss kept;
    one request, params restored, and each call gets its own copy of the arguments."""
    inprocess, sandboxed = make_pair({"mod.py": MOD})
    values = [np.full((2, 2), float(i)) for i in range(40)]
    found = {}
    for name, student in (("inprocess", inprocess), ("sandbox", sandboxed)):
        model = student.call("mod.Model", 2)
        params = student.ref(model, "params")
        student.run_probe("batched.set_items", params, {"W": 2 * np.eye(2)})
        loss = student.ref(model, "loss")
        if name == "sandbox":
            sent = []
            channel = student._worker.channel
            original = channel.send
            channel.send = lambda *a, **k: (sent.append(1), original(*a, **k))[1]
        found[name] = student.run_probe("batched.outputs_with_item", loss, (np.array([1.0, 2.0]),), params, "W",
                                        values, select=0)
        if name == "sandbox":
            channel.send = original
            assert len(sent) == 1
        assert model.params["W"].tolist() == [[2.0, 0.0], [0.0, 2.0]]  # restored
        changed = student.run_probe("batched.outputs", student.function("mod.mutates"),
                                    [(np.zeros(2),), (np.zeros(2),)])
        assert changed == [99.0, 99.0]  # the second call did not see the first one's change
    assert found["inprocess"] == found["sandbox"] == [6.0 * i for i in range(40)]  # sum(W @ [1, 2])


TORCH_FREE = """
import sys


def torch_loaded():
    return "torch" in sys.modules
"""
TORCH_USER = """
import torch


def make():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)
"""


def test_a_worker_imports_torch_only_with_code_that_does_and_its_probes_still_run(make_pair):
    """The zygote compiles the framework's probe modules without running them: a worker grading numpy
    code never imports torch (2 to 3 s a run), and a torch probe runs where the submission imported torch."""
    # The worker's own import of torch takes seconds: more on a loaded machine than the default deadline here.
    _, sandboxed = make_pair({"plain.py": TORCH_FREE, "net.py": TORCH_USER}, call_seconds=120)
    assert sandboxed.call("plain.torch_loaded") is False
    layer = sandboxed.call("net.make")
    assert sandboxed.run_probe("torch_modules.state_shapes", layer) == {"weight": [2, 3], "bias": [2]}
    assert sandboxed.call("plain.torch_loaded") is True


def test_numpy_warnings_are_re_issued(make_pair):
    _, student = make_pair({"mod.py": "import numpy as np\ndef sig(x):\n    return 1 / (1 + np.exp(-x))\n"})
    with np.errstate(over="warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        student.call("mod.sig", np.array([-1e4]))
    assert any(issubclass(w.category, RuntimeWarning) and "overflow" in str(w.message) for w in caught)
    with np.errstate(over="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        student.call("mod.sig", np.array([-1e4]))
    assert not caught
    with np.errstate(over="raise"), pytest.raises(StudentRaised, match="FloatingPointError"):
        student.call("mod.sig", np.array([-1e4]))


NN = '''
import numpy as np

def sigmoid(x):
    return 1 / (1 + np.exp(-x))

def forward(X, params, name="layer1", activation=sigmoid):
    W, b = params["W" + name], params["b" + name]
    pre = X @ W + b
    post = activation(pre)
    params["cache_" + name] = (X, pre, post)
    return post

def scale_in_place(x):
    x *= 2
    return x
'''


def test_results_written_into_arguments_come_back_and_declared_writes_are_not_noted(make_pair):
    """CMU 16-720's API: forward stores its cache in params; the activation is a function of the submission."""
    X, W, b = np.arange(6.0).reshape(2, 3), np.ones((3, 2)), np.zeros(2)
    for declared in ((("mod.forward", ("params",)),), ()):
        for student in make_pair({"mod.py": NN}, name=f"w{len(declared)}", writes=declared):
            params = {"Wlayer1": W, "blayer1": b}
            out, written = student.call_and_read("mod.forward", ["params"], X, params, "layer1",
                                                 activation=student.function("mod.sigmoid"))
            np.testing.assert_allclose(out, 1 / (1 + np.exp(-(X @ W + b))))
            cache = written["params"]["cache_layer1"]
            assert type(cache) is tuple and len(cache) == 3 and np.allclose(cache[1], X @ W + b)
            assert "cache_layer1" not in params  # the caller's dict is untouched: the student got a copy
            notes = student.mutation_notes()
            if declared:
                assert notes == [], notes
            else:
                assert notes and "forward changed its input params in place" in notes[0]
            student.reset_log()
            student.call("mod.scale_in_place", np.ones(2))  # never declared: always noted
            assert "scale_in_place changed its input x in place" in student.mutation_notes()[0]


def test_a_function_handle_runs_on_the_submissions_side_only(make_pair):
    for student in make_pair({"mod.py": NN}, name="handles"):
        handle = student.function("mod.sigmoid")
        assert student.call(handle, np.zeros(1))[0] == 0.5
        with pytest.raises(SubmissionImportError, match="does not define missing"):
            student.function("mod.missing")
        with pytest.raises(ValueError, match=r"was not given the argument\(s\) nothing to read back"):
            student.call_and_read("mod.forward", ["nothing"], np.ones((1, 3)), {"Wlayer1": np.ones((3, 1)),
                                                                                "blayer1": np.zeros(1)})


LOOPS = '''
import hashlib

class Box:
    pass

def box():
    return Box()

def spin():
    while True:
        try:
            pass
        except BaseException:
            pass

def c_call():
    return hashlib.pbkdf2_hmac("sha256", b"x", b"y", 10**9)

def fine():
    return 1
'''


def test_a_call_past_its_deadline_trips_the_function_and_the_rest_goes_on(make_pair):
    """A Python loop is stopped inside the worker (which survives, with its handles); a long C call
    only by killing the worker (faulthandler's dump names it). Either way the function is tripped:
    calling it again fails at once with the same sentence, and other functions work as usual."""
    _, student = make_pair({"mod.py": LOOPS}, call_seconds=1)
    old = student.call("mod.box")
    for target, culprit in (("mod.spin", "spin"), ("mod.c_call", "c_call")):
        started = time.monotonic()
        with pytest.raises(FunctionTripped, match=rf"^{culprit} did not finish within 1 s; its other checks were "
                                                  "not run: an infinite loop") as first:
            student.call(target)
        assert time.monotonic() - started < 4
        started = time.monotonic()
        with pytest.raises(FunctionTripped) as again:
            student.call(target)
        assert str(again.value) == str(first.value) and time.monotonic() - started < 0.5
        assert student.call("mod.fine") == 1
    with pytest.raises(SandboxFailure, match="earlier run of the submission's code"):
        student.call(student.ref(old, "__class__"))


def test_the_innermost_function_is_blamed(make_pair):
    """A hang inside a helper called by another function names the helper, in either back end."""
    source = "def helper(x):\n    while True:\n        x += 1\n\n\ndef outer(x):\n    return helper(x) + 1\n"
    for student in make_pair({"mod.py": source}, call_seconds=1):
        with pytest.raises(FunctionTripped, match="^helper did not finish within 1 s"):
            student.call("mod.outer", 1)
        with pytest.raises(FunctionTripped, match="^helper did not finish"):
            student.call("mod.helper", 1)


def test_a_hang_in_a_module_no_test_imported_is_paid_once(make_pair):
    """A network's module reaches a layer through ``from units import *`` (as CS231n's networks do): the
    tests never import units.py themselves. Tripped once, the layer stays tripped in the modules that
    copied it, in the next sandbox worker too, so later checks fail at once instead of each waiting out
    a deadline."""
    swallowing = "    while True:\n        try:\n            while True:\n                pass\n" \
                 "        except BaseException:\n            pass\n"
    # In the sandbox the loop also swallows every exception and disarms SIGALRM (the deadline is the trusted
    # side's, which kills the worker); in-process, where SIGALRM raising into the loop is the only deadline,
    # that would hang the grader itself: that back end is not a sandbox.
    disarm = "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
    net = "from units import *\n\n\ndef scores(x):\n    return activate(x)\n\n\ndef size(x):\n    return len(x)\n"
    plain = {"units.py": "def activate(x):\n    while True:\n        pass\n", "net.py": net}
    disarmed = {"units.py": "import signal\n\n\ndef activate(x):\n" + disarm + swallowing, "net.py": net}
    # One pair at a time: an in-process student imports from its own folder only while it is the newest.
    for back_end, files in ((0, plain), (1, disarmed)):
        student = make_pair(files, name=f"pair{back_end}", call_seconds=1)[back_end]
        with pytest.raises(FunctionTripped, match="^activate did not finish within 1 s"):
            student.call("net.scores", [1.0])
        started = time.monotonic()
        for _ in range(3):
            with pytest.raises(FunctionTripped, match="^activate did not finish within 1 s"):
                student.call("net.scores", [1.0])
        assert time.monotonic() - started < 0.5, type(student).__name__
        assert student.call("net.size", [1.0, 2.0]) == 2  # what does not need the layer still runs


CRASHES = '''
import ctypes, os, sys
import numpy as np

def segfault():
    ctypes.string_at(0)

def leave():
    os._exit(3)

def leave_politely():
    sys.exit(0)

def hog():
    return np.ones(10**10).sum()

def chatty():
    for i in range(200_000):
        print("spam" * 100)
    return 7

def fine():
    return 1
'''


def test_crashes_name_their_cause_and_the_worker_is_replaced(make_pair):
    _, student = make_pair({"mod.py": CRASHES})
    with pytest.raises(FunctionTripped, match="^segfault crashed the submission's process with a segmentation "
                                              "fault; its other checks were not run"):
        student.call("mod.segfault")
    assert student.call("mod.fine") == 1
    with pytest.raises(FunctionTripped, match="^segfault crashed"):  # at once: no second crash
        student.call("mod.segfault")
    with pytest.raises(SandboxFailure, match=r"exited \(exit code 3\) during mod.leave"):
        student.call("mod.leave")
    with pytest.raises(StudentRaised, match="SystemExit"):  # as in-process: sys.exit is an exception
        student.call("mod.leave_politely")
    assert student.call("mod.fine") == 1


def test_memory_cap_gives_a_memory_error(make_pair):
    _, student = make_pair({"mod.py": CRASHES}, memory_mb=256)
    with pytest.raises(StudentRaised, match="MemoryError"):
        student.call("mod.hog")
    assert student.call("mod.fine") == 1


def test_printing_past_the_cap_stops_the_call_and_trips_the_function(make_pair, capsys):
    for student in make_pair({"mod.py": CRASHES}, output_chars=1000):
        started = time.monotonic()
        with pytest.raises(FunctionTripped, match="^chatty printed more than 1,000 characters in one call; its other "
                                                  "checks were not run; remove the prints"):
            student.call("mod.chatty")
        out = capsys.readouterr().out
        assert 1000 <= len(out) < 2000
        assert time.monotonic() - started < 5


SNOOP = '''
import os, socket

def whoami():
    return os.getuid(), os.getgid()

def username():
    import getpass
    return getpass.getuser()

def read(path):
    try:
        with open(path, "rb") as f:
            return len(f.read())
    except OSError as exc:
        return type(exc).__name__

def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        return type(exc).__name__

def connect():
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2)
        return "connected"
    except OSError as exc:
        return type(exc).__name__

def environment():
    return dict(os.environ)

def lazy_import():
    import iniconfig  # a library of the environment that the zygote never imports
    return iniconfig.__name__

def forks():
    pids = []
    try:
        for _ in range(500):
            pid = os.fork()
            if pid == 0:
                import time
                time.sleep(60)
                os._exit(0)
            pids.append(pid)
    except OSError as exc:
        return len(pids), type(exc).__name__
    return len(pids), None
'''


@ROOT_ONLY
def test_worker_is_unprivileged_and_sees_nothing_of_the_grader(make_pair, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_TEST_SECRET", "hunter2")
    secret = tmp_path / "s" / "tests" / "expected.txt"
    write_files(secret.parent, {"expected.txt": "the answer"})
    _, student = make_pair({"mod.py": SNOOP})
    assert student.limitation is None
    uid, gid = student.call("mod.whoami")
    assert gid == 65534 and (uid > privileges.WORKER_UID_BASE or uid == 65534), uid
    assert student.call("mod.username") == "student"  # no /etc/passwd entry is needed
    assert student.call("mod.read", str(secret)) == "FileNotFoundError"
    assert student.call("mod.listing", str(tmp_path / "s")) in ([], "FileNotFoundError")
    repository = student.call("mod.listing", str(Path(__file__).resolve().parents[2]))  # the grader's folder
    # Landlock refuses it; without Landlock it is an empty tmpfs; under a hidden /tmp it is not there at all.
    assert repository in ("PermissionError", "FileNotFoundError") or (
        isinstance(repository, list) and not {"tests", "fixtures", "autograder.yml", ".git"} & set(repository))
    assert student.call("mod.read", "/root/.bashrc") in ("FileNotFoundError", "PermissionError")
    assert student.call("mod.connect") in ("OSError", "ConnectionRefusedError", "TimeoutError", "PermissionError")
    assert "AUTOGRADER_TEST_SECRET" not in student.call("mod.environment")
    # The library folders stay importable, wherever they are (a .venv in a checkout under /tmp).
    assert student.call("mod.lazy_import") == "iniconfig"
    count, error = student.call("mod.forks")
    assert count < 70 and error == "BlockingIOError"


HOARD = '''
import os, threading, time

def hold(count):
    """Fork ``count`` children that sleep: the worker's user then has that many more processes."""
    made = 0
    for _ in range(count):
        try:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            made += 1
        except OSError:
            break
    return made

def threads(count):
    started = [threading.Thread(target=time.sleep, args=(0.01,)) for _ in range(count)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return count
'''


@ROOT_ONLY
def test_a_worker_at_its_process_cap_leaves_another_worker_its_own(make_pair):
    """The process cap is counted per user across the machine: each worker has a user of its own, so a
    fork bomb in one submission's worker cannot stop a classmate's worker, graded at the same time, from
    starting its threads (batch grading runs several workers at once)."""
    _, bomb = make_pair({"mod.py": HOARD}, name="bomb", processes=8)  # at most 8 of its own
    _, honest = make_pair({"mod.py": HOARD}, name="honest", processes=8)
    assert honest.call("mod.threads", 1) == 1  # started before the other worker fills its cap
    assert bomb.call("mod.hold", 20) < 8
    assert honest.call("mod.threads", 4) == 4


OUTSIDE = SNOOP + '''
def write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
    except OSError as exc:
        return type(exc).__name__

def signal_parent():
    try:
        os.kill(os.getppid(), 0)
    except OSError as exc:
        return type(exc).__name__
'''


@pytest.mark.parametrize("isolate", [False, pytest.param("uid-only", marks=ROOT_ONLY)])
def test_without_isolation_limits_and_crashes_still_work(tmp_path, isolate):
    """A laptop (no root) or a container without namespaces: deadline, crash reports, one warning."""
    root = tmp_path / "plain"
    submission = write_files(root / "submission", {"mod.py": LOOPS + CRASHES + OUTSIDE})
    secret = write_files(tmp_path / "elsewhere", {"expected.txt": "the answer"}) / "expected.txt"
    config = load_config(write_config(root, {"mod.py": "graded"}))
    zygote = Zygote(isolate=isolate)
    student = SandboxStudent(build_workspace(submission, config, root / "workspace"), Limits(call_seconds=1),
                             zygote=zygote)
    try:
        with pytest.warns(RuntimeWarning, match="autograder sandbox: .* turned off"):
            assert student.call("mod.fine") == 1
        if isolate == "uid-only":
            assert student.call("mod.whoami")[0] not in (0, os.getuid())
        if landlock.abi_version():  # nothing hides the grader's folders here: Landlock alone keeps them out
            assert student.call("mod.read", str(secret)) == "PermissionError"
            assert student.call("mod.write", str(root / "planted.txt")) == "PermissionError"
            assert student.call("mod.write", "scratch.txt") is None  # its own work folder stays writable
            if landlock.abi_version() >= 4:  # no network namespace here: Landlock refuses TCP itself
                assert student.call("mod.connect") == "PermissionError"
            if landlock.abi_version() >= 6:  # signals scoped: not even the supervisor, same user, is reachable
                assert student.call("mod.signal_parent") == "PermissionError"
        with pytest.raises(FunctionTripped, match="^spin did not finish within 1 s"):
            student.call("mod.spin")
        with pytest.raises(FunctionTripped, match="^c_call did not finish within 1 s"):  # killed: its dump names it
            student.call("mod.c_call")
        with pytest.raises(FunctionTripped, match="^segfault crashed the submission's process with a segmentation"):
            student.call("mod.segfault")
        assert student.call("mod.fine") == 1
    finally:
        student.close()
        zygote.close()


@pytest.mark.parametrize("section, problem", [
    ({"call_seconds": 0}, "sandbox.call_seconds is 0"),
    ({"memory_mb": "lots"}, "sandbox.memory_mb is 'lots'"),
    ({"processes": 2.5}, "whole number"),
    ({"backend": "docker"}, "sandbox.backend is 'docker'"),
    ({"memroy_mb": 100}, "sandbox.memroy_mb is not a setting"),
    ([1, 2], "sandbox must be a mapping"),
])
def test_sandbox_settings_are_validated(tmp_path, section, problem):
    from autograder.config import ConfigError

    with pytest.raises(ConfigError, match=problem):
        load_config(write_config(tmp_path, {"mod.py": "graded"}, sandbox=section))


def test_sandbox_settings_are_read(tmp_path):
    config = load_config(write_config(tmp_path, {"mod.py": "graded"},
                                      sandbox={"backend": "sandbox", "call_seconds": 2.5, "memory_mb": 512}))
    assert (config.sandbox.backend, config.sandbox.call_seconds, config.sandbox.memory_mb) == ("sandbox", 2.5, 512)
    assert config.sandbox.processes == 64


def test_grading_sandboxed_gives_the_in_process_verdicts(project, tmp_path):
    from autograder.grading import grade
    from autograder.tests.conftest import make_submission

    submission = make_submission(tmp_path / "sub", other="def negate(x):\n    x[0] = 1.0\n    return x\n")
    inprocess = grade(submission, project, backend="inprocess")
    sandboxed = grade(submission, project, tmp_path / "results" / "results.json", backend="sandbox")
    assert [(r.score, r.output) for r in sandboxed.results] == [(r.score, r.output) for r in inprocess.results]
    assert sandboxed.data["extra_data"]["autograder_nonce"] == sandboxed.nonce


def test_a_run_of_some_questions_imports_the_preloaded_libraries_only_if_their_code_does(tmp_path):
    """sandbox.preload (torch) is imported at once for a run of every question; for a run of some, only if
    the modules of their ``functions:`` import it in the reference solution: a run of numpy questions
    imports no torch (2 to 3 s of CPU a run), and one of torch questions still finds it loaded."""
    from autograder.fixtures import regenerate
    from autograder.grading import grade
    from autograder.tests.conftest import QUESTIONS, REFERENCE, TESTS

    root = tmp_path / "project"
    questions = {**QUESTIONS, "double": {**QUESTIONS["double"], "functions": ["mod.double"]},
                 "negate": {**QUESTIONS["negate"], "functions": ["other.negate"]}}
    config = load_config(write_config(root, {"mod.py": "graded", "other.py": "graded"}, questions,
                                      sandbox={"preload": ["torch"]}))
    write_files(root / "reference", {**REFERENCE, "other.py": "import torch\n\n\ndef negate(x):\n    return -x\n"})
    write_files(root / "tests", TESTS)
    regenerate(config)
    # Each function is right only where its module's libraries are, or are not, already loaded.
    submission = write_files(tmp_path / "sub", {
        "mod.py": "import sys\n\n\ndef double(x):\n    return x * (1 if 'torch' in sys.modules else 2)\n\n\n"
                  "def square(x):\n    return x * x\n",
        "other.py": "import sys\n\n\ndef negate(x):\n    return -x if 'torch' in sys.modules else x\n"})

    def full_marks(questions=None):
        report = grade(submission, config, backend="sandbox", questions=questions)
        return {r.question.name: r.score == r.max_score for r in report.results if r.max_score}

    assert full_marks(["double"]) == {"double": True}
    assert full_marks(["negate"]) == {"negate": True}
    assert full_marks() == {"double": False, "square": True, "negate": True}
