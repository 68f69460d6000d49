"""The fixture store: deterministic files, and verify() catching every way they go stale."""
import json

import numpy as np
import pytest

from autograder import fixtures
from autograder.config import load_config
from autograder.fixtures import MANIFEST_NAME, Case, FixtureError, FixtureSet, npz_bytes, regenerate


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_npz_bytes_are_deterministic_and_loadable(tmp_path):
    arrays = {"out.y": np.arange(6.0).reshape(2, 3), "in.x": np.array([1, 2], dtype=np.int32), "in.s": np.array(2.5)}
    first = npz_bytes(arrays)
    assert npz_bytes(dict(reversed(arrays.items()))) == first  # key order does not matter
    path = tmp_path / "case.npz"
    path.write_bytes(first)
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["in.s", "in.x", "out.y"]
        np.testing.assert_array_equal(data["out.y"], arrays["out.y"])
        assert data["in.x"].dtype == np.int32 and data["in.s"].shape == ()


def test_regenerate_twice_gives_identical_files(project):
    first = snapshot(project.fixtures_dir)
    assert set(first) == {"double/n3.npz", "double/n4.npz", MANIFEST_NAME}
    fixtures.regenerate(project)
    assert snapshot(project.fixtures_dir) == first
    manifest = json.loads(first[MANIFEST_NAME])
    assert sorted(manifest["files"]) == ["double/n3.npz", "double/n4.npz"]


def test_a_case_loads_back_with_inputs_and_expected(project):
    fixtures.discover(project)
    case_data = fixtures.registry()["double"].load(Case("n3", seed=1, n=3))
    x = np.random.default_rng(1).standard_normal(3)
    np.testing.assert_array_equal(case_data.inputs["x"], x)
    np.testing.assert_array_equal(case_data.expected["out"], 2 * x)


def test_verify_passes_after_regenerate(project):
    assert fixtures.verify(project) == []


def test_verify_reports_a_hand_edited_file(project):
    (project.fixtures_dir / "double" / "n3.npz").write_bytes(npz_bytes({"in.x": np.zeros(3), "out.out": np.zeros(3)}))
    assert fixtures.verify(project) == [
        "double/n3.npz: its hash differs from the manifest (edited by hand?)",
        "double/n3.npz: differs from a fresh regeneration (in.x differs beyond rounding (rtol=1e-10, "
        "atol=1e-13); reference or case changed?)",
    ]


def test_verify_reports_a_missing_file(project):
    (project.fixtures_dir / "double" / "n4.npz").unlink()
    assert fixtures.verify(project) == [
        "double/n4.npz: listed in the manifest but missing",
        "double/n4.npz: declared in the tests but not generated",
    ]


def test_verify_reports_a_missing_manifest(project):
    (project.fixtures_dir / MANIFEST_NAME).unlink()
    assert "MANIFEST.json is missing" in fixtures.verify(project)[0]


def test_verify_reports_fixtures_left_stale_by_the_reference(project):
    edit(project.reference_dir / "mod.py", "return 2 * x", "return 3 * x")
    assert fixtures.verify(project) == [
        "double/n3.npz: differs from a fresh regeneration (out.out differs beyond rounding (rtol=1e-10, "
        "atol=1e-13); reference or case changed?)",
        "double/n4.npz: differs from a fresh regeneration (out.out differs beyond rounding (rtol=1e-10, "
        "atol=1e-13); reference or case changed?)",
    ]


def test_verify_reports_a_case_no_longer_declared(project):
    edit(project.tests_dir / "test_mod.py", 'Case("n4", seed=2, n=4)', "")
    assert fixtures.verify(project) == ["double/n4.npz: no test declares this case any more"]


def test_verify_reports_a_fixture_set_no_longer_declared(project):
    fixtures.discover(project)  # as if an earlier command in this process had imported the tests
    (project.tests_dir / "test_mod.py").write_text("def test_nothing():\n    pass\n")
    assert fixtures.verify(project) == [
        "double/n3.npz: no test declares this case any more",
        "double/n4.npz: no test declares this case any more",
    ]


