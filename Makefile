# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench check-knowledge system-packages clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

# Real parts the tests drive, from Debian: chromium for the browser tests (Playwright cannot download
# its own browser here), nginx and openssl for the deployment test (deploy/). A policy-rc.d keeps apt
# from starting nginx as a system service while it installs.
SYSTEM_PACKAGES := chromium nginx openssl
system-packages:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || [ -x /usr/sbin/$$p ] || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian's$$missing for the tests..."; \
	  created=""; [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
	    chmod +x /usr/sbin/policy-rc.d; created=1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  status=$$?; [ -z "$$created" ] || rm -f /usr/sbin/policy-rc.d; exit $$status; \
	fi

run: $(STAMP)
	PORT=$(PORT) $(VENV)/bin/gunicorn wsgi:app

test: $(STAMP) system-packages
	$(PY) -m pytest -q

check-knowledge: $(STAMP)
	$(VENV)/bin/assistant kb check
	$(VENV)/bin/assistant kb test

lint: $(STAMP)
	$(VENV)/bin/ruff check assistant tests bench

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/accuracy.py
	$(PY) bench/bench_matcher.py
	$(PY) bench/probe.py --show 0
	$(PY) bench/probe.py --set bench/blind.jsonl --show 0
	$(PY) bench/bench_desk.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_scale.py
	command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
	$(PY) bench/bench_http.py

clean:
	rm -rf $(VENV) instance .pytest_cache
