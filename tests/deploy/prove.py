"""Prove the deployment files on this machine, end to end:

    .venv/bin/python tests/deploy/prove.py [--keep]

With production settings against the local PostgreSQL and a Redis of its own (started with
deploy/redis.conf on a free loopback port; the machine's Redis is never touched), it
migrates, collects the static files, runs `check --deploy` and loads the demo (the demo app
turned on with PORTAL_DEMO=true for that command only); starts gunicorn, a Celery worker and
beat with the command lines of the systemd units; signs in
over HTTP as the district reviewer, builds a quarterly report on its page and downloads it;
queues a second build with the worker stopped; backs up with deploy/backup.sh; stops
everything and kills Redis; restores with deploy/restore.sh into a new database and media
folder; and, on the restored copy, downloads the first report again (byte for byte) and
lets a new worker build the second from the queue Redis kept in its append-only file.

Every step prints its time. Any failure prints the step, the reason and the end of each
service's log, and exits 1. Processes, both databases and the temporary folder are removed
in every case (--keep leaves the databases and the folder to look at).
"""

import argparse
import fcntl
import http.cookiejar
import io
import json
import os
import re
import runpy
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import redis
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PYTHON = sys.executable
DATABASE = "jieshui_deploy_proof"
RESTORED = "jieshui_deploy_restored"
PG_HOST = os.environ.get("PGHOST", "127.0.0.1")
PG_PORT = os.environ.get("PGPORT", "5432")
PG_USER = os.environ.get("PGUSER", "postgres")
REVIEWER = "wulong_reviewer"
REPORT_SHEETS = ["概况", "指标达标情况", "任务进展", "部门评分", "节水载体", "逾期未报"]
TOOLS = ["bash", "tar", "sha256sum", "psql", "createdb", "dropdb", "pg_dump", "pg_restore", "redis-server"]
# Where the units (jieshui-*.service) expect things on a server; the proof puts the checkout
# and temporary folders in their place.
INSTALLED_CODE = "/srv/jieshui/app"
INSTALLED_BEAT_STATE = "/var/lib/jieshui-beat"
INSTALLED_BEAT_RUN = "/run/jieshui-beat"
INSTALLED_WEB_RUN = "/run/jieshui-web"
# What /health/ checks (core/health.py) and the metrics /metrics must have (core/metrics.py).
HEALTH_CHECKS = {"database", "redis", "worker", "beat", "disk"}
LATENCY = "jieshui_http_request_duration_seconds"
PORTAL_METRICS = {"jieshui_celery_queue_length", "jieshui_broker_up", "jieshui_pending_uploads",
                  "jieshui_job_runs_total", "jieshui_job_duration_seconds_count"}
# An address that is not the monitoring host, claimed in X-Forwarded-For.
# The demo's department system (demo/systems.py) and its district, for the API step.
API_ACCOUNT = "wulong_cgj_system"
API_REGION = "500156"
STRANGER = "203.0.113.9"
# What deploy/redis.conf must have set on the running server.
REDIS_SETTINGS = {"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "noeviction",
                  "bind": "127.0.0.1 -::1"}
TOTAL_SECONDS = 300
LOGGED_ERROR = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")
LOG_LINES = 25


class ProofFailed(Exception):
    pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name):
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def tail(text, lines=LOG_LINES):
    return "\n".join(text.strip().splitlines()[-lines:])


def run(command, *, env=None, timeout=120, expect_failure=False):
    """Run a command to completion; its output, or a ProofFailed naming it and its last lines."""
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ProofFailed(f"{shlex.join(map(str, command))} did not finish in {timeout} s") from None
    if (done.returncode != 0) != expect_failure:
        outcome = "succeeded but should have failed" if expect_failure else f"exited with {done.returncode}"
        raise ProofFailed(f"{shlex.join(map(str, command))} {outcome}:\n{tail(done.stdout + done.stderr)}")
    return done


def unit_environment(unit, places):
    """The Environment= lines of a systemd unit, with the server's paths replaced by ``places``."""
    found = {}
    for line in (DEPLOY / unit).read_text().splitlines():
        if line.startswith("Environment="):
            name, value = line.split("=", 1)[1].split("=", 1)
            for installed, here in places.items():
                value = value.replace(installed, str(here))
            found[name] = value
    return found


