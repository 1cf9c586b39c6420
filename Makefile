# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench check-knowledge browser clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: $(STAMP)
	PORT=$(PORT) $(VENV)/bin/gunicorn wsgi:app

test: $(STAMP) browser
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

clean:
	rm -rf $(VENV) instance .pytest_cache
