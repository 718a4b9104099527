"""Pages of the city's own work on a campaign: joint meetings, supervision visits, a year's
funding (the suggestion, the bureau's adjustments, the approval) and the annual summary
built in the background. Only the campaign's supervisors and administrators open them;
anyone else gets 404."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audit import audited
from core.runs import WHILE_BUILDING
from core.workflow import EditConflict, TransitionRefused
from org.scoping import visible_to

from .. import annual_summary
from ..forms_campaign import AllocationsForm, FundingForm, MeetingForm, SummaryYearForm, VisitForm
from ..models import AnnualSummary, FundingRound, JointMeeting, Stage, SupervisionVisit
from ..services import city_work as services
from ..services import funding as funding_services

PER_PAGE = 20
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _campaign(request, pk):
    return visible_to(request.user).campaign_or_404(change=True, pk=pk)


def _campaign_of_region(request, region_id):
    """The first campaign of ``region_id`` the user runs: a meeting or a visit belongs to
    the region, and its page links back to the region's campaign."""
    campaign = visible_to(request.user).campaigns(change=True).filter(region=region_id).order_by("-goal_year").first()
    if campaign is None:
        raise Http404
    return campaign


def _save(form, save):
    """Run ``save`` (a service call); on a refusal, show why on the form. Returns whether it saved."""
    try:
        save()
    except EditConflict as conflict:
        form.show_conflict(conflict.current)
    except ValidationError as error:
        form.add_error(None, error)
    else:
        return True
    return False


# --- joint meetings -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Record a joint meeting"), "campaigns.Campaign")
def meetings(request, pk):
    campaign = _campaign(request, pk)
    form = MeetingForm(request.POST or None, instance=JointMeeting(region=campaign.region), region=campaign.region)
    if request.method == "POST" and form.is_valid():
        saved = _save(form, lambda: services.meeting_save(meeting=form.instance, user=request.user,
                                                          departments=list(form.cleaned_data["departments"])))
        if saved:
            messages.success(request, _("Joint meeting recorded."))
            return redirect("campaigns:meetings", campaign.pk)
    rows = JointMeeting.objects.filter(region=campaign.region).prefetch_related("departments")
    page = Paginator(rows.order_by("-held_on", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/city/meetings.html", {"campaign": campaign, "form": form, "page": page})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Change a joint meeting"), "campaigns.JointMeeting")
def meeting(request, pk):
    regions = visible_to(request.user).campaigns(change=True).values("region")
    stored = get_object_or_404(JointMeeting.objects.select_related("region"), pk=pk, region__in=regions)
    campaign = _campaign_of_region(request, stored.region_id)
    form = MeetingForm(request.POST or None, instance=stored, region=stored.region)
    if request.method == "POST" and form.is_valid():
        saved = _save(form, lambda: services.meeting_save(meeting=form.instance, user=request.user,
                                                          departments=list(form.cleaned_data["departments"]),
                                                          seen=form.cleaned_data["seen"]))
        if saved:
            messages.success(request, _("Joint meeting saved."))
            return redirect("campaigns:meetings", campaign.pk)
    return render(request, "campaigns/city/meeting.html", {
        "campaign": campaign, "meeting": stored, "form": form,
        "history": stored.history.select_related("history_user").order_by("-history_date")[:20],
    })


# --- supervision visits -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Record a supervision visit"), "campaigns.Campaign")
def visits(request, pk):
    campaign = _campaign(request, pk)
    form = VisitForm(request.POST or None, instance=SupervisionVisit(region=campaign.region), region=campaign.region)
    if request.method == "POST" and form.is_valid():
        saved = _save(form, lambda: services.visit_save(visit=form.instance, user=request.user,
                                                        counties=list(form.cleaned_data["counties"])))
        if saved:
            messages.success(request, _("Supervision visit recorded."))
            return redirect("campaigns:visits", campaign.pk)
    rows = SupervisionVisit.objects.filter(region=campaign.region).prefetch_related("counties")
    page = Paginator(rows.order_by("-visited_on", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/city/visits.html", {"campaign": campaign, "form": form, "page": page})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Change a supervision visit"), "campaigns.SupervisionVisit")