def fetch(url, headers=None):
    """(status, body) of a GET without cookies, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def health(base):
    """(status, JSON) of /health/ as anybody sees it."""
    status, body = fetch(f"{base}/health/")
    try:
        return status, json.loads(body)
    except ValueError:
        raise ProofFailed(f"/health/ answered {status} with no JSON:\n{tail(body)}") from None


def unit_command(unit, places):
    """The ExecStart line of a systemd unit, with the server's paths replaced by ``places``."""
    text = (DEPLOY / unit).read_text().replace("\\\n", " ")
    lines = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("ExecStart=")]
    if len(lines) != 1:
        raise ProofFailed(f"{unit} must have exactly one ExecStart line")
    command = lines[0]
    for installed, here in places.items():
        command = command.replace(installed, str(here))
    if "%" in command or "$" in command:
        raise ProofFailed(f"{unit}: ExecStart uses systemd specifiers or variables this proof cannot expand")
    return shlex.split(command)


class PageParser(HTMLParser):
    """The forms of a page (action, method, named inputs) and the ids of its report-build rows."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.builds = []
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
            self._in_form = True
        elif tag == "input" and self._in_form and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "tr" and (attrs.get("id") or "").startswith("build-"):
            self.builds.append(int(attrs["id"].removeprefix("build-")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def parse_page(html):
    parser = PageParser()
    parser.feed(html)
    return parser


def page_text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


class Browser:
    """A visitor over real HTTP: cookies kept, redirects followed, forms posted as a browser would."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, path, fields=None):
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(urllib.parse.urljoin(self.base, path), data=data)  # noqa: S310 - http://127.0.0.1
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.geturl(), response.headers, response.read()
        except urllib.error.HTTPError as error:
            body = page_text(error.read().decode(errors="replace"))
            raise ProofFailed(f"{path} answered {error.code}:\n{tail(body)}") from None
        except urllib.error.URLError as error:
            raise ProofFailed(f"{path} could not be fetched: {error.reason}") from None

    def page(self, path, fields=None):
        url, _headers, body = self.open(path, fields)
        return url, body.decode()

    def sign_in(self, username, password):
        _url, html = self.page("/accounts/login/")
        form = next((form for form in parse_page(html).forms if "password" in form["fields"]), None)
        if form is None or not form["fields"].get("csrfmiddlewaretoken"):
            raise ProofFailed("the sign-in page has no form with a password field and a CSRF token")
        url, html = self.page(form["action"] or "/accounts/login/",
                              {**form["fields"], "username": username, "password": password})
        if urllib.parse.urlparse(url).path.startswith("/accounts/login/"):
            raise ProofFailed(f"signing in as {username} failed:\n{tail(page_text(html), 5)}")

    def download(self, path):
        _url, headers, body = self.open(path)
        if not (headers.get("Content-Disposition") or "").startswith("attachment"):
            raise ProofFailed(f"{path} is not sent as an attachment")
        return body


