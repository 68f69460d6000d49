"""The command line: ``python -m autograder VERB`` (also installed as ``autograder``).

    grade SUBMISSION [--results PATH]   grade a folder, print the table, write results.json
    fixtures regen | verify             regenerate or check fixtures/ from the reference
    template regen | verify             regenerate or check student_template/ from the reference
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.config import ConfigError, load_config


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading import grade

    config = load_config(args.config)
    submission = Path(args.submission) if args.submission else config.reference_dir
    results_path = Path(args.results) if args.results else None
    report = grade(submission, config, results_path)
    print(f"Grading {submission}")
    print(report.table)
    if report.data.get("output"):
        print(report.data["output"])
    if results_path:
        print(f"results written to {results_path}")
    return 0  # whatever the submission did; the verdict is in the file


def _fixtures(args: argparse.Namespace) -> int:
    from autograder import fixtures

    config = load_config(args.config)
    if args.action == "regen":
        written = fixtures.regenerate(config)
        print(f"wrote {len(written)} fixture files and {fixtures.MANIFEST_NAME} in {config.fixtures_dir}")
        return 0
    return _report(fixtures.verify(config), f"fixtures in {config.fixtures_dir} match the reference")


def _template(args: argparse.Namespace) -> int:
    from autograder import template

    config = load_config(args.config)
    if args.action == "regen":
        written = template.regenerate(config)
        print(f"wrote {len(written)} files in {config.template_dir}")
        return 0
    return _report(template.verify(config), f"{config.template_dir.name}/ matches the reference")


def _report(problems: list[str], ok_message: str) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(ok_message)
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Grade neural-network homework.")
    parser.add_argument("--config", help="path of autograder.yml (default: found from the current folder)")
    verbs = parser.add_subparsers(dest="verb", required=True)

    grade = verbs.add_parser("grade", help="grade a submission folder")
    grade.add_argument("submission", nargs="?", help="the folder to grade (default: the reference solution)")
    grade.add_argument("--results", help="where to write results.json")
    grade.set_defaults(run=_grade)

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
