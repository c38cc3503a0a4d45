# Everything runs from a virtual environment in .venv, made on first use with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: up test check lint typecheck pytest bench clean

## up: install credstack and run the issuer, wallet and verifier on embedded defaults
up: $(VENV)/.installed
	$(BIN)/credstack up

## test: install credstack with its test tools, then lint, type-check and run the suite
test: $(VENV)/.installed-test
	$(MAKE) --no-print-directory check

check: lint typecheck pytest

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

## bench: issuance, ours against the independent OpenID4VCI issuer with the same client, side
## by side (SQLite; PostgreSQL too when CREDSTACK_BENCH_POSTGRES_URL names an admin URL)
bench: $(VENV)/.installed-test
	test -d tests/interop/node_modules/@openid4vc || (cd tests/interop && npm ci --no-audit --no-fund)
	$(BIN)/python bench/issuance_vs_peer.py

$(VENV)/.created:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "credstack needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.created pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/interop/node_modules