def check_report(content):
    """The downloaded workbook has the report's sheets and department scores."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    except Exception as error:
        raise ProofFailed(f"the downloaded report is not a workbook: {error}") from None
    if workbook.sheetnames != REPORT_SHEETS:
        raise ProofFailed(f"the report's sheets are {workbook.sheetnames}, expected {REPORT_SHEETS}")
    rows = [row for row in workbook["部门评分"].iter_rows(min_row=4, values_only=True) if row and row[0]]
    if not rows:
        raise ProofFailed("the report's 部门评分 sheet lists no department")
    return f"{len(content)} bytes, {len(rows)} departments scored"


class Proof:
    def __init__(self, keep):
        self.keep = keep
        self.began = time.monotonic()
        self.tmp = Path(tempfile.mkdtemp(prefix="jieshui-deploy-proof-"))
        self.services = {}  # name -> running process
        self.logs = {}  # name -> log file, kept after the service stops
        self.redis_port = free_port()
        self.password = f"proof-{secrets.token_hex(8)}"
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            CSRF_TRUSTED_ORIGINS="",
            PORTAL_HTTPS="false",
            DJANGO_DEBUG="false",
            DATABASE_URL=database_url(DATABASE),
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            MEDIA_ROOT=str(self.tmp / "media"),
            STATIC_ROOT=str(self.tmp / "static"),
            DEMO_PASSWORD=self.password,
            PORTAL_DEMO="false",  # the portal runs without the demo app; only load_demo turns it on
            DATABASE_CONN_MAX_AGE="60",  # as .env.example recommends for production
            # Two workers, not the units' 2 × cores + 1: the CI machine runs other jobs beside this.
            GUNICORN_WORKERS="2",
            LOG_LEVEL="INFO",
            # As behind deploy/nginx.conf: the client is the address nginx appends to X-Forwarded-For.
            AXES_PROXY_COUNT="1",
            # Beat's heartbeat every 5 s instead of every minute: beat queues it first one
            # interval after it starts, and /health/ waits for it.
            BEAT_HEARTBEAT_SECONDS="5",
        )
        self.places = {INSTALLED_CODE: ROOT, INSTALLED_BEAT_STATE: self.tmp / "beat-state",
                       INSTALLED_BEAT_RUN: self.tmp / "beat-run", INSTALLED_WEB_RUN: self.tmp / "web-run"}

    # --- reporting ---------------------------------------------------------------------------------------

    @contextmanager
    def step(self, title):
        print(f"[{time.monotonic() - self.began:6.1f} s] {title} …", end="", flush=True)
        started = time.monotonic()
        self.note = ""
        try:
            yield self
        except BaseException:
            print(" FAILED", flush=True)
            raise
        note = f" ({self.note})" if self.note else ""
        print(f" ok in {time.monotonic() - started:.1f} s{note}", flush=True)

    def print_logs(self):
        for name, log in self.logs.items():
            print(f"--- last lines of {name} ({log}) ---")
            print(tail(log.read_text(errors="replace")) or "(empty)")

    # --- services ----------------------------------------------------------------------------------------

    def start(self, name, command, env):
        log = self.tmp / "logs" / f"{name.replace(' ', '-')}.log"
        log.parent.mkdir(exist_ok=True)
        with log.open("ab") as output:
            # Its own process group, so that its children can be stopped with it.
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.services[name], self.logs[name] = process, log
        return process

    def stop(self, name, *, kill=False, timeout=30):
        """SIGTERM to the service's main process, as systemd sends it (KillMode=mixed), then
        SIGKILL to its process group after ``timeout``; SIGKILL at once with ``kill``.
        Returns the exit code."""
        process = self.services.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever it left running
        return process.wait()

    def stop_cleanly(self, name):
        code = self.stop(name)
        if code != 0:
            raise ProofFailed(f"{name} exited with {code} on SIGTERM instead of shutting down cleanly")

    def wait_for(self, what, condition, *, timeout=60, services=()):
        deadline = time.monotonic() + timeout
        while not condition():
            for name in services:
                process = self.services[name]
                if process.poll() is not None:
                    raise ProofFailed(f"{name} exited with {process.returncode} while waiting for {what}")
            if time.monotonic() > deadline:
                raise ProofFailed(f"no {what} after {timeout} s")
            time.sleep(0.3)

    def log_of(self, name):
        return self.logs[name].read_text(errors="replace")

    def start_redis(self):
        folder = self.tmp / "redis"
        folder.mkdir(exist_ok=True)
        config = folder / "redis.conf"
        # deploy/redis.conf as a server includes it; then what differs for a throw-away instance.
        # No snapshots: only the append-only file can carry the queue across the kill below.
        config.write_text(f'include {DEPLOY / "redis.conf"}\nport {self.redis_port}\ndir {folder}\n'
                          'daemonize no\nsave ""\nlogfile ""\n')
        self.start("redis", ["redis-server", str(config)], os.environ.copy())
        client = redis.Redis(port=self.redis_port, socket_timeout=5)

        def answers():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        self.wait_for("answer from Redis", answers, timeout=20, services=["redis"])
        return client

    def start_web(self, env, name):
        web_port = free_port()
        self.places[INSTALLED_WEB_RUN].mkdir(exist_ok=True)  # systemd creates it for the unit
        env = dict(env, **unit_environment("jieshui-web.service", self.places), GUNICORN_BIND=f"127.0.0.1:{web_port}")
        self.start(name, unit_command("jieshui-web.service", self.places), env)
        base = f"http://127.0.0.1:{web_port}"

        def answers():
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:  # noqa: S310
                    return response.status == 200
            except OSError:
                return False

        self.wait_for("sign-in page from gunicorn", answers, services=[name])
        return base

    def start_worker(self, env, name):
        self.start(name, unit_command("jieshui-worker.service", self.places), env)
        self.wait_for("'ready.' from the Celery worker", lambda: " ready." in self.log_of(name), services=[name])

    def start_beat(self, env):
        for folder in (INSTALLED_BEAT_STATE, INSTALLED_BEAT_RUN):
            self.places[folder].mkdir(exist_ok=True)  # systemd creates them for the unit
        beat = self.start("beat", unit_command("jieshui-beat.service", self.places), env)
        pidfile = self.places[INSTALLED_BEAT_RUN] / "beat.pid"

        def started():
            return pidfile.exists() and "beat: Starting" in self.log_of("beat")

        self.wait_for("start of Celery beat", started, services=["beat"])
        if pidfile.read_text().strip() != str(beat.pid):
            raise ProofFailed(f"beat's pid file holds {pidfile.read_text().strip()!r}, not {beat.pid}")

    # --- the proof -------------------------------------------------------------------------------------

    def manage(self, *arguments, env=None, timeout=300, expect_failure=False):
        return run([PYTHON, "manage.py", *arguments], env=env or self.env, timeout=timeout,
                   expect_failure=expect_failure)

    def check_files(self):
        with self.step("check the tools"):
            missing = [tool for tool in TOOLS if shutil.which(tool) is None]
            if missing:
                raise ProofFailed(f"missing on this machine: {', '.join(missing)}")
            for program in ("gunicorn", "celery"):
                if not (ROOT / ".venv" / "bin" / program).exists():
                    raise ProofFailed(f".venv/bin/{program} is missing (make install)")
            run(["psql", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "-d", "postgres", "-tAc", "SELECT 1"])
        with self.step("check the shell scripts"):
            for script in ("backup.sh", "restore.sh"):
                run(["bash", "-n", str(DEPLOY / script)])
                if "Usage:" not in run(["bash", str(DEPLOY / script), "--help"]).stdout:
                    raise ProofFailed(f"{script} --help prints no usage")
        with self.step("check the systemd units"):
            self.note = self.verify_units()
        with self.step("check the nginx site"):
            self.note = f"{self.verify_nginx_limits()}; {self.verify_nginx()}"
        with self.step("check the PostgreSQL settings"):
            self.note = self.verify_postgresql_settings()

    def verify_units(self):
        if shutil.which("systemd-analyze") is None:
            return "skipped: no systemd-analyze on this machine"
        folder = self.tmp / "units"
        folder.mkdir()
        for unit in sorted(DEPLOY.glob("jieshui-*.service")):
            (folder / unit.name).write_text(unit.read_text().replace(INSTALLED_CODE, str(ROOT)))
        units = sorted(str(path) for path in folder.iterdir())
        done = run(["systemd-analyze", "verify", "--man=no", *units])
        # It exits 0 on unknown keys and bad values, only saying so.
        if done.stdout.strip() or done.stderr.strip():
            raise ProofFailed(f"systemd-analyze verify:\n{done.stdout}{done.stderr}")
        return f"systemd-analyze verify: {len(units)} units"

    def verify_nginx_limits(self):
        """nginx takes the largest upload the portal accepts and waits longer than gunicorn."""
        site = (DEPLOY / "nginx.conf").read_text()
        body_mb = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
        waits = [int(seconds) for seconds in re.findall(r"proxy_(?:read|send)_timeout (\d+)s;", site)]
        timeout = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["timeout"]
        said = self.manage("shell", "--no-imports", "-c", "from django.conf import settings; "
                           "from core.workbook_reader import MAX_UPLOAD_BYTES; "
                           "print(settings.EVIDENCE_MAX_MB, MAX_UPLOAD_BYTES // 2**20)").stdout
        largest_mb = max(int(number) for number in said.split())
        if body_mb <= largest_mb:
            raise ProofFailed(f"nginx takes uploads up to {body_mb} MB; the portal accepts {largest_mb} MB")
        if len(waits) != 2 or min(waits) <= timeout:
            raise ProofFailed(f"nginx's proxy timeouts {waits} s must both exceed gunicorn's timeout of {timeout} s")
        return f"uploads up to {body_mb} MB > {largest_mb} MB, waits {min(waits)} s > {timeout} s"

    def verify_nginx(self):
        nginx = shutil.which(os.environ.get("NGINX", "nginx"))
        if nginx is None:
            if os.environ.get("CI") == "true":  # `make deploy-proof` unpacks one: CI skips nothing
                raise ProofFailed(f"no nginx at {os.environ.get('NGINX', 'nginx')} to check deploy/nginx.conf")
            return "skipped: no nginx on this machine (NGINX=/path/to/nginx names one; `make nginx` unpacks one)"
        folder = self.tmp / "nginx"
        folder.mkdir()
        temp_paths = "".join(f"    {kind}_temp_path {folder / kind};\n"
                             for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        config = folder / "nginx.conf"
        config.write_text(f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
                          f"http {{\n    access_log off;\n{temp_paths}"
                          f"    include {DEPLOY / 'nginx.conf'};\n}}\n")
        run([nginx, "-t", "-p", str(folder), "-c", str(config)])
        return f"{nginx} -t"

    def verify_postgresql_settings(self):
        names = re.findall(r"^\s*([a-z_]+)\s*=", (DEPLOY / "postgresql.conf").read_text(), re.MULTILINE)
        known = set(run(["psql", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "-d", "postgres", "-tAc",
                         "SELECT name FROM pg_settings"]).stdout.split())
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ProofFailed(f"deploy/postgresql.conf names settings PostgreSQL does not have: {unknown}")
        return f"{len(names)} settings known to the server"

    def create_database(self, name):
        run(["dropdb", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "--if-exists", "--force", name])
        run(["createdb", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, name])

    def prove(self):
        self.check_files()
        with self.step(f"create the database {DATABASE} and the temporary folders"):
            self.create_database(DATABASE)
            run(["dropdb", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "--if-exists", "--force", RESTORED])
            for folder in ("media", "static"):
                (self.tmp / folder).mkdir()
            self.note = str(self.tmp)
        with self.step(f"start Redis with deploy/redis.conf on port {self.redis_port}"):
            queue = self.start_redis()
            settings = {name: queue.config_get(name)[name] for name in REDIS_SETTINGS}
            if settings != REDIS_SETTINGS:
                raise ProofFailed(f"Redis runs with {settings}")
            self.note = ", ".join(f"{name} {value}" for name, value in settings.items())
        with self.step("migrate"):
            self.manage("migrate", "--noinput")
        with self.step("collect the static files"):
            self.manage("collectstatic", "--noinput")
        with self.step("manage.py check --deploy"):
            output = self.manage("check", "--deploy", "--fail-level", "WARNING")
            said = (output.stdout + output.stderr).strip()
            if "no issues" not in said:
                raise ProofFailed(f"check --deploy said:\n{said}")
            self.note = said.splitlines()[-1]
        with self.step("load the demo, with the demo app turned on for that command only"):
            refused = self.manage("load_demo", expect_failure=True)
            if "Unknown command: 'load_demo'" not in refused.stderr:
                raise ProofFailed(f"without PORTAL_DEMO, load_demo should be unknown:\n{tail(refused.stderr)}")
            self.manage("load_demo", env={**self.env, "PORTAL_DEMO": "true"})
        with self.step("start gunicorn, a Celery worker and beat with the units' command lines"):
            base = self.start_web(self.env, "gunicorn")
            self.start_worker(self.env, "worker")
            self.start_beat(self.env)
            self.note = base
        browser = Browser(base)
        with self.step(f"sign in as {REVIEWER} through the sign-in form"):
            browser.sign_in(REVIEWER, self.password)
        with self.step("request a quarterly report build on its page"):
            first, report_page = self.request_build(browser, "/reports/quarterly/")
            self.note = f"build {first}, {report_page}"
        with self.step("wait for the worker to build it"):
            self.wait_until_built(browser, first, worker="worker")
        with self.step("download the Excel report and look inside"):
            original = browser.download(f"/reports/quarterly/{first}/xlsx/")
            self.note = check_report(original)
        with self.step("check that beat is running"):
            state = self.places[INSTALLED_BEAT_STATE]
            self.wait_for("schedule file of beat", lambda: any(state.iterdir()), timeout=10, services=["beat"])
            self.note = f"pid {self.services['beat'].pid}, {', '.join(sorted(path.name for path in state.iterdir()))}"
        with self.step("GET /health/ through gunicorn: 200, every check ok"):
            self.note = self.check_healthy(base)
        with self.step("a token from create_api_token reads the district's plans through /api/v1/"):
            self.note = self.check_api(base)
        with self.step("scrape /metrics from 127.0.0.1"):
            self.note = self.check_metrics(base)
        with self.step(f"/metrics refuses a request claiming to come from {STRANGER} (X-Forwarded-For)"):
            status, _body = fetch(f"{base}/metrics", {"X-Forwarded-For": STRANGER})
            if status != 404:
                raise ProofFailed(f"/metrics answered {status} to {STRANGER} behind one proxy, not 404")
            self.note = "404"
        with self.step("stop the worker (warm shutdown) and queue a second build"):
            self.stop_cleanly("worker")
            second, _page = self.request_build(browser, report_page)
            self.note = f"build {second} waits in the queue"
        with self.step("back up with deploy/backup.sh"):
            backup = self.back_up()
            self.note = backup.name
        with self.step("stop beat and Redis: /health/ answers 503 naming redis while pages serve"):
            self.stop_cleanly("beat")  # it would log each heartbeat it cannot queue as an error
            self.stop("redis")
            self.note = self.check_redis_down(base, browser)
        with self.step("start Redis again"):
            self.start_redis()
        with self.step("stop gunicorn, kill Redis (SIGKILL)"):
            self.stop_cleanly("gunicorn")
            self.stop("redis", kill=True)
        with self.step("restart Redis: the queued build survived in the append-only file"):
            queue = self.start_redis()
            queued = [json.loads(message)["headers"]["task"] for message in queue.lrange("celery", 0, -1)]
            if "reports.jobs.build_report" not in queued:
                raise ProofFailed(f"the queue after the restart holds {queued}, not the report build")
            self.note = f"{len(queued)} job(s) queued"
        restored_media = self.tmp / "media-restored"
        with self.step(f"restore with deploy/restore.sh into {RESTORED} and a new media folder"):
            self.create_database(RESTORED)
            run(["bash", str(DEPLOY / "restore.sh"), str(backup), database_url(RESTORED), str(restored_media)])
        with self.step("restore.sh refuses a damaged backup and a database that is not empty"):
            self.check_restore_refusals(backup)
        restored_env = dict(self.env, DATABASE_URL=database_url(RESTORED), MEDIA_ROOT=str(restored_media))
        with self.step("start gunicorn and a worker on the restored copy"):
            base = self.start_web(restored_env, "gunicorn on the restored copy")
            self.start_worker(restored_env, "worker on the restored copy")
            self.note = base
        browser = Browser(base)
        with self.step(f"sign in again as {REVIEWER}"):
            browser.sign_in(REVIEWER, self.password)
        with self.step("find the report in the list and download it again"):
            _url, html = browser.page(report_page)
            if first not in parse_page(html).builds:
                raise ProofFailed(f"build {first} is not listed on {report_page} of the restored copy")
            if browser.download(f"/reports/quarterly/{first}/xlsx/") != original:
                raise ProofFailed("the report downloaded from the restored copy differs from the original")
            self.note = "byte-identical"
        with self.step("the restored worker builds the report queued before the crash"):
            self.wait_until_built(browser, second, worker="worker on the restored copy")
            self.note = check_report(browser.download(f"/reports/quarterly/{second}/xlsx/"))
        with self.step("no errors in the logs"):
            self.check_logs()

    def check_healthy(self, base):
        """/health/ says 200 once beat's first heartbeat has run; anybody sees names and ok only."""
        answer = {}

        def healthy():
            status, answer["body"] = health(base)
            return status == 200

        try:
            self.wait_for("200 from /health/", healthy, timeout=45, services=["gunicorn", "worker", "beat"])
        except ProofFailed as error:
            raise ProofFailed(f"{error}; it said {answer.get('body')}") from None
        body = answer["body"]
        if body != {"status": "ok", "checks": dict.fromkeys(HEALTH_CHECKS, "ok")}:
            raise ProofFailed(f"/health/ answered 200 with {body}")
        return ", ".join(sorted(body["checks"]))

    def check_api(self, base):
        """The demo's department system gets a token on the command line and reads with it; a
        call without it is refused."""
        token = self.manage("create_api_token", API_ACCOUNT, "--expires", "1d").stdout.strip()
        status, body = fetch(f"{base}/api/v1/plans?region={API_REGION}", {"Authorization": f"Bearer {token}"})
        if status != 200:
            raise ProofFailed(f"/api/v1/plans answered {status} to {API_ACCOUNT}'s token:\n{tail(body)}")
        plans = json.loads(body)
        if not plans["count"]:
            raise ProofFailed(f"/api/v1/plans showed {API_ACCOUNT} no plan of {API_REGION}")
        refused, _body = fetch(f"{base}/api/v1/plans?region={API_REGION}")
        if refused != 401:
            raise ProofFailed(f"/api/v1/plans answered {refused} without a token, not 401")
        return f"{plans['count']} plan(s); 401 without the token"

    def check_metrics(self, base):
        """The latency of the report page just requested, labelled by its route's name, and
        the queue, pending-upload and job metrics, added up over gunicorn's workers."""
        status, text = fetch(f"{base}/metrics")
        if status != 200:
            raise ProofFailed(f"/metrics answered {status} to 127.0.0.1")
        samples = [sample for family in text_string_to_metric_families(text) for sample in family.samples]
        names = {sample.name for sample in samples}
        missing = sorted(PORTAL_METRICS - names)
        if missing:
            raise ProofFailed(f"/metrics has no {missing}")
        latency = [sample for sample in samples if sample.name == f"{LATENCY}_count"
                   and sample.labels.get("route") == "reports:quarterly" and sample.labels.get("status") == "2xx"]
        if not latency:
            raise ProofFailed(f"/metrics has no {LATENCY} for the route reports:quarterly")
        if not any(sample.name == f"{LATENCY}_count" and sample.labels.get("route") == "api:plan_list"
                   for sample in samples):
            raise ProofFailed(f"/metrics has no {LATENCY} for the API's route api:plan_list")
        if any("/" in value for sample in samples for value in sample.labels.values()):
            raise ProofFailed("a label of /metrics holds a path")
        folder = self.places[INSTALLED_WEB_RUN]
        workers = {path.stem.rsplit("_", 1)[-1] for path in folder.glob("*.db")}
        if not workers:
            raise ProofFailed(f"gunicorn's workers wrote no metrics to {folder} (PROMETHEUS_MULTIPROC_DIR)")
        done = sum(sample.value for sample in samples
                   if sample.name == "jieshui_job_runs_total" and sample.labels.get("state") == "done")
        return (f"{len(names)} series names, reports:quarterly GET {int(sum(s.value for s in latency))}×, "
                f"{int(done)} job runs done, files of {len(workers)} gunicorn worker(s)")

    def check_redis_down(self, base, browser):
        status, body = health(base)
        if status != 503 or body.get("checks", {}).get("redis") != "failed":
            raise ProofFailed(f"with Redis stopped /health/ answered {status}: {body}")
        browser.page("/")  # raises unless the reviewer's home page answers
        failed = sorted(name for name, state in body["checks"].items() if state == "failed")
        return f"503, failed: {', '.join(failed)}; the home page 200"

    def request_build(self, browser, page):
        """Press the build button of the report page: the new build's id, and the page's address."""
        _url, html = browser.page(page)
        parsed = parse_page(html)
        form = next((form for form in parsed.forms if form["action"].endswith("/quarterly/build/")), None)
        if form is None or form["method"] != "post":
            raise ProofFailed(f"{page} has no form to build the report")
        url, html = browser.page(form["action"], form["fields"])
        new = sorted(set(parse_page(html).builds) - set(parsed.builds))
        if len(new) != 1:
            raise ProofFailed(f"after the build request the page lists new builds {new}, expected one")
        address = urllib.parse.urlparse(url)
        return new[0], f"{address.path}?{address.query}"

    def wait_until_built(self, browser, build, *, worker):
        """Poll the build's row as the page does, until it offers its files or says why not."""
        status = f"/reports/quarterly/{build}/status/"
        row = ""

        def finished():
            nonlocal row
            _url, row = browser.page(status)
            return "hx-trigger" not in row

        self.wait_for(f"finished build {build}", finished, timeout=90, services=[worker])
        if f"/reports/quarterly/{build}/xlsx/" not in row:
            raise ProofFailed(f"build {build} finished without files: {page_text(row)}")

    def back_up(self):
        env = dict(os.environ, DATABASE_URL=self.env["DATABASE_URL"], MEDIA_ROOT=self.env["MEDIA_ROOT"])
        output = run(["bash", str(DEPLOY / "backup.sh"), str(self.tmp / "backups")], env=env)
        backup = Path(output.stdout.strip().splitlines()[-1])
        names = sorted(path.name for path in backup.iterdir())
        if names != ["SHA256SUMS", "database.dump", "media.tar"]:
            raise ProofFailed(f"the backup folder holds {names}")
        media = Path(self.env["MEDIA_ROOT"])
        stored = {str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()}
        with tarfile.open(backup / "media.tar") as archive:
            archived = {os.path.normpath(member.name) for member in archive.getmembers() if member.isfile()}
        if stored != archived or not any(name.startswith("reports/") for name in stored):
            raise ProofFailed(f"media.tar holds {len(archived)} files, MEDIA_ROOT {len(stored)} (with the reports)")
        return backup

    def check_restore_refusals(self, backup):
        damaged = self.tmp / "backups" / "damaged"
        shutil.copytree(backup, damaged)
        with (damaged / "media.tar").open("r+b") as archive:
            archive.seek(-1, os.SEEK_END)
            last = archive.read(1)
            archive.seek(-1, os.SEEK_END)
            archive.write(bytes([last[0] ^ 1]))
        empty = self.tmp / "media-unused"
        refused = run(["bash", str(DEPLOY / "restore.sh"), str(damaged), database_url(RESTORED), str(empty)],
                      expect_failure=True)
        if "checksums" not in refused.stderr:
            raise ProofFailed(f"restore.sh refused the damaged backup for another reason: {refused.stderr}")
        refused = run(["bash", str(DEPLOY / "restore.sh"), str(backup), database_url(RESTORED), str(empty)],
                      expect_failure=True)
        if "refusing to overwrite" not in refused.stderr:
            raise ProofFailed(f"restore.sh refused the non-empty database for another reason: {refused.stderr}")
        if empty.exists():
            raise ProofFailed("restore.sh wrote files although it refused")

    def check_logs(self):
        for name in self.logs:
            bad = [line for line in self.log_of(name).splitlines() if LOGGED_ERROR.search(line)]
            if bad:
                raise ProofFailed(f"{name} logged errors:\n" + "\n".join(bad[:LOG_LINES]))

    # --- cleaning up -----------------------------------------------------------------------------------

    def clean_up(self):
        """Stop every service, drop both databases, remove the folder; the problems, if any."""
        began = time.monotonic()
        problems, stopped = [], []
        for name in reversed(list(self.services)):  # Redis last: the worker hands its jobs back to it
            started = time.monotonic()
            code = self.stop(name, timeout=15)
            killed = " (killed)" if code == -signal.SIGKILL else ""
            stopped.append(f"{name} in {time.monotonic() - started:.1f} s{killed}")
        print(f"[{began - self.began:6.1f} s] clean up: stopped {', '.join(stopped) or 'nothing'}", flush=True)
        if self.keep:
            print(f"kept: {self.tmp}, databases {DATABASE} and {RESTORED}")
            return problems
        for name in (DATABASE, RESTORED):
            try:
                run(["dropdb", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "--if-exists", "--force", name])
            except ProofFailed as error:
                problems.append(str(error))
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.tmp.exists():
            problems.append(f"{self.tmp} could not be removed")
        return problems


def _stop_on_signal(signum, _frame):
    # Turned into an exception so that the clean-up in ``finally`` runs when CI stops the proof.
    raise ProofFailed(f"stopped by signal {signal.Signals(signum).name}")


def _out_of_time(_signum, _frame):
    raise ProofFailed(f"the proof took longer than {TOTAL_SECONDS} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the databases and the temporary folder")
    options = parser.parse_args()
    # One proof at a time on a machine: they share the two database names.
    lock = open(Path(tempfile.gettempdir()) / "jieshui-deploy-proof.lock", "w")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("tests/deploy/prove.py: another proof is running on this machine", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(TOTAL_SECONDS)
    proof = Proof(keep=options.keep)
    failure = None
    try:
        proof.prove()
    except (ProofFailed, KeyboardInterrupt) as error:
        failure = str(error) or "interrupted"
    except Exception:
        failure = traceback.format_exc()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the clean-up is not to be cut short
        if failure:
            print(f"\nFAILED: {failure}", file=sys.stderr, flush=True)
            proof.print_logs()
        problems = proof.clean_up()
    for problem in problems:
        print(f"clean-up: {problem}", file=sys.stderr)
    if failure or problems:
        return 1
    print(f"Deployment proven in {time.monotonic() - proof.began:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
