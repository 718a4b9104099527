"""The portal served as in production, and the users that load it: gunicorn with the
production settings (WhiteNoise, collected static files) on a free loopback port, a
one-user baseline read with ``requests``, and a headless locust run of bench/locustfile.py.
Shared by bench_pages.py and load_run.py; no Django needed here.
"""

import csv
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from common import ROOT, latency
from steps import LOGIN_URL, Walk, problem, run, sign_in

# Two cores here. Django renders these pages in Python, so a worker is busy on the CPU for
# most of a request; threads would only share one GIL. Three sync workers keep both cores
# busy while one worker waits on PostgreSQL, without more processes than cores to switch
# between (PostgreSQL and locust need the same two cores).
GUNICORN_WORKERS = 3
SECRET_KEY = "bench-only-secret-key-never-used-for-a-real-deployment-0123456789"  # noqa: S105 — loopback only


@dataclass
class Portal:
    base: str  # http://127.0.0.1:port
    log: Path  # gunicorn's log, with the workers' output (Django's error log) in it
    pid: int = 0  # gunicorn's master process, the workers its children

    def errors(self):
        """The lines of the server's log that report an error or a traceback."""
        return [line for line in self.log.read_text().splitlines() if "ERROR" in line or "Traceback" in line]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_environment(folder, settings_module="config.settings.production", static_root=None):
    """The environment of the served portal and its collectstatic: production settings (or
    a bench's variant of them), static files (unless ``static_root``) and uploads in ``folder``."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root or folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        # As .env.example recommends for production: a worker keeps its database
        # connection instead of opening one per request.
        "DATABASE_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    })
    env.pop("DJANGO_DEBUG", None)
    return env


def collect_static(env):
    """WhiteNoise serves what collectstatic writes (hashed names, compressed copies)."""
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
        capture_output=True, text=True,
    )
    if collect.returncode:
        sys.exit(f"collectstatic failed:\n{collect.stderr[-3000:]}")


def start_gunicorn(env, port, log_path):
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(GUNICORN_WORKERS), "--worker-class", "sync", "--timeout", "60",
        "--graceful-timeout", "5", "--error-logfile", str(log_path),
        # Django logs a server error to the worker's stderr: into the same log, where it is counted.
        "--capture-output",
    ]
    # Its own session: Ctrl-C reaches only this script, which then stops the server itself.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603


def stop(process, name):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop within 15 s: killed", flush=True)
        os.killpg(process.pid, signal.SIGKILL)  # its own process group: the server and its workers
        process.wait()


def wait_until_serving(process, base, log_path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(base + LOGIN_URL, timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still starting a worker
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer within 60 s:\n{log_path.read_text()[-3000:]}")


@contextmanager
def served_portal(folder, settings_module="config.settings.production", static_root=None):
    """The portal served from ``folder`` (static files, uploads, logs) until leaving,
    whatever happened. ``static_root``: the files an earlier portal of the run collected
    (collectstatic compresses every file: a minute on a busy machine), used as they are."""
    env = served_environment(folder, settings_module, static_root)
    if static_root is None:
        collect_static(env)
    port = free_port()
    portal = Portal(base=f"http://127.0.0.1:{port}", log=folder / "gunicorn.log")
    server = None
    try:
        server = start_gunicorn(env, port, portal.log)
        portal.pid = server.pid
        wait_until_serving(server, portal.base, portal.log)
        yield portal
    finally:
        stop(server, "gunicorn")


# --- one user alone ------------------------------------------------------------------------------


def checked_sender(session, base, samples=None):
    """A ``send`` for ``steps.run`` over a requests session: a wrong answer ends the script;
    each request's milliseconds go to ``samples[name]`` when given."""

    def send(request):
        start = time.perf_counter()
        response = session.request(request.method, base + request.url, data=request.data or None, timeout=60,
                                   allow_redirects=False)
        elapsed = time.perf_counter() - start
        wrong = problem(request, response)
        if wrong:
            sys.exit(f"one-user baseline: {wrong}")
        if samples is not None:
            samples.setdefault(request.name, []).append(elapsed * 1000)
        return response

    return send


