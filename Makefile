# Two commands set everything up on a fresh machine (see README):
#   make grade   install, then grade the bundled submissions (solutions/ and exercises/)
#   make test    install, then run the kit's own tests (what CI runs)
PYTHON ?= python3
PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check

.PHONY: install grade test bench

install:
	$(PIP) -e ".[test]"

grade: install
	$(PYTHON) -m autograder grade solutions
	$(PYTHON) -m autograder grade exercises

test: install
	$(PYTHON) -m pytest -q

bench: install
	$(PYTHON) scripts/bench.py
