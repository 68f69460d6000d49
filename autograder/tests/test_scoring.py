"""From outcomes to per-question scores and the sentences that explain them."""
import pytest

from autograder.config import Question
from autograder.scoring import (
    ERROR, FAILED, NOT_RUN, PASSED, SKIPPED, XFAILED, XPASSED, TestOutcome, format_table, score_all,
)

Q1 = Question("q1", "1", "First", 4.0)
Q2 = Question("q2", "2", "Second", 2.0)


def outcome(name, result, question="q1", message="", **kwargs):
    return TestOutcome(nodeid=f"tests/test_x.py::{name}", question=question, outcome=result, message=message, **kwargs)


def score_one(*outcomes, question=Q1):
    (result,) = score_all([question], outcomes)
    return result


@pytest.mark.parametrize(
    "result, earned",
    [(PASSED, 4.0), (XPASSED, 4.0), (FAILED, 0.0), (ERROR, 0.0), (SKIPPED, 0.0), (XFAILED, 0.0), (NOT_RUN, 0.0)],
)
def test_each_outcome_earns_all_or_nothing(result, earned):
    assert score_one(outcome("t", result, message="why")).score == earned


def test_a_question_scores_its_share_of_passed_weight():
    result = score_one(
        outcome("a", PASSED), outcome("b", PASSED), outcome("c", FAILED, message="wrong"),
        outcome("d", SKIPPED, message="needs torch"),
    )
    assert result.score == 2.0 and result.max_score == 4.0 and not result.passed
    assert result.output.splitlines() == [
        "2 of 4 checks failed:",
        "- c: wrong",
        "- d: skipped: needs torch",
    ]


def test_weights_count():
    result = score_one(outcome("a", PASSED, weight=3.0), outcome("b", FAILED, weight=1.0, message="x"))
    assert result.score == 3.0


@pytest.mark.parametrize("partial, earned", [(4.0, 4.0), (15.0, 10.0), (-3.0, 0.0)])
def test_partial_credit_is_clipped_to_the_weight(partial, earned):
    question = Question("pc", "1", "Partial", 10.0)
    result = score_one(outcome("t", FAILED, question="pc", weight=10.0, partial_score=partial, message="x"),
                       question=question)
    assert result.score == earned


def test_partial_credit_on_a_passing_check_says_what_it_earned():
    question = Question("pc", "1", "Partial", 1.0)
    result = score_one(outcome("t", PASSED, question="pc", partial_score=0.25), question=question)
    assert (result.score, result.output) == (0.25, "The check failed: earned 0.25 of 1 (partial credit)")


def test_every_question_appears_in_number_order_even_without_tests():
    questions = [Question("b", "1.10", "B", 1), Question("a", "1.2", "A", 1), Question("c", "10", "C", 1),
                 Question("d", "2", "D", 1)]
    results = score_all(questions, [outcome("t", PASSED, question="a")])
    assert [r.question.number for r in results] == ["1.2", "1.10", "2", "10"]
    empty = results[1]
    assert empty.score == 0
    assert empty.output == "No test checks this question, so it scores 0; tell the course staff."


def test_all_passed_and_the_single_check():
    assert score_one(outcome("a", PASSED), outcome("b", PASSED)).output == "All 2 checks passed."
    assert score_one(outcome("a", PASSED)).output == "The check passed."


def test_the_same_message_is_given_once():
    message = "double is not implemented yet (mod.py, line 3)."
    result = score_one(*(outcome(f"t{i}", ERROR, message=message) for i in range(3)))
    assert result.output == f"All 3 checks failed: {message}"
    result = score_one(outcome("a", PASSED), *(outcome(f"t{i}", FAILED, message=message) for i in range(2)))
    assert result.output == f"2 of 3 checks failed: {message}"


def test_not_run_says_why():
    result = score_one(outcome("t", NOT_RUN, message="time budget exhausted"))
    assert result.output == "not run: time budget exhausted"


def test_unfinished_checks_lead_with_their_reason():
    budget = "time budget exhausted (the whole run may take 3 s)"
    result = score_one(*(outcome(f"t{i}", NOT_RUN, message=budget) for i in range(3)))
    assert result.output == f"not run: {budget} (none of its 3 checks finished)"
    result = score_one(outcome("a", PASSED), outcome("b", FAILED, message="wrong"),
                       outcome("c", NOT_RUN, message=budget), outcome("d", NOT_RUN, message=budget))
    assert result.output.splitlines() == [f"not run: {budget} (2 of its 4 checks did not finish)",
                                          "1 of 4 checks failed: wrong"]
    assert result.summary == f"not run: {budget} (2 of its 4 checks did not finish)"


def test_unfinished_checks_with_different_reasons_are_listed():
    result = score_one(outcome("a", NOT_RUN, message="crashed during this test"),
                       outcome("b", NOT_RUN, message="stopped early, during a"))
    assert result.output.splitlines() == ["not run: 2 of its 2 checks did not finish:",
                                          "- a: crashed during this test", "- b: stopped early, during a"]


