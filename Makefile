# Two commands set everything up on a fresh machine (see README):
#   make grade   install, then grade the bundled submissions (solutions/ and exercises/)
#   make test    install, then run the kit's own tests (what CI runs)
PYTHON ?= python3
PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check

.PHONY: install sandbox grade test bench doctor slurm-up slurm-down

install: sandbox
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

bench: install
	$(PYTHON) scripts/bench.py

doctor: install
	$(PYTHON) -m autograder doctor

# A one-node Slurm cluster on this machine (root with apt-get), for trying batch --executor slurm
# by hand: what tests/test_slurm.py starts in its fixture (README, "Where courses run").
slurm-up:
	$(PYTHON) scripts/slurm_cluster.py up
	@echo "then: export SLURM_CONF=/tmp/rnn-autograder-slurm/slurm.conf"

slurm-down:
	$(PYTHON) scripts/slurm_cluster.py down
