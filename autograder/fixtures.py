"""The fixture store: cases declared next to their tests, arrays made by the reference.

A test module declares a ``FixtureSet``: how to make a case's inputs from a
seeded generator, and how to compute the quantities to check from any
``student`` object. ``fixtures regen`` runs that computation on the
reference solution and writes one ``.npz`` per case (inputs and expected
outputs) plus a manifest of hashes; a test loads the file and runs the same
computation on the submission, so the reference and the student are
measured by one piece of code.

    RELU = FixtureSet(
        "relu",
        make_inputs=lambda rng, shape: {"x": rng.standard_normal(shape)},
        compute=lambda student, x: {"out": student.call("mod.double", x)[0]},
        cases=[Case("3x4", seed=0, shape=(3, 4))],
    )
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from autograder.config import Config, ConfigError
from autograder.tolerances import FIXTURE_REPRODUCTION

MANIFEST_NAME = "MANIFEST.json"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps make the files byte-identical

_REGISTRY: dict[str, "FixtureSet"] = {}


@dataclass(frozen=True)
class Case:
    """One input case: a name, a seed and the parameters ``make_inputs`` takes."""

    name: str
    seed: int
    params: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, name: str, seed: int, **params: Any):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "params", params)

    def __str__(self) -> str:  # pytest uses it as the parameter id
        return self.name

    def __hash__(self) -> int:
        return hash((self.name, self.seed))


@dataclass
class CaseData:
    case: Case
    inputs: dict[str, Any]
    expected: dict[str, Any]


class FixtureError(Exception):
    """A fixture file is missing, stale or unreadable: an instructor's problem."""


class FixtureSet:
    """Cases for one function or concept, and how to compute what they check."""

    def __init__(
        self,
        name: str,
        *,
        make_inputs: Callable[..., Mapping[str, Any]],
        compute: Callable[..., Mapping[str, Any]],
        cases: Iterable[Case],
    ):
        self.name = name
        self.make_inputs = make_inputs
        self.compute = compute
        self.cases = list(cases)
        names = [c.name for c in self.cases]
        if len(set(names)) != len(names):
            raise ValueError(f"fixture set {name!r} has duplicate case names: {names}")
        self.declared_in = Path(sys._getframe(1).f_code.co_filename).resolve()  # the declaring test file
        previous = _REGISTRY.get(name)
        if previous is not None and previous.declared_in != self.declared_in:
            raise ValueError(f"fixture set {name!r} is declared in {previous.declared_in} and {self.declared_in}")
        _REGISTRY[name] = self

    def inputs_for(self, case: Case) -> dict[str, Any]:
        return dict(self.make_inputs(np.random.default_rng(case.seed), **case.params))

    def path(self, case: Case, fixtures_dir: Path | None = None) -> Path:
        return (fixtures_dir or self._fixtures_dir()) / self.name / f"{case.name}.npz"

    def _fixtures_dir(self) -> Path:
        from autograder.run import current_assignment

        try:
            return current_assignment(self.declared_in).fixtures_dir
        except ConfigError:
            raise FixtureError(f"no autograder.yml above {self.declared_in}") from None

    def load(self, case: Case) -> CaseData:
        """Read a case's inputs and expected outputs from its fixture file (parsed once per process)."""
        path = self.path(case)
        if not path.is_file():
            raise FixtureError(f"fixture file {path} is missing; run `python -m autograder fixtures regen`")
        arrays = _read_arrays(path)
        inputs = {k[len("in."):]: _unwrap(v.copy()) for k, v in arrays.items() if k.startswith("in.")}
        expected = {k[len("out."):]: _unwrap(v.copy()) for k, v in arrays.items() if k.startswith("out.")}
        return CaseData(case, inputs, expected)

    def generate(self, student: Any, case: Case) -> dict[str, np.ndarray]:
        """Inputs and outputs of one case, computed with ``student``, as named arrays."""
        inputs = self.inputs_for(case)
        outputs = self.compute(student, **inputs)
        arrays = {f"in.{k}": np.asarray(v) for k, v in inputs.items()}
        arrays.update({f"out.{k}": np.asarray(v) for k, v in outputs.items()})
        for key, value in arrays.items():
            if value.dtype.kind not in "biufc":
                raise FixtureError(f"{self.name}/{case.name}: {key} is not numeric ({value.dtype})")
        return arrays