def one_user_baseline(base, accounts, rounds):
    """{request name: [milliseconds]} of one user going through every account's cycle of
    steps, one account after another, ``rounds`` times (a round first to warm every worker
    up, not counted). Each account signs in through the login form first."""
    walks = []
    for account in accounts:
        session = requests.Session()
        run(sign_in(account["username"], account["password"]), checked_sender(session, base))
        walks.append((session, Walk(account), len(account["steps"])))
    samples = {}
    for round_number in range(rounds + 1):
        for session, walk, length in walks:
            send = checked_sender(session, base, samples if round_number else None)
            for _ in range(length):
                run(walk.next_step(), send)
    return samples


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- many users: locust --------------------------------------------------------------------------


def run_locust(base, plan, users, seconds, folder, *, stop_timeout=5):
    """Run bench/locustfile.py headless with ``users`` users on ``plan`` (see there) for
    ``seconds`` after the last sign-in, then ``stop_timeout`` seconds at most for the steps
    under way to finish. Returns ({name: locust's statistics row}, [failures], whether a
    step was cut off by that timeout — its last request then sent but never counted)."""
    plan_path, csv_prefix, log_path = folder / "plan.json", folder / "locust", folder / "locust.log"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False))
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        # The locustfile ends the run `seconds` after the last sign-in; --run-time is the backstop.
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds + 120}s",
        "--stop-timeout", str(stop_timeout), "--host", base, "--csv", str(csv_prefix), "--only-summary",
        "--loglevel", "INFO",  # into the log file: it says when the stop timeout cut steps off
    ]
    env = {**os.environ, "BENCH_LOCUST_PLAN": str(plan_path)}
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                   start_new_session=True)
        try:
            process.wait(timeout=seconds + 180 + stop_timeout)
        except subprocess.TimeoutExpired:
            print("locust overran its run time: stopped", flush=True)
        finally:
            stop(process, "locust")
    stats_file = Path(f"{csv_prefix}_stats.csv")
    if not stats_file.exists():
        sys.exit(f"locust wrote no statistics:\n{log_path.read_text()[-3000:]}")
    with open(stats_file, newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    with open(f"{csv_prefix}_failures.csv", newline="") as failures:
        failed = list(csv.DictReader(failures))
    return rows, failed, "Not all users finished their tasks" in log_path.read_text()


def print_latencies(rows, baseline, names, *, users, max_p95_ms=None, with_p99=False):
    """One line per request name: under load beside the one-user baseline of the same run."""
    for name in names:
        row = rows.get(name)
        if row is None or not baseline.get(name):
            print(f"{name:<28} not measured (no requests)")
            continue
        extra = f"{int(row['Request Count'])} requests, {int(row['Failure Count'])} failed"
        if with_p99:
            extra += f", {float(row['Requests/s']):.1f} requests/s"
        latency(
            f"{name}, {users} users", float(row["50%"]), float(row["95%"]),
            p99_ms=float(row["99%"]) if with_p99 else None, baseline_ms=statistics.median(baseline[name]),
            baseline_label=f"1 user, p95 {percentile(baseline[name], 0.95):.0f} ms", max_p95_ms=max_p95_ms, extra=extra,
        )


def print_totals(rows, failed, errors, *, with_p99=False):
    """The sign-in lines and locust's aggregate, then every failure and server error."""
    for name in ("sign-in form", "sign-in", "Aggregated"):
        if name in rows:
            row = rows[name]
            p99 = f"   p99 {float(row['99%']):6.0f} ms" if with_p99 else ""
            print(f"{name:<28} p50 {float(row['50%']):6.0f} ms   p95 {float(row['95%']):6.0f} ms{p99}   "
                  f"{int(row['Request Count'])} requests, {int(row['Failure Count'])} failed, "
                  f"{float(row['Requests/s']):.1f} requests/s")
    for failure in failed:
        print(f"FAILED {failure['Occurrences']}×  {failure['Method']} {failure['Name']}: {failure['Error']}")
    for line in errors[:20]:
        print(f"server log: {line}")


def failure_count(rows):
    return sum(int(row["Failure Count"]) for name, row in rows.items() if name != "Aggregated")
