# Two commands set everything up on a fresh machine (Python 3.11+ and the package index):
#   make run   - install, create var/ and the database, import and render the samples,
#                then start the daemon and the web page on http://127.0.0.1:8080
#   make test  - install with the test extras and run the whole test suite
#   make typecheck - mypy over broadcaster/ and web/ (settings in pyproject.toml)
# The station PC gets the program only (`pip install .`, marker .installed-run); the tests get
# an editable install with the test extras (marker .installed-test), so `make test` after
# `make run` still installs pytest, and `make run` never installs it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast test-stress typecheck clean

$(VENV)/.venv-made:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Broadcaster needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed-run: pyproject.toml | $(VENV)/.venv-made
	$(BIN)/python -m pip install --quiet .
	rm -f $(VENV)/.installed-test
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/.venv-made
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-run
	touch $@

run: $(VENV)/.installed-run
	$(BIN)/broadcaster init --demo
	@echo "Web page: http://127.0.0.1:8080/  (Ctrl+C stops the daemon and the web page)"
	@trap 'kill $$web 2>/dev/null' EXIT INT TERM; \
	$(BIN)/broadcaster serve & web=$$!; \
	$(BIN)/broadcaster run

# Six workers on two cores: the slow tests mostly wait (on a slot, a daemon, a broker, a
# stream playing in real time), so three workers a core keep both cores busy (four workers took
# 15 min 48 s once the relay tests came, over the 15-minute budget). Each test owns its ports,
# folders and databases.
# Work stealing: a worker that runs dry takes tests queued on another, so a run of slow tests
# handed to one worker at the start cannot leave it alone at the end (a 17-minute run, where
# the same tests took 11 on another day, had three workers idle for its last six minutes).
PYTEST_PARALLEL := -n 6 --dist worksteal

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q $(PYTEST_PARALLEL)

# No real daemon processes, no browser and no PostgreSQL server (SQLite only), on both
# cores: the quick check while working. `make test` runs everything.
test-fast: $(VENV)/.installed-test
	env -u BROADCASTER_TEST_DATABASE_URL -u BROADCASTER_REQUIRE_POSTGRES \
	$(BIN)/python -m pytest -q -m "not slow" -n 2

# The whole suite on a busy machine: two CPU hogs run beside it (a town's old PC is busy), and
# the property tests and state machines run thousands of examples (Hypothesis profile "stress").
test-stress: $(VENV)/.installed-test
	@yes > /dev/null & hog1=$$!; yes > /dev/null & hog2=$$!; \
	trap 'kill $$hog1 $$hog2 2>/dev/null' EXIT INT TERM; \
	BROADCASTER_HYPOTHESIS_PROFILE=stress $(BIN)/python -m pytest -q $(PYTEST_PARALLEL)

typecheck: $(VENV)/.installed-test
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) var

# The pictures in docs/screenshots/: the browser test saves there the first screen of every
# page the README and docs/ show (by file name), so a changed page refreshes its picture.
.PHONY: screenshots
screenshots: $(VENV)/.installed-test
	BROADCASTER_SCREENSHOTS=docs/screenshots BROADCASTER_REQUIRE_BROWSER=1 \
	$(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/web/test_browser_layout.py::test_every_page_fits_a_phone_and_a_desk
