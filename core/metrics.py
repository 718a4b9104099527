"""``/metrics``: Prometheus metrics for the monitoring host (METRICS_ALLOWED_IPS; anyone else
gets a 404, as for a page that does not exist).

- **Request latency** (``jieshui_http_request_duration_seconds``), timed by
  ``RequestLatencyMiddleware`` and labelled by the route's name (``tasks:plan_detail``), the
  method and the status class (``2xx``). Never by the path: a path holds ids, so every plan,
  entry and file would be a series of its own.
- **Jobs**, read from ``core.JobRun`` when Prometheus scrapes: how many runs per job ended
  done or failed, how long the finished ones took, how many run now. JobRun is the one record
  every job writes wherever it runs (a worker on another host, the web process when jobs run
  eagerly, ``run_schedule``), so the web process can count them all without a metrics
  endpoint in each worker or a shared folder between hosts.
- **The queue**: the length of each Celery queue in Redis (LLEN), and whether the broker
  answered; absent when jobs run eagerly (no REDIS_URL).
- **Pending uploads** (``core.pending_uploads``): how many wait between preview and
  confirmation, their bytes, and how many are past their expiry (the hourly purge is not
  running).

Under gunicorn each worker process counts its own requests; with PROMETHEUS_MULTIPROC_DIR
set (deploy/jieshui-web.service) prometheus_client keeps the counts in files there and a
scrape adds up every worker's (deploy/gunicorn.conf.py marks a finished worker's files).
"""

import ipaddress
import os
import time
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import Http404
from prometheus_client import CollectorRegistry, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.django import PrometheusDjangoView
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.utils import floatToGoString

from . import pending_uploads
from .audit import client_ip
from .models import JobRun

# From a quick page to the 120 s gunicorn allows the national bulk import's confirmation.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
# Report builds and national recomputes run for minutes (CELERY_TASK_TIME_LIMIT is 360 s).
JOB_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# A request no route answered (a 404 for an unknown address, a redirect to add a slash).
UNRESOLVED = "unresolved"

# A "_created" series beside every labelled histogram tells Prometheus nothing it needs here.
disable_created_metrics()

# Not in prometheus_client's global registry: each scrape builds its own (``registry``).
REQUEST_LATENCY = Histogram(
    "jieshui_http_request_duration_seconds",
    "Time to answer a request, by route name, method and status class.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)


def route_of(request):
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else UNRESOLVED


class RequestLatencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_LATENCY.labels(
            route=route_of(request),
            method=request.method if request.method in METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


def _seconds(duration):
    return duration.total_seconds() if duration is not None else 0.0


class PortalCollector:
    """What Prometheus is told about jobs, the queue and pending uploads, read at each scrape."""

    def collect(self):
        yield from self.jobs()
        yield from self.queue()
        yield from self.uploads()

    def jobs(self):
        runs = CounterMetricFamily("jieshui_job_runs", "Finished runs of each background job, by outcome.",
                                   labels=["job", "state"])
        running = GaugeMetricFamily("jieshui_jobs_running", "Runs of each background job not finished yet.",
                                    labels=["job"])
        for row in JobRun.objects.order_by().values("name", "state").annotate(runs=Count("pk")):
            if row["state"] == JobRun.State.RUNNING:
                running.add_metric([row["name"]], row["runs"])
            else:
                runs.add_metric([row["name"], row["state"]], row["runs"])
        durations = HistogramMetricFamily("jieshui_job_duration_seconds",
                                          "How long the finished runs of each background job took.", labels=["job"])
        took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        buckets = {f"le_{index}": Count("pk", filter=Q(took__lte=timedelta(seconds=bound)))
                   for index, bound in enumerate(JOB_BUCKETS)}
        finished = (JobRun.objects.filter(finished_at__isnull=False).order_by().annotate(took=took)
                    .values("name").annotate(runs=Count("pk"), total=Sum("took"), **buckets))
        for row in finished:
            counts = [(floatToGoString(bound), row[f"le_{index}"]) for index, bound in enumerate(JOB_BUCKETS)]
            durations.add_metric([row["name"]], [*counts, ("+Inf", row["runs"])], _seconds(row["total"]))
        yield from (runs, running, durations)

    def queue(self):
        if not settings.REDIS_URL:
            return  # jobs run eagerly: there is no queue
        from config.celery import app

        from .health import broker_client

        up = GaugeMetricFamily("jieshui_broker_up", "Whether Redis, the job queue, answered this scrape.")
        length = GaugeMetricFamily("jieshui_celery_queue_length", "Jobs waiting in each Celery queue.",
                                   labels=["queue"])
        names = sorted({app.conf.task_default_queue, *(queue.name for queue in app.conf.task_queues or ())})
        client = broker_client()
        try:
            lengths = [client.llen(name) for name in names]
        except (redis.RedisError, OSError):
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for name, waiting in zip(names, lengths, strict=True):
                length.add_metric([name], waiting)
        finally:
            client.close()
        yield from (up, length)

    def uploads(self):
        count, size, expired = pending_uploads.census()
        yield GaugeMetricFamily("jieshui_pending_uploads", "Uploads waiting between preview and confirmation.",
                                value=count)
        yield GaugeMetricFamily("jieshui_pending_upload_bytes", "Bytes of the uploads waiting for confirmation.",
                                value=size)
        yield GaugeMetricFamily("jieshui_pending_uploads_expired",
                                "Pending uploads past their expiry that the hourly purge has not removed.",
                                value=expired)


def scrape_registry():
    """What one scrape reports: every gunicorn worker's requests (multiprocess mode), or this
    process's, and the portal's figures read now."""
    scrape = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scrape)
    else:
        scrape.register(REQUEST_LATENCY)
    scrape.register(PortalCollector())
    return scrape


def allowed(request):
    """Whether the request comes from the monitoring host, by the audit log's rule for the
    client address (so behind nginx, AXES_PROXY_COUNT=1, a client cannot claim another one)."""
    address = client_ip(request)
    if address is None:
        return False
    return any(ipaddress.ip_address(address) in ipaddress.ip_network(entry, strict=False)
               for entry in settings.METRICS_ALLOWED_IPS)


class MetricsView(PrometheusDjangoView):
    """prometheus_client's Django view (text or OpenMetrics as the scraper asks, gzip) on a
    registry built for each scrape."""

    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        if not allowed(request):
            raise Http404
        self.registry = scrape_registry()
        return super().dispatch(request, *args, **kwargs)


metrics = MetricsView.as_view()
