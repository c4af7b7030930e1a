# One command per job. `make example` installs wfq and runs the shipped workflow embedded
# (SQLite + in-process worker); `make test` installs everything and runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install example test lint bench services clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

example: install
	$(BIN)/wfq run examples/nightly_backup.yaml

services:
	scripts/services.sh

lint: install
	$(BIN)/ruff check wfq workers beat listener tests
	$(BIN)/lint-imports

test: install services lint
	scripts/install-browser.sh
	$(BIN)/python -m pytest

bench: install services
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) *.egg-info wfq.sqlite*