def test_regenerate_removes_files_of_dropped_cases(project):
    edit(project.tests_dir / "test_mod.py", 'Case("n4", seed=2, n=4)', "")
    fixtures.regenerate(project)
    assert set(snapshot(project.fixtures_dir)) == {"double/n3.npz", MANIFEST_NAME}
    assert fixtures.verify(project) == []


def test_loading_a_missing_fixture_says_how_to_make_it(project):
    fixtures.discover(project)
    with pytest.raises(FixtureError, match="fixtures regen"):
        fixtures.registry()["double"].load(Case("n9", seed=9, n=9))


def test_fixture_sets_refuse_duplicate_cases_and_non_numeric_outputs():
    with pytest.raises(ValueError, match="duplicate case names"):
        FixtureSet("dup", make_inputs=dict, compute=dict, cases=[Case("a", 0), Case("a", 1)])
    words = FixtureSet("words", make_inputs=lambda rng: {}, compute=lambda student: {"out": "text"},
                       cases=[Case("a", 0)])
    with pytest.raises(FixtureError, match="words/a: out.out is not numeric"):
        words.generate(None, words.cases[0])


def test_inputs_depend_only_on_the_seed():
    rng_set = FixtureSet("rng", make_inputs=lambda rng, n: {"x": rng.standard_normal(n)}, compute=dict,
                         cases=[Case("a", 5, n=2), Case("b", 5, n=2), Case("c", 6, n=2)])
    a, b, c = (rng_set.inputs_for(case)["x"] for case in rng_set.cases)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_verify_accepts_another_cpus_rounding_but_not_a_change(project):
    """BLAS and numpy's SIMD exp differ by an ulp between CPUs: not a stale fixture; more is."""
    path = next(project.fixtures_dir.rglob("*.npz"))
    with np.load(path) as data:
        arrays = {k.removesuffix(".npy"): data[k] for k in data.files}
    key = next(k for k in arrays if k.startswith("out."))
    arrays[key] = np.nextafter(arrays[key], np.inf)  # one ulp up
    path.write_bytes(fixtures.npz_bytes(arrays))
    fixtures.write_manifest(project.fixtures_dir)
    assert fixtures.verify(project) == []
    arrays[key] = arrays[key] * (1 + 1e-6)
    path.write_bytes(fixtures.npz_bytes(arrays))
    fixtures.write_manifest(project.fixtures_dir)
    assert any("differs beyond rounding" in p for p in fixtures.verify(project))


def test_regeneration_is_byte_identical_whatever_the_thread_count(tmp_path, monkeypatch):
    """Fixtures are computed on one thread (numpy's BLAS and torch split reductions by thread count): two
    regenerations under different thread settings give the same bytes, and the reference saw one thread."""
    from autograder.tests.conftest import write_config, write_files

    write_files(tmp_path / "reference", {"mod.py": '''
        import os

        import numpy as np


        def product(a, b):
            """A float64 reduction long enough to be split across threads, and the threads it had."""
            # BEGIN SOLUTION: return a @ b and the thread setting
            threads = float(os.environ.get("OMP_NUM_THREADS", "0"))
            return a @ b, np.array(threads)
            # END SOLUTION
        '''})
    write_files(tmp_path / "tests", {"test_mod.py": '''
        from autograder.fixtures import Case, FixtureSet

        PRODUCT = FixtureSet(
            "product",
            make_inputs=lambda rng, n: {"a": rng.standard_normal((n, n)), "b": rng.standard_normal((n, n))},
            compute=lambda student, a, b: dict(zip(("out", "threads"), student.call("mod.product", a, b))),
            cases=[Case("n300", seed=1, n=300)],
        )
        '''})
    config = load_config(write_config(tmp_path, {"mod.py": "graded"}))
    produced = []
    for threads in ("1", "8"):
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            monkeypatch.setenv(name, threads)
        out = tmp_path / f"fixtures-{threads}"
        regenerate(config, out)
        produced.append((out / "product" / "n300.npz").read_bytes())
        with np.load(out / "product" / "n300.npz") as data:
            assert float(data["out.threads"]) == 1.0
    assert produced[0] == produced[1]
