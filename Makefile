# The two commands that matter: `make run` and `make test`. Both set up from nothing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.sqlite
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
PYTEST_ARGS ?=

.PHONY: run test demo lint bench i18n clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@ $(STAMP_RUN)

$(DEMO_DB): | $(STAMP_RUN)
	$(BIN)/torgtui demo --db $(DEMO_DB)

run: $(STAMP_RUN) $(DEMO_DB)
	$(BIN)/torgtui --db $(DEMO_DB)

test: $(STAMP_TEST)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP_TEST)
	$(BIN)/ruff check torgtui tests bench tools

bench: $(STAMP_TEST)
	$(BIN)/python -m bench

i18n: $(STAMP_TEST)
	$(BIN)/python tools/i18n.py extract
	$(BIN)/python tools/i18n.py compile

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
