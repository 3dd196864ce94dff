# Two commands set everything up on a fresh machine (Python 3.11+ and the package index):
#   make run   - install, create var/ and the database, import and render the samples,
#                then start the daemon and the web page on http://127.0.0.1:8080
#   make test  - install with the test extras and run the whole test suite
#   make typecheck - mypy over broadcaster/ and web/ (settings in pyproject.toml)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast test-stress typecheck clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Broadcaster needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/broadcaster init --demo
	@echo "Web page: http://127.0.0.1:8080/  (Ctrl+C stops the daemon and the web page)"
	@trap 'kill $$web 2>/dev/null' EXIT INT TERM; \
	$(BIN)/broadcaster serve & web=$$!; \
	$(BIN)/broadcaster run

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

# No real daemon processes, no browser and no PostgreSQL server (SQLite only), on both
# cores: the quick check while working. `make test` runs everything.
test-fast: $(VENV)/.installed
	env -u BROADCASTER_TEST_DATABASE_URL -u BROADCASTER_REQUIRE_POSTGRES \
	$(BIN)/python -m pytest -q -m "not slow" -n 2

# The whole suite on a busy machine: two CPU hogs run beside it (a town's old PC is busy).
test-stress: $(VENV)/.installed
	@yes > /dev/null & hog1=$$!; yes > /dev/null & hog2=$$!; \
	trap 'kill $$hog1 $$hog2 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python -m pytest -q

typecheck: $(VENV)/.installed
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) var

# The pictures in docs/screenshots/: the browser test saves there the first screen of every
# page the README and docs/ show (by file name), so a changed page refreshes its picture.
.PHONY: screenshots
screenshots: $(VENV)/.installed
	BROADCASTER_SCREENSHOTS=docs/screenshots BROADCASTER_REQUIRE_BROWSER=1 \
	$(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/web/test_browser_layout.py::test_every_page_fits_a_phone_and_a_desk
