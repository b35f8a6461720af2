# Two commands: `make run` (the app with demo data, worker and beat) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test test-slow e2e lint migrate seed messages constraints bench clean

# constraints.txt pins every transitive dependency too, so a fresh clone installs what was tested.
$(VENV)/.runtime: requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt constraints.txt $(VENV)/.runtime
	$(PIP) install --disable-pip-version-check -q -r requirements-dev.txt -c constraints.txt
	touch $@

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py run_stack

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The unit suite (under two minutes); the tests that start real processes run with `make test-slow`.
test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -m "not e2e and not slow" -n 2 --create-db

test-slow: $(VENV)/.dev
	$(VENV)/bin/pytest -m "slow and not e2e" -n 2 --create-db

# Browser tests: need Debian's chromium (apt-get install chromium fonts-wqy-microhei).
e2e: $(VENV)/.dev
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -m e2e -p no:xdist --create-db

messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete -i ".venv/*" -i "var/*" -i "static/*" -i "tests/*" -i "bench/*"
	$(PY) manage.py compilemessages -l zh_Hans -i .venv -i var

# After changing a requirements file and installing it into .venv: pin what is installed now
# (polib is a translator's helper, not a dependency).
constraints:
	{ sed -n '1,2p' constraints.txt; $(PIP) freeze --disable-pip-version-check --exclude polib; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

# Against DATABASE_URL: the bench data (generated when there is none: BENCH_SIZE, default the README's), the request
# table and the HTTP runs (gunicorn + wrk). Sizes and results: bench/README.md, bench/RESULTS.md.
BENCH_SIZE ?= --customers 20000 --complaints 50000
bench: $(VENV)/.dev
	$(PY) -m bench.generate --reuse $(BENCH_SIZE)
	DJANGO_DEBUG=false $(PY) -m bench.run
	DJANGO_DEBUG=false $(PY) -m bench.http

clean:
	rm -rf var/ $(VENV)