def test_a_check_less_visible_than_its_question_leaks_nothing():
    secret = "expected 42.123 at index [3]"
    result = score_one(
        outcome("a", FAILED, message="visible reason"),
        outcome("secret_case_name", FAILED, message=secret, visibility="after_due_date", notes=["secret note"],
                stdout="secret print"),
        outcome("c", NOT_RUN, message="stopped early", visibility="hidden"),
    )
    text = result.output
    assert "visible reason" in text
    for leak in (secret, "secret_case_name", "secret note", "secret print", "stopped early"):
        assert leak not in text
    assert text.splitlines()[1:] == ["- a: visible reason", "- a hidden check did not pass",
                                     "- a hidden check did not pass"]


def test_a_hidden_check_does_not_leak_its_message():
    secret = "expected 42.123 at index [3]"
    result = score_one(outcome("a", PASSED), outcome("b", FAILED, message=secret, visibility="hidden"))
    assert secret not in result.output
    assert "a hidden check did not pass" in result.output


def test_a_hidden_question_shows_its_own_messages():
    hidden = Question("h", "1", "Hidden", 1.0, visibility="hidden")
    result = score_one(outcome("b", FAILED, question="h", message="wrong", visibility="hidden"), question=hidden)
    assert "wrong" in result.output


@pytest.mark.parametrize("hide, shown", [("Check your shapes.", "Check your shapes."), ("", "a check failed")])
def test_hide_errors_replaces_the_message(hide, shown):
    result = score_one(outcome("b", FAILED, message="secret detail", hide_errors=hide))
    assert "secret detail" not in result.output
    assert result.output.endswith(shown)


def test_notes_are_added_once():
    note = "f changed its input x in place; ..."
    result = score_one(outcome("a", PASSED, notes=[note]), outcome("b", PASSED, notes=[note]))
    assert result.output == f"All 2 checks passed.\nnote: {note}"


def test_a_long_message_is_clipped():
    result = score_one(outcome("a", FAILED, message="x" * 5000))
    assert len(result.output) < 2000 and "more characters cut" in result.output


def test_summary_joins_a_heading_with_its_first_reason():
    result = score_one(outcome("a", FAILED, message="first reason"), outcome("b", FAILED, message="second"))
    assert result.summary == "All 2 checks failed: first reason"


def test_outcomes_round_trip_through_dicts():
    original = outcome("a", FAILED, message="m", tags=["t"], leaderboard={"name": "acc", "value": 1, "order": "asc"})
    assert TestOutcome.from_dict({**original.to_dict(), "unknown_key": 1}) == original


def test_format_table():
    hidden = Question("h", "2", "A title far longer than the forty characters the table allows", 2.0, "hidden")
    results = score_all([Q1, hidden], [outcome("a", PASSED), outcome("b", FAILED, question="h", message="bad")])
    lines = format_table(results).splitlines()
    assert lines[0].split() == ["#", "Question", "Points", "Result"]
    assert lines[2].split() == ["1", "First", "4", "/", "4", "The", "check", "passed."]
    assert lines[3].startswith("2  A title far longer than the forty chara~")
    assert lines[3].endswith("0 / 2  [hidden] The check failed: bad")
    assert lines[-1].split() == ["Total", "4", "/", "6"]
    assert len({len(lines[0]), len(lines[1]), len(lines[-2])}) == 1  # rules as wide as the header


def test_student_output_is_shown_only_when_asked_and_clipped():
    printed = [outcome("a", PASSED, stdout="hello from a\n"), outcome("b", FAILED, message="m", stdout="x" * 30_000),
               outcome("c", PASSED, stdout="hidden print", visibility="hidden")]
    assert "hello" not in score_all([Q1], printed)[0].output
    (result,) = score_all([Q1], printed, show_output=True)
    verdict, shown = result.output.split("\n\n", 1)
    assert verdict == "1 of 3 checks failed: m"
    assert shown.startswith("What your code printed:\n[a]\nhello from a\n[b]\nxxx")
    assert "more characters cut" in shown and len(shown) < 10_100
    assert "hidden print" not in shown


def test_format_table_can_keep_a_question_to_itself():
    hidden = Question("h", "2", "Secret", 2.0, "hidden")
    results = score_all([Q1, hidden], [outcome("a", PASSED), outcome("b", FAILED, question="h", message="bad")])
    lines = format_table(results, redact={"hidden"}).splitlines()
    assert lines[3].split() == ["2", "Secret", "?", "/", "2", "[hidden]", "(not", "shown", "here)"]
    assert "bad" not in "\n".join(lines)


def test_a_check_not_graded_here_weighs_nothing():
    from autograder.scoring import NOT_GRADED_HERE

    result = score_one(outcome("a", PASSED), outcome("g", SKIPPED, message=NOT_GRADED_HERE + "needs a CUDA GPU"))
    assert result.score == 4.0 and result.max_score == 4.0 and result.passed
    assert result.output == "The check passed."


def test_a_question_not_graded_here_counts_zero_of_zero():
    from autograder.scoring import NOT_GRADED_HERE

    result = score_one(outcome("g", SKIPPED, message=NOT_GRADED_HERE + "needs a CUDA GPU"))
    assert result.score == 0.0 and result.max_score == 0.0 and result.passed
    assert result.output == "Not graded here, so it counts 0 of 0 points: needs a CUDA GPU"
