# publish: two commands on a fresh machine (Python 3.11, Java 17, Pango):
#   make        create .venv if needed and build the sample into dist/
#   make test   run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all build test lint renders bench clean

all: build

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/publish build .

test: $(STAMP)
	$(BIN)/python -m pytest
	$(BIN)/ruff check publish tests scripts benchmarks
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check publish tests scripts benchmarks
	$(BIN)/mypy

# PNG renders of the sample for the README (docs/images/).
renders: build
	$(BIN)/python scripts/render_previews.py

# publish against Pandoc on the sample and books of about 20, 100 and 500 pages (several minutes);
# results go to benchmarks/README.md.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py --write

clean:
	rm -rf dist build .pytest_cache .publish-cache