def visit(request, pk):
    regions = visible_to(request.user).campaigns(change=True).values("region")
    stored = get_object_or_404(SupervisionVisit.objects.select_related("region"), pk=pk, region__in=regions)
    campaign = _campaign_of_region(request, stored.region_id)
    form = VisitForm(request.POST or None, instance=stored, region=stored.region)
    if request.method == "POST" and form.is_valid():
        saved = _save(form, lambda: services.visit_save(visit=form.instance, user=request.user,
                                                        counties=list(form.cleaned_data["counties"]),
                                                        seen=form.cleaned_data["seen"]))
        if saved:
            messages.success(request, _("Supervision visit saved."))
            return redirect("campaigns:visits", campaign.pk)
    return render(request, "campaigns/city/visit.html", {
        "campaign": campaign, "visit": stored, "form": form,
        "history": stored.history.select_related("history_user").order_by("-history_date")[:20],
    })


# --- funding --------------------------------------------------------------------------------------


def _funding_url(funding):
    return reverse("campaigns:funding", args=[funding.campaign_id, funding.year])


FUNDING_ACTIONS = (
    ("action", "change", gettext_lazy("Change the funding's total or basis")),
    ("action", "suggest", gettext_lazy("Weigh the funding again")),
    ("action", "adjust", gettext_lazy("Adjust funding amounts")),
)


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Set up a year's funding"), "campaigns.Campaign", variants=FUNDING_ACTIONS)
def funding(request, pk, year):
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    campaign = _campaign(request, pk)
    stored = FundingRound.objects.filter(campaign=campaign, year=year).select_related("approved_by").first()
    action = request.POST.get("action", "")
    posted = request.POST if request.method == "POST" else None
    settings_form = FundingForm(posted if action in ("open", "change") else None,
                                instance=stored or FundingRound(campaign=campaign, year=year))
    allocations = list(stored.allocations.select_related("creation__region", "creation__batch")) if stored else []
    amounts_form = AllocationsForm(posted if action == "adjust" else None, allocations=allocations,
                                   initial={"version": stored.version if stored else None})
    if request.method == "POST":
        done = _funding_post(request, campaign, year, stored, action, settings_form, amounts_form)
        if done:
            return redirect("campaigns:funding", campaign.pk, year)
    weighed = funding_services.weighings(campaign, year)
    allocated = sum((a.amount for a in allocations), Decimal("0"))
    difference = (allocated - stored.total) if stored else None
    return render(request, "campaigns/city/funding.html", {
        "campaign": campaign, "year": year, "funding": stored, "settings_form": settings_form,
        "amounts_form": amounts_form, "weighed": list(weighed.values()),
        "rows": [(allocation, amount, note, weighed.get(allocation.creation_id))
                 for allocation, amount, note in amounts_form.rows()],
        "stage_weights": [(Stage(stage).label, weight) for stage, weight in funding_services.STAGE_WEIGHTS.items()],
        "allocated": allocated, "difference": difference, "gap": abs(difference) if difference else None,
        "suggested_total": sum((a.suggested for a in allocations), Decimal("0")),
        "years": list(FundingRound.objects.filter(campaign=campaign).order_by("-year").values_list("year", flat=True)),
        "previous": year - 1, "next": year + 1,
    })


