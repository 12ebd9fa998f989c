# Kerbside parking backend: two commands on a fresh machine.
#
#   make run     set up everything (virtualenv, PostgreSQL + PostGIS, bundled data) and serve the API, with simulated
#                occupancy events for the bundled bays (SIMULATE=0: without)
#   make test    run the test suite against a real PostGIS
#
# Without DATABASE_URL, a private PostgreSQL cluster for this clone is used (postgis/localdb.sh: installed with
# apt-get when missing and running as root on Debian/Ubuntu; unix socket only, never clashing with a system
# server). With DATABASE_URL set, that database is used as is.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
SIMULATE ?= 1
PYTEST_ARGS ?=
BENCH_ARGS ?=
DEEP_EXAMPLES ?= 500

VENV := .venv
VENV_STAMP := $(VENV)/.kerbside-installed
LOCALDB := postgis/localdb.sh
SIMULATE_LOG := $(VENV)/simulate.log
# First line of a recipe that needs the database: exports DATABASE_URL (the `db` prerequisite has started it).
EXPORT_DATABASE_URL := DATABASE_URL="$$(postgis/env.sh)"; export DATABASE_URL
APT_INSTALL := { apt-get update || { sleep 5; apt-get update; }; } && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

.PHONY: help venv db test-tools run test test-deep lint bench stop clean

help: ## List the targets
	@echo "Usage: make TARGET [HOST=127.0.0.1] [PORT=8000] [SIMULATE=0] [PYTEST_ARGS=...] [DATABASE_URL=...]"
	echo
	awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(VENV_STAMP) ## Create .venv and install the project with its dev tools

# Re-run only when pyproject.toml changes (or the stamp is missing).
$(VENV_STAMP): pyproject.toml
	@can_apt() { [ "$$(id -u)" -eq 0 ] && [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }
	py="$(PYTHON)"
	if ! command -v "$$py" >/dev/null 2>&1 && can_apt; then
		echo "==> $$py not found: installing python3-venv (and python3)"
		$(APT_INSTALL) python3-venv
	fi
	if ! command -v "$$py" >/dev/null 2>&1; then
		echo "error: $$py not found: install Python >= 3.11 (Debian/Ubuntu: apt-get install python3 python3-venv), or set PYTHON=" >&2
		exit 1
	fi
	if ! "$$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
		echo "error: Python >= 3.11 is required, but $$py is $$("$$py" -V 2>&1): install a newer one and set PYTHON=python3.X" >&2
		exit 1
	fi
	# A venv that is missing, broken or made by an older Python is (re)created.
	if ! $(VENV)/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
		rm -rf $(VENV)
		echo "==> $$py -m venv $(VENV)"
		if ! "$$py" -m venv $(VENV); then
			rm -rf $(VENV)
			if ! can_apt; then
				echo "error: '$$py -m venv' failed: install the venv module (Debian/Ubuntu: apt-get install python3-venv)" >&2
				exit 1
			fi
			echo "==> installing python3-venv, then retrying"
			$(APT_INSTALL) python3-venv
			"$$py" -m venv $(VENV)
		fi
	fi
	echo "==> pip install -e '.[dev]'"
	$(VENV)/bin/python -m pip install --disable-pip-version-check -e '.[dev]'
	touch $@

db: ## Start the private PostGIS (unless DATABASE_URL is set) and show the URL
	@postgis/env.sh start >/dev/null

run: venv db ## Migrate, load the bundled data once, simulate live occupancy (unless SIMULATE=0) and serve on HOST:PORT
	@$(EXPORT_DATABASE_URL)
	echo "==> parking db upgrade"
	$(VENV)/bin/parking db upgrade
	echo "==> parking load bundled"
	$(VENV)/bin/parking load bundled
	simulator=
	if [ "$(SIMULATE)" != 0 ]; then
		# Simulated sensors, so that the bays show live availability at once.
		echo "==> parking simulate --source camden --hours 3 --follow (log: $(SIMULATE_LOG); SIMULATE=0 to skip)"
		$(VENV)/bin/parking simulate --source camden --hours 3 --follow >$(SIMULATE_LOG) 2>&1 &
		simulator=$$!
	fi
	echo "==> serving the API: docs at http://$(HOST):$(PORT)/docs (Ctrl-C to stop; the database keeps running: make stop)"
	# In the background, so that this shell reacts at once to Ctrl-C or a kill of make: both processes stop together.
	$(VENV)/bin/parking serve --host $(HOST) --port $(PORT) &
	server=$$!
	trap 'kill $$server $$simulator 2>/dev/null; wait; true' EXIT
	wait $$server

# The map page's tests drive Debian's chromium headless (tests/map/browser.py); the serving tests put the documented
# nginx proxy (proxy/nginx.conf) in front of a real server.
test-tools: ## Install what the tests drive beside Python (Debian's chromium and nginx; root on Debian/Ubuntu)
	@missing=""
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"  # the map page's browser tests
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"  # the documented proxy
	if [ -z "$$missing" ]; then exit 0; fi
	if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "==> installing$$missing (for the tests)"
		$(APT_INSTALL) $$missing
	else
		echo "error: missing$$missing: install them (apt-get install$$missing)" >&2
		exit 1
	fi

test: venv db test-tools ## Run the test suite (PYTEST_ARGS=...) against a real PostGIS
	@$(EXPORT_DATABASE_URL)
	echo "==> pytest $(PYTEST_ARGS)"
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Outside CI: schemathesis over every operation at depth (DEEP_EXAMPLES per operation; stateful over OpenAPI links).
test-deep: venv db ## Fuzz the API at depth (DEEP_EXAMPLES=500 examples per operation; not part of CI)
	@$(EXPORT_DATABASE_URL)
	echo "==> schemathesis: every operation, $(DEEP_EXAMPLES) examples each"
	PARKING_FUZZ_DEEP=$(DEEP_EXAMPLES) $(VENV)/bin/pytest -p no:cacheprovider tests/api/test_openapi_deep.py $(PYTEST_ARGS)

lint: venv ## ruff check
	@echo "==> ruff check ."
	$(VENV)/bin/ruff check .

bench: venv db ## Run the benchmarks (bench/run_all.sh, BENCH_ARGS=...)
	@$(EXPORT_DATABASE_URL)
	bash bench/run_all.sh $(BENCH_ARGS)

stop: ## Stop the private PostGIS cluster
	@$(LOCALDB) stop

clean: ## Stop the private cluster, delete it and .venv
	@$(LOCALDB) clean
	rm -rf $(VENV)
