"""现场验收 and its rectification items, 公示 and its objections, 报上级复核 and 命名, 复核.

The city's supervisors take these steps; the county and everyone who reads the campaign
see them. Each page holds the forms of its stage, told apart by the posted ``action``;
a form is shown only to whom may post it now, and a post by anyone else is refused with
nothing written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from core import evidence
from core.audit import audited
from core.history import record_history
from core.workflow import EditConflict, TransitionRefused
from org.scoping import visible_to

from .. import acceptance_opinion as opinion_document
from .. import selectors_acceptance as selectors
from .. import stages
from ..forms_acceptance import (
    AcceptanceStartForm,
    ConclusionForm,
    FindingForm,
    NamingForm,
    ObjectionForm,
    PublicityForm,
    RecheckForm,
    RectificationCloseForm,
    RectificationReportForm,
    RectificationSendBackForm,
    ReportUpwardForm,
    SettlementForm,
)
from ..models import Acceptance, Objection, Publicity, Rectification, RectificationEvidence, Stage
from ..selectors_creation import stage_pages
from ..services import acceptance as services
from .creation import visible_creation

STALE = gettext_lazy("Someone else changed this record after you opened the page: the page now shows what is "
                     "stored. Check it and submit again if you still mean to.")
CITY_ONLY = gettext_lazy("Only the city's water bureau takes this step.")
COUNTY_ONLY = gettext_lazy("Only the county's water bureau takes this step.")
SINCE_STAGE = gettext_lazy("the day the county entered its current stage")


def _action(request):
    return request.POST.get("action") if request.method == "POST" else None


def _bound(request, name):
    """The posted data for the form of action ``name``; None for the others."""
    return request.POST if _action(request) == name else None


def _run(request, form, step, success):
    """Post ``form``'s data to ``step``; a redirect to the page after a save, None when the
    page is to be shown again with what went wrong (form errors, a refusal, a stale page)."""
    if not form.is_valid():
        return None
    try:
        step(form.cleaned_data)
    except EditConflict as conflict:
        messages.error(request, STALE)
        if "version" in form.fields:  # the page now shows the stored version: a second submit is deliberate
            data = form.data.copy()
            data[form.add_prefix("version")] = conflict.current.version
            form.data = data
        return None
    except TransitionRefused as error:
        messages.error(request, str(error))
        return None
    messages.success(request, success)
    return redirect(request.path)


def _post(request, handlers, allowed):
    """Dispatch the posted action to its handler (form, step, success) if ``allowed``
    says this user may take it; a refusal writes nothing."""
    action = _action(request)
    if action not in handlers:
        messages.error(request, _("Nothing to do: the form posted no known action."))
        return redirect(request.path)
    refusal = allowed(action)
    if refusal:
        messages.error(request, refusal)
        return redirect(request.path)
    return _run(request, *handlers[action])


def _roles(user, creation):
    return {"is_city": stages.is_city_actor(user, creation.campaign),
            "is_county": stages.is_county_actor(user, creation)}


def _context(request, creation, **extra):
    return {"creation": creation, "stage_pages": stage_pages(creation), **_roles(request.user, creation), **extra}


# --- 现场验收 --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Start the on-site acceptance"), "campaigns.Creation", variants=(
    ("action", "finding", gettext_lazy("Record an acceptance finding")),
    ("action", "conclusion", gettext_lazy("Record the acceptance's conclusion")),
))
def acceptance(request, pk):
    creation = visible_creation(request, pk)
    user, today = request.user, timezone.localdate()
    found = Acceptance.objects.filter(creation=creation).prefetch_related("departments").first()
    start_form = AcceptanceStartForm(
        _bound(request, "start"), prefix="start", today=today,
        departments=creation.campaign.region.departments.filter(is_active=True).order_by("short_name"),
        earliest={"held_on": (creation.stage_since, SINCE_STAGE)},
        initial={"version": creation.version, "held_on": today})
    finding_form = FindingForm(
        _bound(request, "finding"), prefix="finding", today=today,
        departments=creation.region.departments.filter(is_active=True).order_by("kind", "short_name"),
        earliest={"due": (found.held_on if found else None, "")})
    conclusion_form = ConclusionForm(_bound(request, "conclusion"), prefix="conclusion", initial={
        "version": creation.version, "conclusion": found.conclusion if found else "",
        "opinion": found.opinion if found else ""})
    if request.method == "POST":
        handlers = {
            "start": (start_form, lambda data: services.acceptance_start(
                creation, user=user, held_on=data["held_on"], departments=data["departments"],
                members_text=data["members_text"], version=data["version"]),
                _("The on-site acceptance is recorded: %(county)s is at %(stage)s.") % {
                    "county": creation.region.name, "stage": Stage.ACCEPTANCE.label}),
            "finding": (finding_form, lambda data: services.finding_add(
                creation, user=user, finding=data["finding"], owner=data["owner"], due=data["due"]),
                _("Finding recorded as a rectification item.")),
            "conclusion": (conclusion_form, lambda data: services.acceptance_conclude(
                creation, user=user, conclusion=data["conclusion"], opinion=data["opinion"],
                version=data["version"]), _("The acceptance's conclusion is saved.")),
        }
        answer = _post(request, handlers, lambda action: None if stages.is_city_actor(user, creation.campaign)
                       else CITY_ONLY)
        if answer is not None:
            return answer
    rows = selectors.rectification_rows(found, today)
    return render(request, "campaigns/acceptance/acceptance.html", _context(
        request, creation, acceptance=found, rows=rows, counts=selectors.rectification_counts(rows),
        start_form=start_form, finding_form=finding_form, conclusion_form=conclusion_form,
        technical_total=selectors.technical_total(creation),
        addressee=opinion_document.default_addressee(creation),
        changes=record_history(found) if found else []))


@require_safe
@login_required
def acceptance_opinion(request, pk):
    creation = visible_creation(request, pk)
    if not Acceptance.objects.filter(creation=creation).exists():
        messages.error(request, _("The on-site acceptance has not been recorded yet: there is no opinion to draft."))
        return redirect("campaigns:acceptance", creation.pk)
    addressee = request.GET.get("addressee")
    data = opinion_document.build(creation, addressee=addressee[:100] if addressee is not None else None)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument."
                                               "wordprocessingml.document")
    response["Content-Disposition"] = content_disposition_header(True, f"{opinion_document.title_of(creation)}.docx")
    return response


# --- 整改 ---------------------------------------------------------------------------------------


def _visible_item(request, pk):
    return visible_to(request.user).creation_or_404(
        Rectification.objects.select_related("acceptance__creation__campaign__region__parent",
                                             "acceptance__creation__region", "acceptance__creation__batch",
                                             "owner", "closed_by"),
        prefix="acceptance__creation__", pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Report a rectification item fixed"), "campaigns.Rectification", variants=(
    ("action", "attach", gettext_lazy("Attach rectification evidence")),
    ("action", "remove", gettext_lazy("Remove rectification evidence")),
    ("action", "close", gettext_lazy("Close a rectification item")),
    ("action", "send_back", gettext_lazy("Send a rectification item back")),
))
def rectification(request, pk):
    item = _visible_item(request, pk)
    creation, user, today = item.acceptance.creation, request.user, timezone.localdate()
    action = _action(request)
    roles = _roles(user, creation)
    if action in ("attach", "remove"):  # the files go through the one evidence helper, which says how it went
        if not roles["is_county"]:
            messages.error(request, COUNTY_ONLY)
            return redirect(request.path)
        if action == "attach":
            return evidence.attach(request, item.evidence, back=request.path, review=item)
        stored = item.evidence.filter(pk=request.POST.get("evidence") or 0).first()
        if stored is None:
            messages.error(request, _("That file is not attached to this item."))
            return redirect(request.path)
        return evidence.remove(request, stored, back=request.path, review=item)
    version = {"version": item.version}
    report_form = RectificationReportForm(_bound(request, "report"), prefix="report",
                                          initial={**version, "report": item.report})
    close_form = RectificationCloseForm(_bound(request, "close"), prefix="close", today=today, initial={
        **version, "closed_on": today},
        earliest={"closed_on": (timezone.localdate(item.reported_at) if item.reported_at else None,
                                _("the day it was reported fixed"))})
    send_back_form = RectificationSendBackForm(_bound(request, "send_back"), prefix="send_back", initial=version)
    if request.method == "POST":
        handlers = {
            "report": (report_form, lambda data: services.rectification_report(
                item, user=user, report=data["report"], version=data["version"]),
                _("Reported fixed: the city's water bureau will close the item or send it back.")),
            "close": (close_form, lambda data: services.rectification_close(
                item, user=user, closed_on=data["closed_on"], version=data["version"]), _("Item closed.")),
            "send_back": (send_back_form, lambda data: services.rectification_send_back(
                item, user=user, comment=data["comment"], version=data["version"]),
                _("Item sent back to the county with your comment.")),
        }
        answer = _post(request, handlers, lambda action: (
            (None if roles["is_county"] else COUNTY_ONLY) if action == "report"
            else (None if roles["is_city"] else CITY_ONLY)))
        if answer is not None:
            return answer
    return render(request, "campaigns/acceptance/rectification.html", _context(
        request, creation, item=item, overdue=selectors.is_overdue(item, today), files=item.evidence.all(),
        evidence_form=evidence.EvidenceForm(), report_form=report_form, close_form=close_form,
        send_back_form=send_back_form, changes=record_history(item)))


@require_safe
@login_required
def rectification_evidence_download(request, pk):
    stored = visible_to(request.user).creation_or_404(RectificationEvidence.objects.all(),
                                                      prefix="rectification__acceptance__creation__", pk=pk)
    return evidence.download(stored)


# --- 公示 ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Start the publicity"), "campaigns.Creation",
         variants=(("action", "objection", gettext_lazy("Record an objection")),))
def publicity(request, pk):
    creation = visible_creation(request, pk)
    user, today = request.user, timezone.localdate()
    found = Publicity.objects.filter(creation=creation).first()
    start_form = PublicityForm(_bound(request, "start"), prefix="start", today=today,
                               earliest={"starts_on": (creation.stage_since, SINCE_STAGE)},
                               initial={"version": creation.version, "starts_on": today})
    objection_form = ObjectionForm(_bound(request, "objection"), prefix="objection", today=today,
                                   earliest={"received_on": (found.starts_on if found else None,
                                                             _("the day the publicity started"))},
                                   initial={"received_on": today})
    if request.method == "POST":
        handlers = {
            "start": (start_form, lambda data: services.publicity_start(
                creation, user=user, starts_on=data["starts_on"], ends_on=data["ends_on"], channel=data["channel"],
                version=data["version"]), _("The publicity is recorded: %(county)s is at %(stage)s.") % {
                    "county": creation.region.name, "stage": Stage.PUBLICITY.label}),
            "objection": (objection_form, lambda data: services.objection_add(
                creation, user=user, received_on=data["received_on"], content=data["content"]),
                _("Objection recorded: the county is not named until it is settled.")),
        }
        answer = _post(request, handlers, lambda action: None if stages.is_city_actor(user, creation.campaign)
                       else CITY_ONLY)
        if answer is not None:
            return answer
    found_objections = selectors.objections(found)
    acceptance_found = Acceptance.objects.filter(creation=creation).first()
    return render(request, "campaigns/acceptance/publicity.html", _context(
        request, creation, publicity=found, objections=found_objections,
        open_objections=[item for item in found_objections if item.is_open],
        acceptance=acceptance_found,
        open_items=acceptance_found.rectifications.exclude(state=Rectification.State.CLOSED).count()
        if acceptance_found else 0,
        running=found is not None and found.ends_on >= today,
        start_form=start_form, objection_form=objection_form, changes=record_history(found) if found else []))


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Settle an objection"), "campaigns.Objection")
def objection(request, pk):
    found = visible_to(request.user).creation_or_404(
        Objection.objects.select_related("publicity__creation__campaign__region__parent",
                                         "publicity__creation__region", "publicity__creation__batch", "settled_by"),
        prefix="publicity__creation__", pk=pk)
    creation, user, today = found.publicity.creation, request.user, timezone.localdate()
    form = SettlementForm(request.POST or None, today=today, initial={"settled_on": today},
                          earliest={"settled_on": (found.received_on, _("the day it was received"))})
    if request.method == "POST":
        if not stages.is_city_actor(user, creation.campaign):
            messages.error(request, CITY_ONLY)
            return redirect(request.path)
        answer = _run(request, form, lambda data: services.objection_settle(
            found, user=user, settlement=data["settlement"], settled_on=data["settled_on"]), _("Objection settled."))
        if answer is not None:
            return redirect("campaigns:publicity", creation.pk)
    return render(request, "campaigns/acceptance/objection.html", _context(
        request, creation, objection=found, form=form, changes=record_history(found)))


# --- 报上级复核 and 命名 ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Report a county upward for re-examination"), "campaigns.Creation",
         variants=(("action", "name", gettext_lazy("Record a county's naming")),))
def naming(request, pk):
    creation = visible_creation(request, pk)
    user, today = request.user, timezone.localdate()
    since = {"version": creation.version}
    report_form = ReportUpwardForm(_bound(request, "report"), prefix="report", today=today, initial={
        **since, "reported_on": today}, earliest={"reported_on": (creation.stage_since, SINCE_STAGE)})
    naming_form = NamingForm(_bound(request, "name"), prefix="name", today=today, initial={
        **since, "named_on": today}, earliest={"named_on": (creation.stage_since, SINCE_STAGE)})
    if request.method == "POST":
        handlers = {
            "report": (report_form, lambda data: services.report_upward(
                creation, user=user, reported_on=data["reported_on"], reported_document=data["reported_document"],
                version=data["version"]), _("%(county)s is reported upward for re-examination.") % {
                    "county": creation.region.name}),
            "name": (naming_form, lambda data: services.naming_record(
                creation, user=user, named_batch=data["named_batch"], named_on=data["named_on"],
                named_document=data["named_document"], version=data["version"]),
                _("%(county)s is named.") % {"county": creation.region.name}),
        }
        answer = _post(request, handlers, lambda action: None if stages.is_city_actor(user, creation.campaign)
                       else CITY_ONLY)
        if answer is not None:
            return answer
    found = Publicity.objects.filter(creation=creation).first()
    return render(request, "campaigns/acceptance/naming.html", _context(
        request, creation, publicity=found,
        open_objections=[item for item in selectors.objections(found) if item.is_open],
        report_form=report_form, naming_form=naming_form))


# --- 复核 ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Record a re-check"), "campaigns.Creation")
def recheck(request, pk):
    creation = visible_creation(request, pk)
    user, today = request.user, timezone.localdate()
    form = RecheckForm(request.POST or None, today=today, initial={"version": creation.version, "checked_on": today},
                       earliest={"checked_on": (creation.stage_since, SINCE_STAGE)})
    if request.method == "POST":
        if not stages.is_city_actor(user, creation.campaign):
            messages.error(request, CITY_ONLY)
            return redirect(request.path)
        answer = _run(request, form, lambda data: services.recheck_record(
            creation, user=user, checked_on=data["checked_on"], outcome=data["outcome"], document=data["document"],
            note=data["note"], version=data["version"]), _("Re-check recorded."))
        if answer is not None:
            return answer
    return render(request, "campaigns/acceptance/recheck.html", _context(
        request, creation, rechecks=creation.rechecks.order_by("-checked_on", "-pk"), form=form,
        may_recheck=creation.stage in (Stage.NAMED, Stage.RECHECKED)))
