# The two commands of the README: `make serve` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BUILD := build
HOST ?= 127.0.0.1
PORT ?= 8000

BUILD_INPUTS := $(wildcard kg/sources/*) $(wildcard kg/*.py) kg/annotation.schema.json ontology/kg.ttl $(wildcard shapes/*.ttl)

.PHONY: install build validate serve test lint docs clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $@

build: $(BUILD)/store/CURRENT

$(BUILD)/store/CURRENT: $(STAMP) $(BUILD_INPUTS)
	$(BIN)/kg build --build-dir $(BUILD)

validate: build
	$(BIN)/kg validate --build-dir $(BUILD)

serve: validate
	$(BIN)/kg serve --build-dir $(BUILD) --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	$(BIN)/pytest

docs: $(STAMP)
	mkdir -p docs/ontology
	$(BIN)/pylode ontology/kg.ttl -o docs/ontology/index.html

clean:
	rm -rf $(BUILD) $(VENV) docs/ontology
