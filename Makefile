# The two commands of the README: `make serve` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BUILD := build
HOST ?= 127.0.0.1
PORT ?= 8000

# What `kg build` reads (an audit hook on open() lists them): the sources, the SSSOM mapping tables, the schema, the
# ontology and the shapes; and the kg package's code, its subpackages included (kg/link/ too, which proposes the links).
BUILD_INPUTS := $(wildcard kg/sources/*) $(wildcard kg/links/*.sssom.tsv) $(wildcard kg/*.py kg/*/*.py) $(wildcard kg/link/*) \
	kg/annotation.schema.json ontology/kg.ttl $(wildcard shapes/*.ttl)

NODE_STAMP := node_modules/.package-lock.json
# npm, where this machine has it, installs the browser tools: the query editor (YASGUI), the API explorer and the
# tests' Comunica client. `make serve` goes without them (/query is then a plain form); `make test` needs them.
NPM := $(shell command -v npm 2>/dev/null)
NODE_TOOLS := $(if $(NPM),$(NODE_STAMP))

BENCH_SIZES ?= 100k,1M
BENCH_ARGS ?=

.PHONY: install build validate serve test lint docs browser java virtuoso bench load fuzz clean

install: $(STAMP) $(NODE_TOOLS)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The query UI's assets (YASGUI) and the Comunica test client come from the npm registry, pinned by package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	@$(if $(NPM),,echo "make: npm not found; make test needs it (Node.js and npm) for the query editor and the Comunica client: install them, then run make test again" >&2; exit 1)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's chromium; install it once if this machine lacks it (needs root, as here).
browser:
	@command -v chromium >/dev/null || [ "$$(id -u)" = 0 ] || { echo "make: chromium not found; make test needs it for the browser tests: install it (apt-get install chromium), or run make test once as root" >&2; exit 1; }
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

# The OWL reasoner test runs HermiT (bundled with owlready2), a Java program; install a JRE once if this machine lacks it.
java:
	@command -v java >/dev/null || [ "$$(id -u)" = 0 ] || { echo "make: java not found; make test needs it for the OWL reasoner test: install a JRE (apt-get install default-jre-headless), or run make test once as root" >&2; exit 1; }
	@command -v java >/dev/null || { apt-get update -q && apt-get install -y -q default-jre-headless; }

# Issue 15: the tests run on the embedded store and on a private Virtuoso 7; install it once (needs root, as here).
virtuoso:
	@command -v virtuoso-t >/dev/null || { apt-get update -q && apt-get install -y -q virtuoso-opensource; }

build: $(BUILD)/store/CURRENT

$(BUILD)/store/CURRENT: $(STAMP) $(BUILD_INPUTS)
	$(BIN)/kg build --build-dir $(BUILD)

validate: build
	$(BIN)/kg validate --build-dir $(BUILD)

serve: validate $(NODE_TOOLS)
	@$(if $(NPM),,echo "npm not found: /query is a plain form; for the full query editor install Node.js and npm, then run make serve again")
	$(BIN)/kg serve --build-dir $(BUILD) --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

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
# (several servers in front of one engine: URL=http://127.0.0.1:8001/,http://127.0.0.1:8002/; docs/deployment.md)
load: $(STAMP)
	$(BIN)/python bench/load.py --url $(or $(URL),http://$(HOST):$(PORT)/) $(if $(TOKEN),--token $(TOKEN)) --clients 50 --seconds 60

clean:
	rm -rf $(BUILD) $(VENV) docs/ontology node_modules bench/.venv bench/data
