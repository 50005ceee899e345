# Two entry points: `make run` (set up, then the main job: the MRV of the default coastal alkalinity
# release, report in out/oae_point_release/report.md) and `make test` (set up, then all tests: tests/ and
# the notebooks, executed by nbmake; the documentation site is built by tests/test_docs.py).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= out/oae_point_release
STAMP  := $(VENV)/.installed

.PHONY: run test install bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/oceancdr mrv configs/oae_point_release.yaml --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q --nbmake tests notebooks

docs: $(STAMP)
	$(BIN)/python -m mkdocs build --strict

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/oceancdr bench --quick

clean:
	rm -rf $(VENV) out site .pytest_cache
