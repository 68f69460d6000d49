"""The framework's own tests (run with `pytest autograder/tests`; a student's `pytest` never collects them)."""
