# The two commands of the README. Each creates the environment (.venv) if it is missing.
PYTHON ?= python3
VENV ?= .venv
SUBMISSION ?= reference_solution
RESULTS ?= results.json
BIN := $(VENV)/bin

.PHONY: grade test build env clean

# The environment is rebuilt when the pinned requirements or the packaging change;
# setup.sh is the one installation path, here and on Gradescope.
$(VENV)/.installed: requirements.txt pyproject.toml setup.sh
	AUTOGRADER_VENV=$(VENV) PYTHON=$(PYTHON) ./setup.sh
	touch $@

env: $(VENV)/.installed

## grade: grade SUBMISSION (default: the reference), print the table, write $(RESULTS)
grade: $(VENV)/.installed
	$(BIN)/python -m autograder grade $(SUBMISSION) --results $(RESULTS)

## test: the whole self-test suite (what CI runs)
test: $(VENV)/.installed
	$(BIN)/python -m pytest autograder/tests tests/selfcheck -q --durations=15

## build: autograder.zip for Gradescope (never contains the reference solution)
build: $(VENV)/.installed
	$(BIN)/python -m autograder build --output autograder.zip

clean:
	rm -rf $(VENV) $(RESULTS) autograder.zip *.egg-info
