# Two commands do all set-up: `make demo` and `make test`. Everything goes into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv test test-core lint demo clean

$(STAMP): requirements-dev.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest
	$(MAKE) test-core

# The reliability tests alone (real servers, faults, hostile input, secrets;
# docs/reliability.rst). They are also collected by `make test` (testpaths = tests), so CI runs
# them there.
.PHONY: test-reliability
test-reliability: $(STAMP)
	$(PY) -m pytest tests/reliability -q

# ot_views must import and pass its tests without DRF: a second venv without it.
NODRF := .venv-nodrf
test-core:
	test -x $(NODRF)/bin/python || $(PYTHON) -m venv $(NODRF)
	$(NODRF)/bin/python -m pip install --quiet --upgrade pip
	$(NODRF)/bin/python -m pip install --quiet $$(grep -viE '^(#|djangorestframework)' requirements-dev.txt)
	$(NODRF)/bin/python -m pip install --quiet -e .
	! $(NODRF)/bin/python -c "import rest_framework" 2>/dev/null
	$(NODRF)/bin/python -m pytest -p no:cacheprovider -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check ot_views ot_views_drf

# Per-request cost against untraced views, the tracer's own work and the two peers (installed
# here, they are not test dependencies), then 100,000 requests of flat memory
# (docs/performance.rst).
.PHONY: bench
bench: $(STAMP)
	$(PY) -m pip install --quiet "django-opentracing==1.1.0" opentelemetry-instrumentation-django
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/bench.py --memory

# The version matrix, mypy --strict and the built wheel, all through tox (tox.ini).
# tox goes into .venv; the pyenv interpreters go on PATH so it finds python3.10 ... python3.13.
TOX := $(VENV)/bin/tox
PYENV_ROOT ?= $(HOME)/.pyenv
TOX_PATH := $(shell ls -d $(PYENV_ROOT)/versions/3.1*/bin 2>/dev/null | tr '\n' ':')$(PATH)
.PHONY: matrix typecheck wheel-test

$(TOX): $(STAMP)
	$(PY) -m pip install --quiet "tox>=4.11"
	touch $(TOX)

matrix: $(TOX)
	PATH="$(TOX_PATH)" $(TOX) run

typecheck: $(TOX)
	PATH="$(TOX_PATH)" $(TOX) run -e typecheck

wheel-test: $(TOX)
	PATH="$(TOX_PATH)" $(TOX) run -e wheel

# Two sample_api processes (uvicorn, 127.0.0.1, free ports), a scripted scenario, its traces as
# trees; runs until Ctrl-C. DEMO_ONESHOT=1 exits after the scenario.
demo: $(STAMP)
	$(PY) -m sample_api.demo

# The viewer's /traces/ pages in headless Chromium against the running demo
# (sample_api/tests/e2e). Installs what it needs: Debian's chromium + chromium-driver (root, apt;
# skipped when present) and Selenium (into .venv; not a `make test` dependency). Screenshots:
# artifacts/e2e/*.png.
.PHONY: e2e
E2E_SELENIUM := selenium>=4.20
e2e: $(STAMP)
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "e2e: apt-get install chromium chromium-driver (as root) first" >&2; exit 1; \
	else \
	  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq chromium chromium-driver \
	    >/dev/null || { timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    timeout 900 apt-get install -y -qq chromium chromium-driver >/dev/null; }; \
	fi
	$(PY) -c "import selenium" 2>/dev/null || timeout 300 $(PY) -m pip install --quiet "$(E2E_SELENIUM)"
	OT_VIEWS_E2E=1 timeout -s INT -k 60 600 $(PY) -m pytest sample_api/tests/e2e -q

clean:
	rm -rf $(VENV) $(NODRF) .tox build dist *.egg-info .pytest_cache .ruff_cache

# Mutation testing of the core (mutmut 3 and pytest-timeout, installed here: not `make test`
# dependencies). The fast test subset on two workers; prints module, mutants, killed, equivalent,
# score. Equivalent mutants are listed with the reason in mutation/equivalents/ (a file per
# module). A full run takes 95 minutes on two idle cores (docs/mutation.rst): not part of
# `make test` or .ci/run. MUTATION_ARGS=--keep reuses the last run's results for unchanged
# functions; "--keep --retest" runs its survivors again.
.PHONY: mutation
MUTMUT := mutmut>=3.8,<4
PYTEST_TIMEOUT := pytest-timeout>=2.3,<3
MUTATION_MODULES := ot_views/span.py ot_views/attributes.py ot_views/redaction.py ot_views/reading.py \
	ot_views/propagation.py ot_views/adapters.py ot_views/tracer.py ot_views/faults.py \
	ot_views/middleware.py ot_views/mixins.py ot_views/decorators.py ot_views/naming.py \
	ot_views_drf/mixins.py
MUTATION_JOBS ?= 2
MUTATION_ARGS ?=
mutation: $(STAMP)
	$(PY) -c "import importlib.metadata as m; m.version('mutmut'); m.version('pytest-timeout')" \
	  2>/dev/null || $(PY) -m pip install --quiet "$(MUTMUT)" "$(PYTEST_TIMEOUT)"
	$(PY) scripts/mutation.py --modules "$(MUTATION_MODULES)" --jobs $(MUTATION_JOBS) $(MUTATION_ARGS)

# The documentation site (docs/), warnings as errors. Sphinx goes into .venv from
# docs/requirements.txt; the pages' Python examples are run by tests/test_docs_examples.py.
.PHONY: docs
DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): docs/requirements.txt $(STAMP)
	$(PY) -m pip install --quiet -r docs/requirements.txt
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
