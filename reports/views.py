"""Pages of ``reports``: a district's quarter (verdict and department scorecards), one
scorecard with the records behind it, the city's districts side by side, the weights of a
plan's scorecard, and the record of background jobs for administrators."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaigns import selectors as campaign_selectors
from core import runs
from core.audit import audited
from core.models import JobRun
from core.periods import Quarter
from core.security_headers import stored_document_response
from core.views import requested_district, requested_quarter
from core.workflow import EditConflict, save_versioned
from indicators.models import Indicator
from org.models import Region
from org.scoping import visible_to
from tasks.models import Plan

from . import explain, selectors, services
from .forms import ScoreWeightsForm
from .models import COMPONENTS, QuarterlyReport, Scorecard, ScoreWeights

JOBS_PER_PAGE = 50
CITY_ROWS_PER_PAGE = 100


@require_safe
@login_required
def summary(request):
    """A district's quarter: the compliance verdict and every department's scorecard."""
    scope = visible_to(request.user)
    region, regions = requested_district(request, scope)
    plans_this_year = list(selectors.plans_of(region, Quarter.containing(timezone.localdate()).year))
    quarter = requested_quarter(request, default=selectors.default_quarter(plans_this_year))
    plans = list(selectors.plans_of(region, quarter.year))
    plan = next((p for p in plans if str(p.pk) == request.GET.get("plan")), plans[0] if plans else None)
    verdicts = selectors.verdicts_of(region, quarter)
    # Codes are unique within a standard only: each verdict names its own standard's items.
    names = {}
    for indicator_set_id, code, name in Indicator.objects.filter(
        indicator_set__in=[row.indicator_set.pk for row in verdicts if row.verdict]
    ).values_list("indicator_set", "code", "name"):
        names.setdefault(indicator_set_id, {})[code] = name
    rows = selectors.scorecards(plan, quarter, scope=scope) if plan else []
    return render(request, "reports/summary.html", {
        "region": region, "regions": regions, "quarter": quarter, "previous": quarter.previous(),
        "next": quarter.next(), "plans": plans, "plan": plan, "verdicts": verdicts, "names": names, "rows": rows,
        "can_change": scope.can_review_region(region), "weights": _weights(plan) if plan else None,
        "chart_data": _departments_chart(rows, quarter), **_deadline(plan, quarter),
    })


def _deadline(plan, quarter):
    """{"due", "running"}: when the quarter's entries are due under ``plan`` and whether
    they still are to come (nothing of a running quarter is late or missing yet)."""
    if plan is None:
        return {"due": None, "running": False}
    return {"due": plan.deadline_rule.due_on(quarter),
            "running": plan.deadline_rule.is_running(quarter, timezone.localdate())}


def _departments_chart(rows, quarter):
    """Departments compared: this quarter's composite beside last quarter's, best at the top."""
    scored = [row for row in rows if row.card.composite is not None]
    if not scored:
        return None
    previous = [row.previous.composite if row.previous else None for row in scored]
    return {"kind": "bar", "horizontal": True, "max": 100,
            "categories": [row.card.department.short_name for row in scored],
            "series": [{"name": quarter.label, "values": [row.card.composite for row in scored]},
                       {"name": quarter.previous().label, "values": previous}]}


def _weights(plan):
    return ScoreWeights.objects.filter(plan=plan).first() or ScoreWeights(plan=plan)


@require_safe
@login_required
def scorecard(request, pk):
    scope = visible_to(request.user)
    card = scope.record_or_404(Scorecard.objects.select_related("plan__region", "department"), department="department",
                               pk=pk)
    quarter = Quarter(card.year, card.quarter)
    quarters = [quarter.shift(-offset) for offset in range(7, -1, -1)]
    records = selectors.drill_down(card)
    return render(request, "reports/scorecard.html", {
        "card": card, "quarter": quarter, "parts": selectors.parts(card), "weights": _weights(card.plan),
        "explanation": explain.explain(card, records["due"]), **records,
        "chart_data": {"kind": "line", "categories": [q.label for q in quarters], "max": 100,
                       "series": [{"name": card.department.short_name,
                                   "values": selectors.series(card.plan, card.department, quarters)}]},
    })


@require_safe
@login_required
def city(request):
    """Every district the user sees, side by side, for the city supervisor."""
    scope = visible_to(request.user)
    regions = list(scope.districts())
    quarter = requested_quarter(request, default=Quarter.containing(timezone.localdate()).previous())
    standards = selectors.city_standards(regions)
    wanted = request.GET.get("standard", "")
    indicator_set = next((s for s, _count in standards if wanted in (s.code, str(s.pk))),
                         standards[0][0] if standards else None)
    rows = selectors.city(regions, quarter, indicator_set)
    sort = request.GET.get("sort", "name")
    rows.sort(key=selectors.SORTS.get(sort, selectors.SORTS["name"]))
    # A province has about a hundred districts, the country thousands: a page of them at a time.
    page = Paginator(rows, CITY_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page)
    scored = indicator_set is not None and indicator_set.is_scored
    if scored:
        second = {"name": _("Points"), "values": [None if row.points is None else float(row.points) for row in rows]}
    else:
        second = {"name": _("Guiding indicators met (%)"), "values": [row.guiding_share for row in rows]}
    standard_query = f"&standard={indicator_set.code}" if indicator_set is not None else ""
    return render(request, "reports/city.html", {
        "rows": rows, "page": page, "quarter": quarter, "previous": quarter.previous(), "next": quarter.next(),
        "sort": sort, "standards": standards, "indicator_set": indicator_set, "scored": scored,
        "standard_query": standard_query,
        "query": urlencode({"quarter": quarter, "sort": sort, **({"standard": indicator_set.code}
                                                                   if indicator_set is not None else {})}),
        "chart_data": {"kind": "bar", "categories": [row.region.name for row in rows],
                       "max": None if scored else 100,
                       "series": [{"name": _("Mean department score"), "values": [row.average for row in rows]},
                                  second]},
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Change scorecard weights"), "tasks.Plan")
def weights(request, pk):
    scope = visible_to(request.user)
    plan = scope.get_or_404(Plan.objects.select_related("region"), region="region", change=True, pk=pk)
    stored = _weights(plan)
    form = ScoreWeightsForm(request.POST or None, instance=stored)
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            if stored.pk is None:
                form.instance.full_clean()
                form.instance.save()
            else:
                save_versioned(form.instance, version=form.cleaned_data["version"], fields=form.Meta.fields)
        except EditConflict as conflict:
            current = conflict.current
            form.show_conflict(current)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            services.plan_scores_stale(plan)
            messages.success(request, _("Weights saved; the plan's scorecards are being recomputed."))
            return redirect(f"{_summary_url(plan.region)}&plan={plan.pk}")
    return render(request, "reports/weights.html", {
        "plan": plan, "form": form, "current": current, "components": COMPONENTS,
        "cancel_url": f"{_summary_url(plan.region)}&plan={plan.pk}",
    })


def _posted_region_quarter(request):
    """The district (one the user may change) and quarter a POST names, or a 404."""
    region = visible_to(request.user).regions(change=True).filter(code=request.POST.get("region", "")).first()
    try:
        quarter = Quarter.parse(request.POST.get("quarter", ""))
    except ValueError:
        quarter = None
    if region is None or quarter is None:
        raise Http404
    return region, quarter


def _posted_int(request, name):
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else None


def _summary_url(region):
    return f"{reverse('reports:summary')}?region={region.code}"


@require_POST
@login_required
@audited(gettext_lazy("Recompute scores"))
def recompute(request):
    """A reviewer asks for the district's scores of a quarter to be recomputed now."""
    region, quarter = _posted_region_quarter(request)
    services.scores_stale(region=region, quarter=quarter)
    messages.success(request, _("The scores of %(quarter)s are being recomputed.") % {"quarter": quarter.label})
    return redirect(f"{_summary_url(region)}&quarter={quarter}")


