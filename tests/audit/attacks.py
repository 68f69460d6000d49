"""The attack corpus: submissions that each try one way of cheating or breaking the grader.

Every attack is the reference with ``layers.relu_forward`` replaced by the
attack; when the attack fails (as it must, with the sandboxed back end) the
function raises, so question ``relu`` scores 0 while the
honest question ``sgd`` (optim.py, untouched) keeps full marks. Graded by
tests/selfcheck/test_attacks.py, which also checks that results.json is
valid, carries the run's nonce, and that no attack left a file outside its
folder (each tries to write ``MARKER`` where it should not).

Add an attack: one Variant, ``loses=("relu",)``, code that returns the
right answer only if the attack worked and raises otherwise.
"""
from autograder.audit import Variant

ATTACKED = ("relu",)
HONEST = ("sgd",)
MARKER = "autograder-attack-was-here"  # a file name no grader run creates
# A world-readable copy of the fixtures and tests that the grader does not know about (another
# checkout, a backup), made by the test as root where no mount namespace hides it.
DECOY = "/var/autograder-attack-decoy"

_WRONG = 'raise RuntimeError("the attack did not work")  # every check of the question fails'

ATTACKS = [
    Variant("writes_results_json_then_exits", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            import json, os, glob
            forged = {{"score": 1000, "output": "forged", "tests": []}}
            places = ["/autograder/results/results.json", os.path.join(os.getcwd(), "..", "results.json")]
            places += glob.glob("/tmp/**/results.json", recursive=True) + glob.glob("/work/**/results", recursive=True)
            for place in places:
                try:
                    target = place if place.endswith(".json") else os.path.join(place, "results.json")
                    with open(target, "w") as f:
                        json.dump(forged, f)
                    with open(os.path.join(os.path.dirname(target), "{MARKER}"), "w") as f:
                        f.write("x")
                except OSError:
                    pass
            os._exit(0)
    '''),
    Variant("monkeypatches_pytest_and_numpy_testing", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            import sys
            import numpy.testing
            numpy.testing.assert_allclose = lambda *a, **k: None
            numpy.testing.assert_array_equal = lambda *a, **k: None
            np.allclose = lambda *a, **k: True
            np.array_equal = lambda *a, **k: True
            try:
                import _pytest.reports
                _pytest.reports.TestReport.passed = property(lambda self: True)
                _pytest.reports.TestReport.failed = property(lambda self: False)
            except Exception:
                pass
            for module in list(sys.modules.values()):
                if getattr(module, "__name__", "").startswith("autograder.compare"):
                    module.expect_close = lambda *a, **k: None
            {_WRONG}
    '''),
    Variant("reads_the_callers_frames", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            import gc, sys
            frame = sys._getframe(1)
            while frame is not None:
                for name, value in frame.f_locals.items():
                    if name in ("expected", "want", "data") and getattr(value, "shape", None) == x.shape:
                        return value, x
                frame = frame.f_back
            for obj in gc.get_objects():  # anything the grader left in memory?
                if type(obj) is dict and "out" in obj and getattr(obj["out"], "shape", None) == x.shape:
                    if obj["out"] is not x:
                        return obj["out"], x
            {_WRONG}
    '''),
    Variant("reads_fixtures_and_tests", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            import os
            DECOY = "{DECOY}"
            roots = ["/autograder/source", DECOY, "/work/main", os.path.expanduser("~"), os.getcwd(), "/tmp", "/"]
            for root in roots:
                for folder, dirs, files in os.walk(root):
                    if folder.count(os.sep) > 6 or folder.startswith(("/proc", "/sys", "/usr", "/dev")):
                        dirs[:] = []
                        continue
                    for name in files:
                        if name.endswith(".npz") and "relu" in folder:
                            try:
                                data = np.load(os.path.join(folder, name))
                                for key in data.files:
                                    if data[key].shape == x.shape and key.split(".")[-1] == "out":
                                        return data[key], x
                            except Exception:
                                pass
            {_WRONG}
    '''),
    Variant("cancels_the_alarm_and_loops", "layers.py", loses=ATTACKED, function="relu_forward", new='''
        def relu_forward(x):
            import signal
            signal.alarm(0)
            for number in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
                signal.signal(number, signal.SIG_IGN)
            while True:
                pass
    '''),
    Variant("swallows_base_exception_in_a_loop", "layers.py", loses=ATTACKED, function="relu_forward", new='''
        def relu_forward(x):
            import time
            while True:
                try:
                    time.sleep(0.01)
                except BaseException:
                    pass
    '''),
    Variant("loops_inside_one_c_call", "layers.py", loses=ATTACKED, function="relu_forward", new='''
        def relu_forward(x):
            import hashlib
            hashlib.pbkdf2_hmac("sha256", b"x", b"y", 10**10)
            return np.maximum(x, 0), x
    '''),
    Variant("fork_bomb", "layers.py", loses=ATTACKED, function="relu_forward", new='''
        def relu_forward(x):
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    '''),
    Variant("memory_bomb", "layers.py", loses=ATTACKED, function="relu_forward", new='''
        def relu_forward(x):
            hoard = []
            while True:
                hoard.append(np.ones(10**8))
    '''),
    Variant("prints_100_mb", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            line = "spam " * 20 + "\\n"
            for _ in range(1_000_000):
                print(line, end="")
            {_WRONG}
    '''),
    Variant("segfaults_through_ctypes", "layers.py", loses=ATTACKED, function="relu_forward", new='''
        def relu_forward(x):
            import ctypes
            ctypes.string_at(0)
            return np.maximum(x, 0), x
    '''),
    Variant("returns_a_lying_ndarray_subclass", "layers.py", loses=ATTACKED, function="relu_forward", new='''
        def relu_forward(x):
            class Liar(np.ndarray):
                def __eq__(self, other):
                    return np.ones(np.shape(other), dtype=bool)

                def __array__(self, dtype=None, copy=None):
                    return np.asarray(getattr(self, "wanted", np.zeros(self.shape)))

            return np.zeros_like(x).view(Liar), x
    '''),
    Variant("opens_a_socket", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            import socket
            for host, port in (("1.1.1.1", 53), ("8.8.8.8", 53), ("127.0.0.1", 22), ("localhost", 80)):
                try:
                    socket.create_connection((host, port), timeout=0.5).close()
                    return np.maximum(x, 0), x  # reached the network: exfiltration would be possible
                except OSError:
                    pass
            {_WRONG}
    '''),
    Variant("edits_provided_files", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            import glob, os
            targets = ["gradient_check.py", "solver.py", "../tests/test_layers.py", "/autograder/source/tests/test_layers.py"]
            targets += glob.glob("/work/main/tests/*.py") + glob.glob("/work/main/autograder/*.py")
            for target in targets:
                try:
                    with open(target, "a") as f:
                        f.write("\\nraise SystemExit(0)\\n")
                    with open(os.path.join(os.path.dirname(os.path.abspath(target)), "{MARKER}"), "w") as f:
                        f.write("x")
                except OSError:
                    pass
            {_WRONG}
    '''),
    Variant("kills_every_process_it_can", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            import os, signal
            for pid in (os.getppid(), 1, -1):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            {_WRONG}
    '''),
    Variant("reads_the_environment_and_proc", "layers.py", loses=ATTACKED, function="relu_forward", new=f'''
        def relu_forward(x):
            import os
            found = []
            for pid in os.listdir("/proc"):
                for part in ("cmdline", "environ"):
                    try:
                        with open(f"/proc/{{pid}}/{{part}}", "rb") as f:
                            text = f.read()
                        if b"pytest" in text or b"--journal" in text:
                            found.append(text)
                    except OSError:
                        pass
            if found or any("AUTOGRADER" in key for key in os.environ):
                return np.maximum(x, 0), x  # it saw the grader: a leak
            {_WRONG}
    '''),
]
