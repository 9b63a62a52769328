# Two commands set everything up on a fresh machine (see README):
#   make grade   install, then grade the bundled submissions (solutions/ and exercises/)
#   make test    install, then run the kit's own tests (what CI runs)
# Everything goes into the project's own virtual environment, .venv/ (nothing outside the
# checkout is installed into: two checkouts on one machine never use each other's kit).
# BASE_PYTHON makes it (3.11); PYTHON is the environment's own.
BASE_PYTHON ?= python3
VENV ?= .venv
PYTHON = $(VENV)/bin/python
PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check

.PHONY: install sandbox grade test test-quick test-exercise bench doctor slurm-up slurm-down

$(PYTHON):
	$(BASE_PYTHON) -m venv $(VENV)

install: sandbox $(PYTHON)
	$(PIP) -e ".[test]"

# Bubblewrap is the grader's sandbox (see autograder/sandbox/isolation.py). Installed
# where this user can (root with apt-get); elsewhere the kit says which fallback it uses.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1)); } || \
	  echo "note: bubblewrap (bwrap) is not installed; student code runs with weaker isolation (python -m autograder doctor)"

grade: install
	$(PYTHON) -m autograder grade solutions
	$(PYTHON) -m autograder grade exercises

test: install
	$(PYTHON) -m pytest -q

# The quick tier: every module, no training run, under 5 minutes on 2 cores (tests/conftest.py
# marks the rest `slow`); then the same tier on a changed copy of the course (points raised, an
# exercise scaffolded, one dropped: scripts/changed_course.py), which must stay green too.
test-quick: install
	$(PYTHON) -m pytest -q -m "not slow"

# One exercise: its zoo, notebooks, lesson, release, Gradescope and nbgrader checks (EX=<id>).
test-exercise: install
	@test -n "$(EX)" || { echo "usage: make test-exercise EX=<exercise id>"; exit 2; }
	$(PYTHON) -m pytest -q --exercise "$(EX)"

bench: install
	$(PYTHON) scripts/bench.py

doctor: install
	$(PYTHON) -m autograder doctor

# A one-node Slurm cluster on this machine (root with apt-get), for trying batch --executor slurm
# by hand: what tests/test_slurm.py starts in its fixture (README, "Where courses run").
slurm-up:
	$(PYTHON) scripts/slurm_cluster.py up

slurm-down:
	$(PYTHON) scripts/slurm_cluster.py down