_READ: dict[tuple[str, int, int], dict[str, np.ndarray]] = {}


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """A fixture file's arrays, parsed once per process: a run loads each case for several checks, and
    parsing .npz headers costs more than the checks themselves (measured: 2 s of a 13 s grade).
    Keyed by the file's size and modification time, so a regenerated file is read again."""
    info = path.stat()
    key = (str(path), info.st_mtime_ns, info.st_size)
    if key not in _READ:
        with np.load(path, allow_pickle=False) as data:
            _READ[key] = {name: data[name] for name in data.files}
    return _READ[key]


def read_declared_files() -> None:
    """Parse once the fixture files of every set declared so far. A warm grader
    (autograder.engine) does it before it forks its first grade, so that no grade parses them again
    (the top level's 85 files: 0.4 s, measured on a busy machine)."""
    for fixture_set in list(_REGISTRY.values()):
        for case in fixture_set.cases:
            try:
                path = fixture_set.path(case)
            except FixtureError:  # no autograder.yml above its test file: its tests say so when they run
                break
            if path.is_file():
                _read_arrays(path)


def _unwrap(value: np.ndarray) -> Any:
    """0-d arrays were scalars when they were saved (a loss, a seed)."""
    return value[()] if value.ndim == 0 else value


def registry() -> dict[str, FixtureSet]:
    return dict(_REGISTRY)