@require_safe
@login_required
def jobs(request):
    if not visible_to(request.user).is_admin:
        raise Http404
    page = Paginator(JobRun.objects.all(), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reports/jobs.html", {"page": page, "subjects": selectors.job_subjects(page.object_list)})


@require_POST
@login_required
@audited(gettext_lazy("Retry a background job"))
def job_retry(request):
    """An administrator runs a failed job again."""
    if not visible_to(request.user).is_admin:
        raise Http404
    run = JobRun.objects.filter(pk=_posted_int(request, "run")).first()
    if run is None or not run.can_retry:
        raise Http404
    try:
        runs.retry(run, user=request.user)
    except runs.CannotRetry as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("%(job)s has been queued again.") % {"job": run.label})
    return redirect("reports:jobs")


@require_safe
@login_required
def home(request):
    """The first page: who and where, then what needs attention for the user's role."""
    scope = visible_to(request.user)
    region = scope.home_region
    context = {
        "scope": scope, "department": request.user.department, "region": region,
        "regions": scope.regions().select_related("parent").order_by("code")[:20],
    }
    if region is not None and region.level == Region.Level.COUNTY and scope.role == "reviewer":
        context["district"] = selectors.district_home(region)
    elif scope.role == "supervisor" or scope.is_admin:
        districts = scope.districts()
        verdicts = selectors.latest_verdicts(list(districts))
        # A city's districts that use the portal only for its campaign (or not yet) adopt no
        # standard: one line names them instead of a card each.
        context["verdicts"] = [(district, rows) for district, rows in verdicts if rows]
        context["without_standard"] = [district for district, rows in verdicts if not rows]
    elif scope.role == "reporter" and request.user.department_id:
        context["reporter"] = selectors.reporter_home(request.user)
    elif scope.role == "expert":
        from campaigns.selectors_assessment import assignments_of

        context["assignments"] = assignments_of(request.user)
    context["campaign_home"] = campaign_selectors.home(scope, timezone.localdate())
    return render(request, "reports/home.html", context)


