# Two commands for a newcomer: `make run` and `make test`. Everything else here serves those two.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# What `make setup` installs: exactly the versions in uv.lock (with their hashes), exported from it.
LOCKED := $(VENV)/requirements-locked.txt
FLASK := TRACKER_ENV=development $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup system-deps assets lint pytest browser-deps seed demo-users clean lock lock-check mutation

run: setup seed demo-users ## Set everything up and serve the app on http://127.0.0.1:5000 (with the worker)
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: setup lock-check browser-deps lint pytest ## Set everything up and run the whole suite

setup: system-deps $(VENV)/.installed assets
	$(BIN)/python -m compileall -q tracker wsgi.py  # the app's own bytecode too (only what changed is redone)

system-deps:
	sh scripts/ensure-system-deps.sh

# uv itself, at the version scripts/uv-requirements.txt pins, is the one thing installed without the lock.
$(UV): scripts/uv-requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r scripts/uv-requirements.txt
	touch $@

# Libraries are compiled to bytecode as they are installed: where PYTHONDONTWRITEBYTECODE is set (as many
# images set it), every process would otherwise compile them from source each time it starts (about three
# seconds of a worker's boot; see benchmarks/startup.py).
$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	$(UV) export --quiet --frozen --extra dev --no-emit-project -o $(LOCKED)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r $(LOCKED)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

lock: $(UV) ## Regenerate uv.lock after changing the dependencies in pyproject.toml
	$(UV) lock

lock-check: $(UV) ## Fail when pyproject.toml and uv.lock disagree (run `make lock` to mend)
	$(UV) lock --check

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: node_modules/.installed
	node scripts/build-assets.mjs

seed: setup
	$(FLASK) seed

demo-users: seed
	$(FLASK) create-demo-users

browser-deps:
	sh scripts/ensure-system-deps.sh --browser

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

pytest: $(VENV)/.installed
	$(BIN)/pytest

mutation: $(VENV)/.installed ## Mutation-test the rule modules (not part of make test; a few minutes)
	rm -rf mutants
	-$(BIN)/mutmut run --max-children 2
	$(BIN)/python scripts/mutation_scores.py

clean:
	rm -rf $(VENV) node_modules tracker/static instance