# -- files ------------------------------------------------------------------
def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An .npz archive whose bytes depend only on the arrays (sorted, no timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key in sorted(arrays):
            member = io.BytesIO()
            # np.asarray, not np.ascontiguousarray: the latter turns a 0-d array (a loss) into shape (1,)
            np.lib.format.write_array(member, np.asarray(arrays[key], order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def discover(config: Config) -> dict[str, FixtureSet]:
    """Import every test module of the assignment and return the sets they declare."""
    for name, fixture_set in list(_REGISTRY.items()):  # forget an earlier import: a set may be gone
        if fixture_set.declared_in.parent == config.tests_dir:
            del _REGISTRY[name]
    sys.path.insert(0, str(config.tests_dir))  # as pytest does, so tests can share helpers
    try:
        with warnings.catch_warnings():
            # Imported inside another pytest session (make test), the assignment's question markers are not
            # registered there: its own plugin registers them when its tests run.
            warnings.filterwarnings("ignore", message="Unknown pytest.mark")
            for path in sorted(config.tests_dir.glob("test_*.py")):
                name = f"_autograder_fixture_discovery_{path.stem}"
                spec = importlib.util.spec_from_file_location(name, path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(config.tests_dir))
    declared = {name: s for name, s in _REGISTRY.items() if s.declared_in.parent == config.tests_dir}
    return dict(sorted(declared.items()))


# One thread for every numerical library: numpy's BLAS and torch split float64 reductions by thread count,
# so the last bits of an output depend on the machine's cores (measured: fixtures of affine, sigmoid and
# attention differing by 1e-15 between two regenerations). They read these when they load, so the fixtures
# are computed in a child process started with them.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def regenerate(config: Config, out_dir: Path | None = None) -> list[Path]:
    """Run the reference on every declared case, on one thread; write the files and the manifest."""
    out_dir = (out_dir or config.fixtures_dir).resolve()
    package_parent = str(Path(__file__).resolve().parents[1])
    code = (f"import sys; sys.path.insert(0, {package_parent!r}); from pathlib import Path; "
            "from autograder.config import load_config; from autograder.fixtures import generate_here; "
            "print('\\n'.join(map(str, generate_here(load_config(sys.argv[1]), Path(sys.argv[2])))))")
    completed = subprocess.run([sys.executable, "-c", code, str(config.path), str(out_dir)],
                               env={**os.environ, **ONE_THREAD}, capture_output=True, text=True, cwd=config.root)
    if completed.returncode != 0:
        raise FixtureError(f"generating the fixtures failed:\n{completed.stderr[-3000:]}")
    return [Path(line) for line in completed.stdout.splitlines() if line.strip()]


def generate_here(config: Config, out_dir: Path) -> list[Path]:
    """Run the reference on every declared case in this process; write the files and the manifest."""
    from autograder.inprocess import InProcessStudent
    from autograder.workspace import build_workspace

    from autograder.probes import register_assignment_probes

    sets = discover(config)
    written: list[Path] = []
    sys.path.insert(0, str(config.tests_dir))  # as pytest does: cases may use the tests' helper modules
    register_assignment_probes(config.probes_dir)  # as the plugin does: a case's compute may run one
    with tempfile.TemporaryDirectory(prefix="autograder-reference-") as tmp:
        workspace = build_workspace(config.reference_dir, config, Path(tmp))
        with InProcessStudent(workspace) as reference:
            for fixture_set in sets.values():
                for case in fixture_set.cases:
                    path = fixture_set.path(case, out_dir)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(npz_bytes(fixture_set.generate(reference, case)))
                    written.append(path)
    _remove_stale(out_dir, set(written))
    write_manifest(out_dir)
    return written


def _remove_stale(out_dir: Path, keep: set[Path]) -> None:
    for path in out_dir.rglob("*.npz"):
        if path not in keep:
            path.unlink()
    for folder in sorted((p for p in out_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def manifest_of(out_dir: Path) -> dict[str, str]:
    return {p.relative_to(out_dir).as_posix(): _sha256(p) for p in sorted(out_dir.rglob("*.npz"))}


def write_manifest(out_dir: Path) -> None:
    text = json.dumps({"files": manifest_of(out_dir)}, indent=1, sort_keys=True) + "\n"
    (out_dir / MANIFEST_NAME).write_text(text, encoding="utf-8")


def verify(config: Config) -> list[str]:
    """Problems with the checked-in fixtures; an empty list means they are sound.

    Checks the manifest against the files, then regenerates everything into
    a temporary folder and compares bytes, which catches fixtures left stale
    by a change to the reference or to a case.
    """
    problems: list[str] = []
    out_dir = config.fixtures_dir
    manifest_path = out_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        return [f"{manifest_path} is missing; run `python -m autograder fixtures regen`"]
    recorded = json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {})
    actual = manifest_of(out_dir)
    for name in sorted(recorded.keys() | actual.keys()):
        if name not in actual:
            problems.append(f"{name}: listed in the manifest but missing")
        elif name not in recorded:
            problems.append(f"{name}: present but not in the manifest")
        elif recorded[name] != actual[name]:
            problems.append(f"{name}: its hash differs from the manifest (edited by hand?)")
    with tempfile.TemporaryDirectory(prefix="autograder-fixtures-") as tmp:
        fresh_dir = Path(tmp)
        regenerate(config, fresh_dir)
        fresh = manifest_of(fresh_dir)
        for name in sorted(fresh.keys() | actual.keys()):
            if name not in actual:
                problems.append(f"{name}: declared in the tests but not generated")
            elif name not in fresh:
                problems.append(f"{name}: no test declares this case any more")
            elif fresh[name] != actual[name]:
                difference = _beyond_rounding(out_dir / name, fresh_dir / name)
                if difference:
                    problems.append(f"{name}: differs from a fresh regeneration ({difference}; "
                                    "reference or case changed?)")
    return problems


def _beyond_rounding(checked_in: Path, fresh: Path) -> str | None:
    """How two fixture files differ beyond another CPU's BLAS rounding, or None if they do not.

    Non-float arrays must be identical; floats, inputs included (many are
    computed, e.g. probabilities through exp), may differ within
    FIXTURE_REPRODUCTION (see tolerances.py).
    """
    with np.load(checked_in, allow_pickle=False) as old, np.load(fresh, allow_pickle=False) as new:
        if sorted(old.files) != sorted(new.files):
            return f"arrays {sorted(old.files)} against {sorted(new.files)}"
        for key in sorted(old.files):
            a, b = old[key], new[key]
            if a.shape != b.shape or a.dtype != b.dtype:
                return f"{key}: {a.dtype}{a.shape} against {b.dtype}{b.shape}"
            if a.dtype.kind not in "fc":
                if not np.array_equal(a, b):
                    return f"{key} is not identical"
            elif not np.allclose(b, a, rtol=FIXTURE_REPRODUCTION.rtol, atol=FIXTURE_REPRODUCTION.atol, equal_nan=True):
                return f"{key} differs beyond rounding ({FIXTURE_REPRODUCTION.describe()})"
    return None
