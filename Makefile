# The two commands a newcomer needs are `make run` and `make test`; see README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM  # read by the settings (the PDF) and the browser tests
# Local PostgreSQL and Redis used by `make test-integration` (and by CI).
PG_URL ?= postgres://postgres@127.0.0.1:5432/jieshui
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-sqlite test-integration test-second-lane lint migrations-check messages install install-dev services chromium pdf-tools nginx bench \
	deploy-proof load clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## make run: set everything up on the embedded default (SQLite, jobs inline) and serve.
run: install chromium
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo ""
	@echo "  节水达标管理平台  http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password: $${DEMO_PASSWORD:-jieshui2026}):"
	@echo "    wulong_reviewer     武隆区水利局 审核员"
	@echo "    wulong_cgj          武隆区城管局 填报员"
	@echo "    qianjiang_reviewer  黔江区水利局 审核员"
	@echo "    qianjiang_cgj       黔江区城市管理局 填报员"
	@echo "    cq_city             重庆市水利局 市级督导（达标创建工作）"
	@echo "    expert_cqu_1        重庆大学 评估专家（另有 expert_cqu_2、expert_swu_1、expert_swu_2、expert_cqwrc）"
	@echo "    admin               系统管理员"
	@echo "    wulong_<code> / qianjiang_<code>  各部门填报员 (e.g. wulong_slj 区水利局; see README)"
	@echo "  Scheduled jobs (reminders, catch-up recomputes …): manage.py run_schedule, in the background"
	@echo "  API: http://$(HOST):$(PORT)/api/v1/docs  (a token: $(PY) manage.py create_api_token wulong_cgj_system)"
	@echo ""
	@# The embedded default has no Celery beat: run_schedule runs CELERY_BEAT_SCHEDULE in a
	@# process of its own (its output in .run_schedule.log), stopped whenever runserver stops.
	$(PY) manage.py run_schedule > .run_schedule.log 2>&1 & schedule=$$!; \
	trap 'kill $$schedule 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: lint, migration check and the whole suite; under CI also on PostgreSQL + Redis.
# Under CI two lanes share nothing — other databases, another Redis, other media folders — so
# they run side by side on the machine's two cores: the SQLite run without the tests of
# SECOND_LANE, then the load run; beside it the PostgreSQL run, the deploy proof and the
# SQLite tests of SECOND_LANE, their output kept in .ci-postgres.log and printed after. The load run's bar is zero
# errors, which the other lane's work does not move; its one minute (LOAD_SECONDS) instead of
# two keeps CI inside its budget with the same 50 users and checks; `make load` alone runs the
# full two minutes, alone on the machine, for its latencies.
test: install-dev chromium pdf-tools lint migrations-check
	@if [ "$$CI" = "true" ]; then \
	  $(MAKE) -k --no-print-directory test-integration deploy-proof test-second-lane > .ci-postgres.log 2>&1 & second=$$!; \
	  $(PY) -m pytest -m "not integration and not postgresql" $(foreach path,$(SECOND_LANE),--ignore=$(path)) \
	    --durations=25; sqlite=$$?; \
	  $(MAKE) --no-print-directory load LOAD_SECONDS=60; load=$$?; \
	  wait $$second; pg=$$?; \
	  echo "=== Second lane: PostgreSQL run, deploy proof, SQLite's second lane (.ci-postgres.log) ==="; \
	  cat .ci-postgres.log; \
	  if [ $$sqlite -ne 0 ] || [ $$pg -ne 0 ] || [ $$load -ne 0 ]; then \
	    echo "SQLite run: exit $$sqlite; second lane: exit $$pg; load run: exit $$load"; exit 1; fi; \
	else $(PY) -m pytest; fi

## The SQLite tests of the second lane: under CI they run after the PostgreSQL run and the
## deploy proof, with their own media folder, while the first lane runs every other SQLite
## test, so that both cores stay busy to the end. The first lane ignores exactly these paths.
SECOND_LANE = $(wildcard tests/test_browser*.py) tests/test_demo_dating.py
test-second-lane: install-dev chromium pdf-tools
	TEST_MEDIA_DIR=.test-media-lane2 $(PY) -m pytest -m "not integration and not postgresql" $(SECOND_LANE) --durations=10

# The SQLite part alone (a developer's quick run of everything but PostgreSQL).
test-sqlite: install-dev chromium pdf-tools lint migrations-check
	$(PY) -m pytest $(if $(filter true,$(CI)),-m "not integration and not postgresql")

## On PostgreSQL with Redis and a real Celery worker (started by the tests). A developer's
## run takes the whole suite; under CI, to stay inside its time, the integration and
## PostgreSQL-only tests and the modules whose SQL the two databases may answer differently
## (ON_BOTH_DATABASES in tests/conftest.py) — the rest ran on SQLite just before.
test-integration: install-dev services
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) REQUIRE_INTEGRATION=1 $(PY) -m pytest \
	  $(if $(filter true,$(CI)),-m "(integration or postgresql or both_databases) and not browser")

lint: install-dev
	$(PY) -m ruff check .
	@if command -v msgfmt >/dev/null; then msgfmt --check -o /dev/null locale/zh_Hans/LC_MESSAGES/django.po; fi