def _funding_post(request, campaign, year, stored, action, settings_form, amounts_form):
    """Carry out the funding page's ``action``; True when it saved."""
    try:
        if action == "open":
            if stored is None and not settings_form.is_valid():
                return False
            data = settings_form.cleaned_data if stored is None else {"total": stored.total, "basis": stored.basis}
            funding_services.funding_open(campaign=campaign, year=year, total=data["total"], basis=data["basis"],
                                          user=request.user)
            messages.success(request, _("The %(year)d funding is set up with a suggested allocation.") % {"year": year})
            return True
        if stored is None:
            raise Http404
        if action == "change" and settings_form.is_valid():
            funding_services.funding_change(funding=stored, total=settings_form.cleaned_data["total"],
                                            basis=settings_form.cleaned_data["basis"], user=request.user,
                                            version=settings_form.cleaned_data["version"])
            messages.success(request, _("Funding saved; the suggestion follows the new total."))
            return True
        if action == "suggest":
            funding_services.funding_suggest(funding=stored, user=request.user,
                                             version=_posted_version(request))
            messages.success(request, _("Weighed again from the counties' stages and scores; adjusted amounts "
                                        "are kept."))
            return True
        if action == "adjust" and amounts_form.is_valid():
            changed = funding_services.funding_adjust(funding=stored, amounts=amounts_form.amounts,
                                                      user=request.user, version=amounts_form.cleaned_data["version"])
            messages.success(request, _("%(count)d amounts changed.") % {"count": len(changed)})
            return True
    except TransitionRefused as refused:
        messages.error(request, str(refused))
        return True
    except EditConflict:
        messages.error(request, _("Someone else changed this funding after you opened it: the page shows it as it "
                                  "is now."))
        return True
    except ValidationError as error:
        form = amounts_form if action == "adjust" else settings_form
        form.add_error(None, error)
    return False


def _posted_version(request):
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@require_POST
@login_required
@audited(gettext_lazy("Approve a year's funding"), "campaigns.FundingRound")
def funding_approve(request, pk):
    campaigns = visible_to(request.user).campaigns(change=True)
    stored = get_object_or_404(FundingRound, pk=pk, campaign__in=campaigns)
    try:
        funding_services.funding_approve(funding=stored, user=request.user, version=_posted_version(request))
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    except EditConflict:
        messages.error(request, _("Someone else changed this funding after you opened it: check it and approve "
                                  "again."))
    else:
        messages.success(request, _("The %(year)d funding is approved; its amounts no longer change.")
                         % {"year": stored.year})
    return redirect(_funding_url(stored))


# --- the annual summary -------------------------------------------------------------------------


def _default_year(today):
    """The year a summary is usually written for: last year's until the end of March."""
    return today.year - 1 if today.month <= 3 else today.year


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Build an annual summary"), "campaigns.Campaign")
def summaries(request, pk):
    campaign = _campaign(request, pk)
    builds = AnnualSummary.objects.filter(campaign=campaign).select_related("requested_by")
    row = request.GET.get("row", "")
    if request.method == "GET" and row.isdigit():  # the live row a building summary polls for (htmx)
        build = get_object_or_404(builds, pk=row)
        return render(request, "campaigns/city/_summary_row.html", {"build": build, "campaign": campaign})
    form = SummaryYearForm(request.POST or None, initial={"year": _default_year(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        summary = services.summary_request(campaign=campaign, year=form.cleaned_data["year"], user=request.user)
        summary.refresh_from_db(fields=["state", "reason"])  # the job was handed over (or not) on commit
        if summary.state == AnnualSummary.State.FAILED:
            messages.error(request, summary.reason)
        else:
            messages.success(request, _("The %(year)d summary is being built; this page shows its progress.")
                             % {"year": summary.year}, extra_tags=WHILE_BUILDING)
        return redirect("campaigns:summaries", campaign.pk)
    page = Paginator(builds, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/city/summaries.html", {
        "campaign": campaign, "form": form, "page": page,
        "working": any(build.state in (AnnualSummary.State.QUEUED, AnnualSummary.State.RUNNING)
                       for build in page.object_list),
    })


@require_safe
@login_required
def summary_download(request, pk, kind):
    campaigns = visible_to(request.user).campaigns(change=True)
    summary = get_object_or_404(AnnualSummary.objects.select_related("campaign__region"), pk=pk,
                                campaign__in=campaigns, state=AnnualSummary.State.DONE)
    stored = {"docx": summary.document, "xlsx": summary.workbook}.get(kind)
    if not stored:
        raise Http404
    names = annual_summary.file_names(summary.campaign.region, summary.year)
    return FileResponse(stored.open("rb"), as_attachment=True, filename=names[kind])
