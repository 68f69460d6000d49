# The commands of the README. Each creates the environment (.venv) if it is missing.
#   make grade [ASSIGNMENT=assignments/<name>] [SUBMISSION=path/to/code]
#   make test            every assignment, the framework, end to end (what CI runs)
#   make test-core | test-assignments | test-audit | test-e2e    one part of it
PYTHON ?= python3
VENV ?= .venv
ASSIGNMENT ?= .
SUBMISSION ?=
RESULTS ?= results.json
BIN := $(VENV)/bin
# Every assignment's own extra dependencies (assignments/*/requirements.txt), the cluster extra (ray) the
# batch self-checks use, and pytest-xdist, which spreads the suite over the cores: installed for
# development and CI, never on Gradescope (each zip brings its own).
EXTRAS := $(wildcard assignments/*/requirements.txt)
SUITE := autograder/tests tests/selfcheck $(wildcard assignments/*/tests/selfcheck)
# The suite runs on JOBS pytest-xdist workers (CI has two cores); each worker takes an assignment's
# self-checks whole (tests/selfcheck/conftest.py: work_unit), so every submission is still graded once.
JOBS ?= 2
XDIST := -n $(JOBS) --dist loadgroup
PYTEST := $(BIN)/python -m pytest $(SUITE) -q -p no:cacheprovider --import-mode=importlib --durations=15 $(XDIST)

.PHONY: grade test test-core test-assignments test-audit test-e2e build handout env clean

# The environment is rebuilt when the pinned requirements, the packaging or this file change;
# setup.sh is the one installation path, here and on Gradescope.
$(VENV)/.installed: requirements.txt pyproject.toml setup.sh Makefile $(EXTRAS)
	AUTOGRADER_VENV=$(VENV) PYTHON=$(PYTHON) ./setup.sh
	$(foreach extra,$(EXTRAS),$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(extra) &&) true
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "ray==2.60.0" "pytest-xdist==3.8.0"
	touch $@

env: $(VENV)/.installed

## grade: grade SUBMISSION (default: the assignment's reference), print the table, write $(RESULTS)
grade: $(VENV)/.installed
	$(BIN)/python -m autograder --assignment $(ASSIGNMENT) grade $(SUBMISSION) --results $(RESULTS)

## test: the whole self-test suite (what CI runs), the 15 slowest steps at the end
test: $(VENV)/.installed
	$(PYTEST)

test-core: $(VENV)/.installed
	$(BIN)/python -m pytest autograder/tests -q -p no:cacheprovider --durations=10 $(XDIST)

test-assignments: $(VENV)/.installed
	$(PYTEST) -m assignment

test-audit: $(VENV)/.installed
	$(PYTEST) -m audit

test-e2e: $(VENV)/.installed
	$(PYTEST) -m e2e

## build: the Gradescope zip of ASSIGNMENT (never contains the reference solution)
build: $(VENV)/.installed
	$(BIN)/python -m autograder --assignment $(ASSIGNMENT) build --output autograder.zip

## handout: what students download, for ASSIGNMENT
handout: $(VENV)/.installed
	$(BIN)/python -m autograder --assignment $(ASSIGNMENT) handout --output handout.zip

clean:
	rm -rf $(VENV) $(RESULTS) autograder.zip handout.zip *.egg-info