# --- the quarterly report ----------------------------------------------------------------------


def _report_page_url(region, quarter):
    return f"{reverse('reports:quarterly')}?region={region.code}&quarter={quarter}"


@require_safe
@login_required
def quarterly(request):
    """A district's quarterly report: its builds, newest first, the current one marked,
    with a live progress bar while one builds."""
    scope = visible_to(request.user)
    region, regions = requested_district(request, scope)
    plans = list(selectors.plans_of(region, timezone.localdate().year))
    quarter = requested_quarter(request, default=selectors.default_quarter(plans))
    builds = QuarterlyReport.objects.filter(region=region, year=quarter.year, quarter=quarter.number).select_related(
        "region"
    )
    return render(request, "reports/quarterly.html", {
        "region": region, "regions": regions, "quarter": quarter, "previous": quarter.previous(),
        "next": quarter.next(), "builds": builds[:20], "working": any(b.is_working for b in builds[:5]),
        "can_change": scope.can_review_region(region), "standards": selectors.verdicts_of(region, quarter),
        **_deadline(next(iter(selectors.plans_of(region, quarter.year)), None), quarter),
    })


@require_safe
@login_required
def quarterly_status(request, pk):
    """The row of one build, polled by the page while it builds (htmx)."""
    scope = visible_to(request.user)
    report = scope.get_or_404(QuarterlyReport.objects.select_related("region"), region="region", pk=pk)
    return render(request, "reports/_build_row.html",
                  {"build": report, "can_change": scope.can_review_region(report.region)})


@require_POST
@login_required
@audited(gettext_lazy("Build a quarterly report"))
def quarterly_build(request):
    region, quarter = _posted_region_quarter(request)
    report = services.report_request(region=region, quarter=quarter, user=request.user)
    report.refresh_from_db(fields=["state", "reason"])  # the job was handed over (or not) on commit
    if report.state == QuarterlyReport.State.FAILED:
        messages.error(request, report.reason)
    else:
        messages.success(request, _("The report is being built; this page shows its progress."),
                         extra_tags=runs.WHILE_BUILDING)
    return redirect(_report_page_url(region, quarter))


@require_safe
@login_required
def quarterly_file(request, pk, kind):
    """Download the workbook or the Word draft, or open the printable page, of one build."""
    report = visible_to(request.user).get_or_404(QuarterlyReport.objects.select_related("region"), region="region",
                                                 pk=pk, state=QuarterlyReport.State.DONE)
    if kind not in QuarterlyReport.FILES or not getattr(report, QuarterlyReport.FILES[kind]):
        raise Http404
    stored = getattr(report, QuarterlyReport.FILES[kind])
    if kind == "html":
        return stored_document_response(stored.open("rb").read())
    return FileResponse(stored.open("rb"), as_attachment=True, filename=report.download_name(kind))