migrations-check: install-dev
	$(PY) manage.py makemigrations --check --dry-run

## Regenerate the Chinese translation catalogue after changing UI strings, then edit the .po.
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

## Start the local PostgreSQL and Redis if they are not running (as on the CI machine).
services:
	@pg_isready -h 127.0.0.1 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -u $(REDIS_TEST_URL) ping >/dev/null 2>&1 || redis-server --daemonize yes

## Debian's Chromium and Chinese fonts: the quarterly report's PDF is printed by it with the
## fonts embedded, and the browser tests drive it. Installed when missing and we are allowed to.
## TrueType fonts (宋 AR PL UMing, 楷 AR PL UKai, 黑 WenQuanYi Zen Hei), because Chromium embeds
## TrueType as font files; the CFF outlines of Noto CJK it embeds only as drawn glyphs (Type 3).
CHINESE_FONTS := fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei
chromium:
	@if [ ! -x $(CHROMIUM) ] || [ -z "$$(fc-list 'AR PL UMing CN' 2>/dev/null)" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing chromium and Chinese TrueType fonts (the report's PDF, the browser tests)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium $(CHINESE_FONTS) >/dev/null); \
	  else echo "No $(CHROMIUM) or no Chinese font: reports are built without their PDF and the browser tests" \
	    "are skipped (install Debian's chromium $(CHINESE_FONTS))"; fi; \
	fi

## The PDF tests read the report's PDF with poppler-utils (pdfinfo, pdffonts, pdftotext).
pdf-tools:
	@if ! command -v pdffonts >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing poppler-utils for the PDF tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null); \
	  else echo "No pdffonts: the PDF tests will be skipped (install Debian's poppler-utils)"; fi; \
	fi

## Proof of deploy/ and docs/deploy.md on this machine: production settings, the units'
## commands, a report built by a worker, backup, restore into a fresh database (tests/deploy/prove.py).
deploy-proof: install-dev services nginx
	NGINX=$(NGINX) $(PY) tests/deploy/prove.py

## nginx, only to check deploy/nginx.conf with `nginx -t`: Debian's package unpacked into
## .cache/ (installing it would start a server on port 80).
NGINX ?= $(or $(shell command -v nginx),$(CURDIR)/.cache/nginx/usr/sbin/nginx)
nginx:
	@if [ ! -x $(NGINX) ] && command -v apt-get >/dev/null; then \
	  echo "Unpacking Debian's nginx into .cache/nginx to check deploy/nginx.conf"; \
	  mkdir -p .cache/nginx && cd .cache && (apt-get download -qq nginx || (apt-get update -qq && apt-get download -qq nginx)) \
	  && dpkg -x nginx_*.deb nginx && rm -f nginx_*.deb; \
	fi

## make load: the bounded load run — 50 users signed in through the login form for 2 minutes
## against gunicorn on loopback; any error fails it (docs/performance.md). It drops and
## recreates LOAD_DB_NAME each time (the name must end in _load); jobs run inline, no Redis.
LOAD_DB_NAME ?= jieshui_load
LOAD_SECONDS ?= 120
load: $(VENV)/.bench services
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(LOAD_DB_NAME) $(PY) bench/load_run.py --seconds $(LOAD_SECONDS)

## make bench: the national-scale benchmarks on PostgreSQL + Redis, each figure beside its
## baseline from the same run (see docs/performance.md). The scale data is generated once
## (several minutes) and reused; BENCH_REGIONS / BENCH_QUARTERS size it.
BENCH_DB_NAME ?= jieshui_bench
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB_NAME)
BENCH_REGIONS ?= 2844
BENCH_QUARTERS ?= 8
BENCH_REDIS ?= redis://127.0.0.1:6379/14
BENCH_ENV := DATABASE_URL=$(BENCH_DB) DJANGO_DEBUG=false
# The sign-in storm sets its own database up from nothing each run (its name must end in _signin).
SIGNIN_DB_NAME ?= jieshui_signin
$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench: $(VENV)/.bench services
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB_NAME)'" | grep -q 1 \
	  || createdb -h 127.0.0.1 -U postgres $(BENCH_DB_NAME)
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) manage.py generate_scale_data --regions $(BENCH_REGIONS) --quarters $(BENCH_QUARTERS) --if-missing
	@echo "machine: $$(nproc) cores, $$(free -g | awk '/Mem:/ {print $$2}') GiB, $$($(PY) --version), $$(psql -h 127.0.0.1 -U postgres -tAc 'SHOW server_version'), $$(date -u +%FT%TZ)"
	$(BENCH_ENV) $(PY) bench/bench_recompute.py
	$(BENCH_ENV) $(PY) bench/bench_upload.py
	$(BENCH_ENV) $(PY) bench/bench_tasks.py
	$(BENCH_ENV) $(PY) bench/bench_pages.py
	$(BENCH_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(SIGNIN_DB_NAME) $(PY) bench/bench_signin.py
	$(BENCH_ENV) REDIS_URL=$(BENCH_REDIS) $(PY) bench/bench_reports.py

clean:
	rm -rf $(VENV) staticfiles .test-media .test-media-postgresql .test-media-lane2 .cache .ci-postgres.log
