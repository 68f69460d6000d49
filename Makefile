# The two commands of the README. Each creates the environment (.venv) if it is missing.
PYTHON ?= python3
VENV ?= .venv
SUBMISSION ?= reference_solution
RESULTS ?= results.json
BIN := $(VENV)/bin

.PHONY: grade test env clean

# The environment is rebuilt when the pinned requirements or the packaging change.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10) and "Python 3.10 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

env: $(VENV)/.installed

## grade: grade SUBMISSION (default: the reference), print the table, write $(RESULTS)
grade: $(VENV)/.installed
	$(BIN)/python -m autograder grade $(SUBMISSION) --results $(RESULTS)

## test: the whole self-test suite (what CI runs)
test: $(VENV)/.installed
	$(BIN)/python -m pytest autograder/tests tests/selfcheck -q

clean:
	rm -rf $(VENV) $(RESULTS) autograder.zip *.egg-info
