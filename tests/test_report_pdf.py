"""The quarterly report's PDF: the print view printed by headless Chromium in the job that
builds the other files, on A4, its Chinese fonts embedded, every word of the print view in
it, offered beside the other downloads; without Chromium (or when it fails) the report is
built all the same and says why it has no PDF; the printing reaches no network and is
killed when it runs over its time (core/pdf.py)."""

import html
import re
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from core import pdf
from core.models import JobRun
from indicators.models import Adoption
from indicators.services import compute_region_quarter
from reports.models import QuarterlyReport
from tests.test_quarterly_report import build
from tests.test_scorecards import Q2, plan, quarter_of_work  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

A4_POINTS = (595.28, 841.89)
NO_CHROMIUM = "未安装 chromium，无法生成 PDF"


def poppler(tool, *arguments):
    return subprocess.run([tool, *map(str, arguments)], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def page_sizes(path):
    """(width, height) in points of every page."""
    return [(float(w), float(h)) for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts",
                                                        poppler("pdfinfo", "-f", 1, "-l", 999, path))]


def fonts(path):
    """pdffonts' rows as dicts: type, emb(edded), uni(code map)."""
    rows = []
    for line in poppler("pdffonts", path).splitlines()[2:]:
        emb, _sub, uni = line.split()[-5:-2]
        rows.append({"line": line, "emb": emb, "uni": uni})
    return rows


def printed_characters(page):
    """The characters the print view shows (its <body> without tags), whitespace aside."""
    body = page[page.index("<body>"):]
    return Counter(re.sub(r"\s", "", html.unescape(re.sub(r"<[^>]+>", "", body))))


@pytest.fixture
def scored_quarter(quarter_of_work, world, county_standard):  # noqa: F811
    """The scorecards' quarter with a standard judged on points: the print view's widest table."""
    Adoption.objects.create(region=world.district, indicator_set=county_standard, since_year=2023)
    compute_region_quarter(world.district, Q2, county_standard)
    return quarter_of_work


@pytest.mark.pdf
def test_the_pdf_is_the_print_view_on_a4_with_its_fonts_embedded(scored_quarter, world, tmp_path, reviewer,
                                                                  client_for):
    report = build(world.district)
    assert report.pdf.name.endswith(".pdf") and report.pdf_note == ""
    assert report.download_name("pdf") == "武隆区2023年第二季度节水工作进展情况.pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf.read())
    assert path.read_bytes().startswith(b"%PDF-")
    sizes = page_sizes(path)
    assert sizes and all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in sizes)
    # Every font is in the file, with the map that keeps its text searchable and copyable,
    # as a font file (TrueType), not as drawn glyphs (Type 3, what Noto CJK's CFF becomes):
    # the body in 宋 (AR PL UMing), headings and table heads in 黑 (WenQuanYi Zen Hei).
    found = fonts(path)
    assert found and [row["line"] for row in found if (row["emb"], row["uni"]) != ("yes", "yes")] == []
    assert [row["line"] for row in found if "Type 3" in row["line"]] == []
    names = " ".join(row["line"].split()[0] for row in found)
    assert all(family in names for family in ("UMingCN", "WenQuanYiZenHei")), names
    text = poppler("pdftotext", "-layout", path, "-")
    assert "武隆区2023年第二季度节水工作进展情况" in text
    assert "指标达标情况" in text and "事项D" in text
    # The PDF is the print view: the same characters, none lost to a cut page or column.
    shown = printed_characters(report.html.read().decode())
    missing = shown - Counter(re.sub(r"\s", "", text))
    assert missing == Counter(), missing
    # Offered beside the other files.
    client = client_for(reviewer)
    page = client.get(reverse("reports:quarterly"), {"region": world.district.code, "quarter": "2023Q2"})
    link = reverse("reports:quarterly_file", args=[report.pk, "pdf"])
    assert link in page.content.decode()
    download = client.get(link)
    assert download["Content-Type"] == "application/pdf" and "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_without_chromium_the_other_files_are_built_and_the_pdf_is_noted(quarter_of_work, world, reviewer,  # noqa: F811
                                                                         client_for, jobs_inline, settings, tmp_path):
    settings.CHROMIUM = str(tmp_path / "no-chromium")
    client = client_for(reviewer)
    with jobs_inline():
        client.post(reverse("reports:quarterly_build"), {"region": world.district.code, "quarter": "2023Q2"})
    report = QuarterlyReport.objects.get(region=world.district)
    assert report.state == "done" and report.is_current
    assert report.workbook and report.document and report.html and not report.pdf
    assert report.pdf_note == NO_CHROMIUM
    assert NO_CHROMIUM in JobRun.objects.get(name="build_report").result
    page = client.get(reverse("reports:quarterly"), {"region": world.district.code, "quarter": "2023Q2"})
    assert NO_CHROMIUM in page.content.decode()
    assert reverse("reports:quarterly_file", args=[report.pk, "pdf"]) not in page.content.decode()
    assert client.get(reverse("reports:quarterly_file", args=[report.pk, "pdf"])).status_code == 404


def test_a_chromium_that_fails_leaves_the_report_built_with_the_reason(quarter_of_work, world, settings,  # noqa: F811
                                                                       tmp_path):
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    broken.chmod(0o755)
    settings.CHROMIUM = str(broken)
    report = build(world.district)
    assert report.state == "done" and report.workbook and not report.pdf
    assert report.pdf_note == "PDF 生成失败：Chromium exited with 3: cannot open display"


def test_a_chromium_that_hangs_is_killed_with_its_children(settings, tmp_path):
    child = tmp_path / "child.pid"
    hanging = tmp_path / "chromium"
    hanging.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {child}\nwait\n")
    hanging.chmod(0o755)
    settings.CHROMIUM = str(hanging)
    started = time.monotonic()
    with pytest.raises(pdf.PdfFailed, match="ran over 1 s"):
        pdf.html_to_pdf("<html><head></head><body>x</body></html>", timeout=1)
    assert time.monotonic() - started < 10
    pid = int(child.read_text())
    for _attempt in range(50):  # the kill is sent; the child is reaped by init a moment later
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as status:
            return status.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


class _Recorder(BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # the name http.server calls
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.pdf
def test_printing_reaches_no_network(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    page = (f'<html><head><link rel="stylesheet" href="{origin}/style.css">'
            f'<style>body {{ background: url({origin}/background.png) }}</style></head>'
            f'<body><img src="{origin}/image.png"><iframe src="{origin}/frame"></iframe>'
            f'<script>fetch("{origin}/script")</script><p>节水</p></body></html>')
    try:
        content = pdf.html_to_pdf(page)
    finally:
        server.shutdown()
        server.server_close()
    assert content.startswith(b"%PDF-")
    assert _Recorder.requests == []
