# The two commands of the README: `make serve` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BUILD := build
HOST ?= 127.0.0.1
PORT ?= 8000

BUILD_INPUTS := $(wildcard kg/sources/*) $(wildcard kg/*.py) kg/annotation.schema.json ontology/kg.ttl $(wildcard shapes/*.ttl)

NODE_STAMP := node_modules/.package-lock.json

BENCH_SIZES ?= 100k,1M
BENCH_ARGS ?=

.PHONY: install build validate serve test lint docs browser java virtuoso bench load fuzz clean

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The query UI's assets (YASGUI) and the Comunica test client come from the npm registry, pinned by package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's chromium; install it once if this machine lacks it (needs root, as here).
browser:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

# The OWL reasoner test runs HermiT (bundled with owlready2), a Java program; install a JRE once if this machine lacks it.
java:
	@command -v java >/dev/null || { apt-get update -q && apt-get install -y -q default-jre-headless; }

# Issue 15: the tests run on the embedded store and on a private Virtuoso 7; install it once (needs root, as here).
virtuoso:
	@command -v virtuoso-t >/dev/null || { apt-get update -q && apt-get install -y -q virtuoso-opensource; }

build: $(BUILD)/store/CURRENT

$(BUILD)/store/CURRENT: $(STAMP) $(BUILD_INPUTS)
	$(BIN)/kg build --build-dir $(BUILD)

validate: build
	$(BIN)/kg validate --build-dir $(BUILD)

serve: validate $(NODE_STAMP)
	$(BIN)/kg serve --build-dir $(BUILD) --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) $(NODE_STAMP) browser java virtuoso lint
	$(BIN)/pytest

# Issue 12: 10,000 generated deep and long queries and updates against a real `kg serve` (about 20 minutes);
# prints how they were answered. `make test` runs 300 of them.
fuzz: $(STAMP)
	KG_FUZZ_DEEP=$(or $(FUZZ_EXAMPLES),5000) $(BIN)/pytest tests/test_fuzz.py -q -s -k deep

docs: $(STAMP)
	mkdir -p docs/ontology
	$(BIN)/pylode ontology/kg.ttl -o docs/ontology/index.html
	@echo "ontology documentation: docs/ontology/index.html (also served at /ontology)"

# The side-by-side benchmark (issue 8): installs its own peers (bench/setup.sh), writes bench/RESULTS.md.
bench: $(STAMP)
	bash bench/setup.sh
	bench/.venv/bin/python bench/run.py --sizes $(BENCH_SIZES) $(BENCH_ARGS)

# The bounded load test against a server started with a write token: make load URL=… TOKEN=…
load: $(STAMP)
	$(BIN)/python bench/load.py --url $(or $(URL),http://$(HOST):$(PORT)/) $(if $(TOKEN),--token $(TOKEN)) --clients 50 --seconds 60

clean:
	rm -rf $(BUILD) $(VENV) docs/ontology node_modules bench/.venv bench/data
