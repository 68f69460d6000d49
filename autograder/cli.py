"""The command line: ``python -m autograder VERB`` (also installed as ``autograder``).

    grade [SUBMISSION] [--results PATH]     grade a folder, print the table, write results.json
    gradescope [--root ROOT]                Gradescope's flow on /autograder or a folder laid out like it
    check [QUESTION ...] [--submission P]   a student's check: the table and the reasons, nothing else
    build [--output autograder.zip]         the zip to upload to Gradescope (never the reference)
    handout --output DIR|FILE.zip           what students download: template, visible tests, grader
    export [--format markdown|latex]        the student's implementations, by question, in one document
    fixtures regen | verify                 regenerate or check fixtures/ from the reference
    template regen | verify                 regenerate or check student_template/ from the reference
    audit [--only PATTERN ...] [--jobs N]   grade the known-wrong and known-right variants; a table and
                                            the mutation score; exit 1 on a survivor or a false failure
    batch INPUT --output DIR [--jobs N]     grade a class (a folder of submissions, or Gradescope's export)
          [--engine local|ray]              into DIR/results/*.json, DIR/scores.csv and DIR/report.md;
                                            re-running skips what is graded already
    benchmark [--batch N]                   a grade's time and memory against the import floor
                                            (--batch: a class's rate with 1 and 2 workers and Ray)

Every verb takes ``--assignment DIR`` (the folder holding autograder.yml; default: the one
found from the current folder). ``grade`` and ``gradescope`` take ``--time-budget SECONDS``
(or $AUTOGRADER_TIME_BUDGET) in place of ``time_limits.total_seconds``; every such setting is
resolved once, by autograder.run.resolve.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.config import VISIBILITIES, Config, ConfigError

if TYPE_CHECKING:
    from autograder.run import Run

def _assignment(args: argparse.Namespace) -> Config:
    """The assignment every verb works on: --assignment DIR, else the one found from the current folder."""
    from autograder.run import load_assignment

    return load_assignment(args.assignment)


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError("the time budget must be positive")
    return seconds


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("it must be at least 1")
    return number


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading import grade_run
    from autograder.run import Options, resolve

    config = _assignment(args)
    options = Options(submission=Path(args.submission) if args.submission else None, backend=args.backend,
                      time_budget=args.time_budget, results_path=Path(args.results) if args.results else None,
                      data_folder=Path(args.data) if args.data else None, default_submission="reference")
    run = resolve(config, options)
    report = grade_run(run)
    print(f"Grading {run.submission}")
    print(report.table)
    if report.data.get("output"):
        print(report.data["output"])
    if run.results_path:
        print(f"results written to {run.results_path}")
    return 0  # whatever the submission did; the verdict is in the file


def stdout_redactions(stdout_visibility: str) -> set[str]:
    """Question visibilities whose verdicts must not appear in run_autograder's printed output.

    Gradescope shows that output to students as ``stdout_visibility`` says; a
    question less visible than it keeps its verdict to results.json.
    """
    if stdout_visibility == "hidden":
        return set()
    return {v for v in VISIBILITIES if v not in ("visible", stdout_visibility)}


def _gradescope(args: argparse.Namespace) -> int:
    from autograder.results import write_atomically
    from autograder.run import Options, gradescope_root, resolve

    options = Options(gradescope=True, gradescope_root=Path(args.root) if args.root else None,
                      backend=args.backend, time_budget=args.time_budget)
    try:
        config = _assignment(args)
        run = resolve(config, options)
    except ConfigError as exc:  # the staff's mistake: Gradescope still gets a file that says so
        root = gradescope_root(Path(args.root) if args.root else None)
        write_atomically(root / "results" / "results.json", {
            "score": 0, "output": f"The autograder is misconfigured: {exc}. Please tell the course staff.", "tests": []})
        raise
    return _grade_gradescope(run)


def _grade_gradescope(run: "Run") -> int:
    from autograder.gradescope import read_metadata
    from autograder.grading import grade_run
    from autograder.results import write_atomically
    from autograder.scoring import format_table

    info = read_metadata(run.gradescope_root / "submission_metadata.json")
    try:
        # Sandboxed by default; the results folder is Gradescope's alone, so anything else found in it
        # is discarded, and the worker sees none of the root (run.hidden_paths).
        report = grade_run(run, submission_info=info)
    except Exception as exc:  # noqa: BLE001 - a bug of ours; Gradescope must still get a results file
        write_atomically(run.results_path, {"score": 0, "output": f"Internal error in the autograder "
                                            f"({type(exc).__name__}: {exc}). Please tell the course staff.",
                                            "tests": []})
        raise
    print(f"Grading {run.submission}")
    print(format_table(report.results, redact=stdout_redactions(run.assignment.stdout_visibility)))
    print(report.data.get("output", ""))
    print(f"results written to {run.results_path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from autograder.local import run_check

    config = _assignment(args)
    text, _, passed = run_check(config, tuple(args.questions), Path(args.submission) if args.submission else None,
                                backend=args.backend)
    print(text)
    return 0 if passed else 1


def _build(args: argparse.Namespace) -> int:
    from autograder.build import BuildError, build_zip

    config = _assignment(args)
    output = Path(args.output) if args.output else config.root / "autograder.zip"
    try:
        names = build_zip(config, output)
    except BuildError as exc:
        print(f"autograder build: {exc}; no zip written", file=sys.stderr)
        return 1
    folders = sorted({n.split("/", 1)[0] + "/" for n in names if "/" in n})
    print(f"wrote {output}: {len(names)} files ({', '.join(folders)} and {len(names) - sum(1 for n in names if '/' in n)} "
          "at the top); no file of the reference solution")
    return 0


def _handout(args: argparse.Namespace) -> int:
    from autograder.build import BuildError
    from autograder.handout import build_handout

    config = _assignment(args)
    output = Path(args.output)
    try:
        names = build_handout(config, output)
    except BuildError as exc:
        print(f"autograder handout: {exc}; nothing written", file=sys.stderr)
        return 1
    tests = sum(n.startswith("tests/") and n.endswith(".py") for n in names)
    fixtures_ = sum(n.startswith("fixtures/") and n.endswith(".npz") for n in names)
    print(f"wrote {output}: {len(names)} files ({tests} test modules, {fixtures_} fixture files, the template and the "
          "grader); no hidden question's tests, no trusted-only helper, no reference code")
    return 0


def _export(args: argparse.Namespace) -> int:
    from autograder.export import export

    config = _assignment(args)
    submission = Path(args.submission) if args.submission else config.default_submission
    try:
        document = export(config, submission, args.format, args.heading_level, args.by)
    except ValueError as exc:
        print(f"autograder export: {exc}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(document, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(document)
    return 0


def _fixtures(args: argparse.Namespace) -> int:
    from autograder import fixtures

    config = _assignment(args)
    if args.action == "regen":
        written = fixtures.regenerate(config)
        print(f"wrote {len(written)} fixture files and {fixtures.MANIFEST_NAME} in {config.fixtures_dir}")
        return 0
    return _report(fixtures.verify(config), f"fixtures in {config.fixtures_dir} match the reference")


def _template(args: argparse.Namespace) -> int:
    from autograder import template

    config = _assignment(args)
    if args.action == "regen":
        written = template.regenerate(config)
        print(f"wrote {len(written)} files in {config.template_dir}")
        return 0
    return _report(template.verify(config), f"{config.template_dir.name}/ matches the reference")


def _audit(args: argparse.Namespace) -> int:
    import time

    from autograder import audit

    config = _assignment(args)
    try:
        variants = audit.load_corpus(config, args.only or ())
    except audit.AuditError as exc:
        print(f"autograder audit: {exc}", file=sys.stderr)
        return 2
    if not variants:
        print(f"autograder audit: no variants in {config.audit_dir}" + (f" match {args.only}" if args.only else ""),
              file=sys.stderr)
        return 2

    def progress(done: int, total: int, result: "audit.VariantResult") -> None:
        print(f"[{done}/{total}] {result.verdict:<18} {result.variant.name} ({result.seconds:.1f} s)",
              file=sys.stderr, flush=True)

    started = time.monotonic()
    print(f"grading the reference, then {len(variants)} variants, {args.jobs or os.cpu_count()} at a time",
          file=sys.stderr, flush=True)
    baseline, results = audit.audit(config, variants, args.jobs, progress if not args.quiet else None)
    print(audit.format_report(results, baseline, time.monotonic() - started))
    return 0 if audit.audit_passed(results, baseline) else 1


def _batch(args: argparse.Namespace) -> int:
    from autograder.batch import BatchError, run_batch
    from autograder.batch_report import REPORT_NAME, SCORES_NAME
    from autograder.run import Options, resolve

    config = _assignment(args)
    if args.input is None and args.questions and args.questions[-1] not in config.questions:
        args.input = args.questions.pop()  # `--questions relu sgd INPUT`: argparse gave INPUT to --questions
    if args.input is None:
        print("autograder batch: INPUT is missing: a folder of submission folders, or Gradescope's export zip",
              file=sys.stderr)
        return 2
    unknown = [q for q in args.questions or () if q not in config.questions]
    if unknown:
        print(f"autograder batch: no question named {', '.join(unknown)} in {config.path.name}", file=sys.stderr)
        return 2
    if args.address and args.engine != "ray":
        print("autograder batch: --address is the Ray cluster's: add --engine ray", file=sys.stderr)
        return 2
    # Every submission of a class is untrusted: sandboxed unless told otherwise.
    run = resolve(config, Options(backend=args.backend or "sandbox", time_budget=args.time_budget,
                                  questions=tuple(args.questions or ())))
    try:
        result = run_batch(config, run, Path(args.input), Path(args.output), jobs=args.jobs, engine=args.engine,
                           address=args.address)
    except BatchError as exc:
        print(f"autograder batch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograder batch: interrupted; run the same command again to grade what is left", file=sys.stderr)
        return 130
    print(f"{len(result.submissions)} submissions: {result.graded} graded now, {result.skipped} unchanged "
          f"({result.seconds:.0f} s)")
    print(f"scores: {result.output / SCORES_NAME}\nreport: {result.output / REPORT_NAME}\n"
          f"results: {result.output / 'results'}/")
    if result.failed:
        print(f"{len(result.failed)} could not be graded (failed twice): {', '.join(result.failed[:10])}; "
              "run the same command again to retry them", file=sys.stderr)
        return 1
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    from autograder import benchmark

    config = _assignment(args)
    if args.batch:
        print(benchmark.batch_report(benchmark.run_batch(config, args.batch)))
        return 0
    print(benchmark.report(benchmark.run(config, Path(args.submission) if args.submission else None, args.rounds)))
    return 0


def _report(problems: list[str], ok_message: str) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(ok_message)
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Grade neural-network homework.")
    parser.add_argument("--assignment", "--config", dest="assignment", metavar="DIR",
                        help="the assignment's folder, or its autograder.yml (default: found from the current folder)")
    verbs = parser.add_subparsers(dest="verb", required=True)
    budget_help = "seconds for the whole run (default: $AUTOGRADER_TIME_BUDGET, else time_limits.total_seconds)"

    grade = verbs.add_parser("grade", help="grade a submission folder")
    grade.add_argument("submission", nargs="?", help="the folder to grade (default: the reference solution)")
    grade.add_argument("--results", help="where to write results.json")
    grade.add_argument("--time-budget", type=_positive_seconds, help=budget_help)
    grade.add_argument("--backend", choices=("inprocess", "sandbox"),
                       help="where student code runs (default: sandbox.backend of autograder.yml, else inprocess)")
    grade.add_argument("--data", metavar="DIR", help="the datasets' folder (default: $AUTOGRADER_DATA, else data.folder)")
    grade.set_defaults(run=_grade)

    gradescope = verbs.add_parser("gradescope", help="Gradescope's flow: grade ROOT/submission into "
                                  "ROOT/results/results.json")
    gradescope.add_argument("--root", help="a folder laid out like /autograder (default: $AUTOGRADER_ROOT, "
                            "else /autograder)")
    gradescope.add_argument("--time-budget", type=_positive_seconds, help=budget_help)
    gradescope.add_argument("--backend", choices=("inprocess", "sandbox"),
                            help="where student code runs (default: sandbox)")
    gradescope.set_defaults(run=_gradescope)

    check = verbs.add_parser("check", help="check your code: one question (its name) or all")
    check.add_argument("questions", nargs="*", metavar="QUESTION", help="question names, e.g. relu (default: all)")
    check.add_argument("--submission", help="the folder of your files (default: from autograder.yml)")
    check.add_argument("--backend", choices=("inprocess", "sandbox"),
                       help="where your code runs (default: sandbox.backend of autograder.yml)")
    check.set_defaults(run=_check)

    build = verbs.add_parser("build", help="write the zip to upload to Gradescope")
    build.add_argument("--output", help="where to write it (default: autograder.zip beside autograder.yml)")
    build.set_defaults(run=_build)

    handout = verbs.add_parser("handout", help="write what students download: the template, the visible tests and "
                               "their fixtures, and the grader")
    handout.add_argument("--output", required=True, help="an empty or new folder, or a file name ending in .zip")
    handout.set_defaults(run=_handout)

    export = verbs.add_parser("export", help="the submission's graded functions, by question, in one document")
    export.add_argument("--format", choices=("markdown", "latex"), default="markdown")
    export.add_argument("--heading-level", "--heading_level", dest="heading_level", type=int, choices=(1, 2, 3),
                        help="1: a whole document; 2, 3: a part to include in a write-up (default: autograder.yml's)")
    export.add_argument("--by", choices=("question", "module"),
                        help="one section per question or per module (default: autograder.yml's export.by)")
    export.add_argument("--submission", help="the folder of the code (default: from autograder.yml)")
    export.add_argument("--output", help="the file to write (default: print it)")
    export.set_defaults(run=_export)

    audit = verbs.add_parser("audit", help="grade known-wrong and known-right variants of the reference")
    audit.add_argument("--only", nargs="+", metavar="PATTERN",
                       help="variants whose name or corpus file (e.g. variants_optim) matches a shell pattern")
    audit.add_argument("--jobs", type=int, help="variants graded at a time (default: the number of CPUs)")
    audit.add_argument("--quiet", action="store_true", help="no progress line per variant")
    audit.set_defaults(run=_audit)

    batch = verbs.add_parser("batch", help="grade a class: a folder of submission folders or Gradescope's export")
    batch.add_argument("input", metavar="INPUT", nargs="?",  # required; "?" so that it may follow --questions
                       help="a folder of submission folders, or Gradescope's \"Export Submissions\" zip (or its "
                       "unpacked folder, with submission_metadata.yml)")
    batch.add_argument("--output", required=True, metavar="DIR",
                       help="where results/, scores.csv and report.md go (re-running resumes there)")
    batch.add_argument("--jobs", type=_positive_int, help="submissions graded at a time (default: the number of "
                       "CPUs; with --address, the cluster's)")
    batch.add_argument("--backend", choices=("inprocess", "sandbox"),
                       help="where student code runs (default: sandbox: every submission is untrusted)")
    batch.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="local: warm graders on this machine; ray: Ray actors (pip install nn-autograder[cluster])")
    batch.add_argument("--address", help="with --engine ray: the cluster to join (auto: the one this machine is part "
                       "of); default: a local Ray instance")
    batch.add_argument("--time-budget", type=_positive_seconds, help="seconds for each submission "
                       "(default: $AUTOGRADER_TIME_BUDGET, else time_limits.total_seconds)")
    batch.add_argument("--questions", nargs="+", metavar="QUESTION", help="grade only these questions (default: all)")
    batch.set_defaults(run=_batch)

    bench = verbs.add_parser("benchmark", help="time and peak memory of grading in-process against sandboxed")
    bench.add_argument("submission", nargs="?", help="the folder to grade (default: the reference solution)")
    bench.add_argument("--batch", type=_positive_int, metavar="N",
                       help="instead: grade N submissions with `batch` (1 and 2 local workers, Ray): their rate, "
                       "the per-submission overhead against a single grade, the peak memory")
    bench.add_argument("--rounds", type=_positive_int, metavar="N",
                       help="runs of each measure, taken in turn; the median is reported (default: 3)")
    bench.set_defaults(run=_benchmark)

    for name, run, what in (("fixtures", _fixtures, "fixtures/"), ("template", _template, "student_template/")):
        verb = verbs.add_parser(name, help=f"regenerate or verify {what}")
        verb.add_argument("action", choices=("regen", "verify"))
        verb.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
