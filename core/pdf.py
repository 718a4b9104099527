"""A stored HTML document (the quarterly report's print view) printed to PDF by headless
Debian Chromium, so the PDF is the print view exactly: same template, same CSS, A4 from its
``@page`` rule, the Chinese fonts embedded: Debian's TrueType fonts-arphic-uming (宋),
fonts-arphic-ukai (楷) and fonts-wqy-zenhei (黑), which Chromium embeds as font files
(subset); CFF fonts such as Noto CJK it would embed only as drawn glyphs (Type 3).

The page is written to a private temporary folder and opened as file://; nothing may reach
the network: a Content-Security-Policy lets the page load and run nothing but its own inline
style and data: images (turning scripts off in Blink's settings would stop Chromium's own
printing), and any request that would leave the process goes to a proxy on the discard
port, loopback included. Chromium runs in its own process group with a timeout, and the
whole group is killed when it runs over."""

import os
import shutil
import signal
import subprocess
import tempfile
from contextlib import suppress
from pathlib import Path

from django.conf import settings

TIMEOUT_SECONDS = 60
# Stricter than core.security_headers.DOCUMENT_POLICY: under file:// 'self' would be the disk.
PRINT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
FLAGS = [
    "--headless",
    "--no-pdf-header-footer",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",  # without it loopback bypasses the proxy
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]


class PdfUnavailable(RuntimeError):
    """No Chromium at settings.CHROMIUM: the PDF is not made, the rest is."""


class PdfFailed(RuntimeError):
    """Chromium ran but gave no PDF (crashed, ran over its time)."""


def chromium():
    """The Chromium to run (settings.CHROMIUM, a path or a name on PATH), or None."""
    return shutil.which(settings.CHROMIUM) if settings.CHROMIUM else None


def html_to_pdf(html, *, timeout=TIMEOUT_SECONDS):
    """The PDF (bytes) of ``html``, a complete self-contained document, as Chromium prints it."""
    program = chromium()
    if program is None:
        raise PdfUnavailable(settings.CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="portal-pdf-") as folder:
        folder = Path(folder)
        page, target = folder / "page.html", folder / "page.pdf"
        page.write_text(_with_policy(html), encoding="utf-8")
        command = [program, *FLAGS, *_sandbox_flags(), f"--user-data-dir={folder / 'profile'}",
                   f"--print-to-pdf={target}", page.as_uri()]
        # HOME too: Chromium writes caches and crash reports there, whoever runs the job.
        environment = {**os.environ, "HOME": str(folder), "XDG_CONFIG_HOME": str(folder), "XDG_CACHE_HOME": str(folder)}
        _run(command, environment, timeout)
        content = target.read_bytes() if target.exists() else b""
    if not content.startswith(b"%PDF"):
        raise PdfFailed("Chromium wrote no PDF")
    return content


def _sandbox_flags():
    # Chromium will not start as root with its sandbox; a service user (the worker) keeps it.
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def _with_policy(html):
    meta = f'<meta http-equiv="Content-Security-Policy" content="{PRINT_POLICY}">'
    head = html.find("<head>")
    if head < 0:
        raise PdfFailed("the page has no <head>")
    return html[: head + len("<head>")] + meta + html[head + len("<head>"):]


def _run(command, environment, timeout):
    # The command is the configured Chromium, fixed flags and paths this module made.
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        _output, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the renderer and zygote children too
        process.communicate()
        raise PdfFailed(f"Chromium ran over {timeout} s") from None
    finally:
        _kill_leftovers(process.pid)
    if process.returncode != 0:
        last = errors.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise PdfFailed(f"Chromium exited with {process.returncode}: {last[0][:200]}")


def _kill_leftovers(group):
    """A child Chromium left behind (a crashpad handler) would outlive the job."""
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
