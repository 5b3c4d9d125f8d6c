# ankigen: `make build` writes dist/*.apkg, `make test` proves it with the real Anki.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stamps record what is installed; they are redone when pyproject.toml or the exact
# versions of constraints.txt change.
BASE_STAMP := $(VENV)/.installed-base
TEST_STAMP := $(VENV)/.installed-test
# MathJax for tests/deck/test_math_typesets.py, installed with npm when there is one
# (without it that test is skipped); redone when the package lock changes.
NPM := $(shell command -v npm)
MATHCHECK := tools/mathcheck
MATHCHECK_STAMP := $(MATHCHECK)/node_modules/.installed

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BASE_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(TEST_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,dev]'
	@touch $(BASE_STAMP) $@

$(MATHCHECK_STAMP): $(MATHCHECK)/package.json $(MATHCHECK)/package-lock.json
	npm ci --prefix $(MATHCHECK) --loglevel=error --no-audit --no-fund
	@touch $@

.PHONY: install
install: $(TEST_STAMP) ## Set up .venv with everything (tests, lint) installed

.PHONY: build
build: $(BASE_STAMP) ## Build dist/*.apkg from content/
	$(BIN)/ankigen build

.PHONY: check
check: $(BASE_STAMP) ## Validate content/ without writing anything
	$(BIN)/ankigen check

.PHONY: figures
figures: $(BASE_STAMP) ## Render every figure to build/figures/ (PNG and SVG) to look at
	$(BIN)/ankigen figures --out build/figures

.PHONY: preview
preview: $(BASE_STAMP) ## Write build/preview/index.html: every card as Anki shows it (offline)
	$(BIN)/ankigen preview

.PHONY: test
test: $(TEST_STAMP) ## Run the test suite (imports decks with the official anki package)
	$(BIN)/python -m pytest

ifneq ($(NPM),)
test: $(MATHCHECK_STAMP)
endif

.PHONY: lint
lint: $(TEST_STAMP) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

.PHONY: format
format: $(TEST_STAMP) ## Reformat the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: bench
bench: $(BASE_STAMP) ## Time builds of the deck and of 10,000 and 50,000 cards (AGAINST=rev compares)
	$(BIN)/python benchmarks/bench_build.py $(if $(AGAINST),--against $(AGAINST))

.PHONY: clean
clean: ## Remove build outputs (keeps .venv)
	rm -rf dist build
