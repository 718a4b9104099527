"""自评: the county's water bureau scores the county item by item and declares it; the
campaign's supervisors, the county's other users and the assigned experts read it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import evidence as evidence_files
from core.audit import audited
from core.workflow import EditConflict, TransitionRefused
from indicators.scoring_rules import allowed_points
from org.scoping import visible_to

from .. import selectors_assessment as selectors
from .. import stages
from ..forms_assessment import SelfScoreForm, StartForm, VersionForm
from ..models import Creation, SelfAssessment, SelfScore, SelfScoreEvidence, Stage
from ..services import self_assessment as services

STALE = gettext_lazy("Someone else changed the self-assessment after you opened the page. Look at it again and "
                     "repeat your step.")


def _creation(request, pk):
    return visible_to(request.user).creation_or_404(
        Creation.objects.select_related("campaign__indicator_set", "campaign__region__parent", "region", "batch"),
        pk=pk)


def _score(request, pk):
    queryset = SelfScore.objects.select_related("indicator", "assessment__creation__region",
                                                "assessment__creation__campaign__region__parent",
                                                "assessment__indicator_set")
    return visible_to(request.user).creation_or_404(queryset, prefix="assessment__creation__", pk=pk)


def _county_only(request, creation):
    """Only the county's water bureau acts on its self-assessment: anyone else posting gets
    the 404 of something they cannot change."""
    if not stages.is_county_actor(request.user, creation):
        raise Http404


def _page_url(creation, score=None):
    url = reverse("campaigns:self_assessment", args=[creation.pk])
    return f"{url}#item-{score.indicator.number}" if score is not None else url


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Self-assessment"), "campaigns.Creation", variants=(
    ("action", "start", gettext_lazy("Start the self-assessment")),
    ("action", "refresh", gettext_lazy("Fill the computed items again")),
    ("action", "submit", gettext_lazy("Submit the self-assessment and declare"))))
def self_assessment(request, pk):
    creation = _creation(request, pk)
    assessment = SelfAssessment.objects.filter(creation=creation).select_related("indicator_set").first()
    if request.method == "POST":
        _county_only(request, creation)
        _act(request, creation, assessment)
        return redirect(_page_url(creation))
    summary = selectors.self_assessment(assessment, request.user) if assessment is not None else None
    can_act = stages.is_county_actor(request.user, creation)
    is_open = assessment is not None and not assessment.is_frozen and creation.stage == Stage.SELF_ASSESSMENT
    return render(request, "campaigns/assessment/self_assessment.html", {
        "creation": creation, "assessment": assessment, "summary": summary,
        "can_start": can_act and creation.stage == Stage.PLANNED, "can_change": can_act and is_open,
        "is_open": is_open, "standard": creation.campaign.indicator_set,
    })


def _act(request, creation, assessment):
    action = request.POST.get("action")
    if action == "start":
        form = StartForm(request.POST)
        if not form.is_valid():
            raise Http404
        try:
            services.start(creation, user=request.user, version=form.cleaned_data["version"])
        except EditConflict:
            messages.error(request, _("Someone else changed the county's record after you opened the page. Look "
                                      "at it again and repeat your step."))
        except TransitionRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The self-assessment has started: the items computed from the county's "
                                        "figures are filled in; answer the others."))
        return
    form = VersionForm(request.POST)
    if assessment is None or action not in ("refresh", "submit") or not form.is_valid():
        raise Http404
    version = form.cleaned_data["version"]
    try:
        if action == "refresh":
            changed = services.refresh(assessment, user=request.user, version=version)
        else:
            services.submit(assessment, user=request.user, version=version)
    except EditConflict:
        messages.error(request, STALE)
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        if action == "refresh":
            messages.success(request, _("Computed items filled again from the portal's figures: %(count)d changed.")
                             % {"count": changed})
        else:
            messages.success(request, _("The self-assessment is submitted and the county has declared. It no longer "
                                        "changes."))


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Answer a self-assessment item"), "campaigns.SelfScore")
def self_score(request, pk):
    score = _score(request, pk)
    assessment = score.assessment
    creation = assessment.creation
    allowed = allowed_points(score.indicator.scoring, full=score.indicator.points)
    can_act = stages.is_county_actor(request.user, creation)
    is_open = not assessment.is_frozen and creation.stage == Stage.SELF_ASSESSMENT
    can_change = can_act and is_open and not score.computed
    if request.method == "POST" and not can_act:
        raise Http404
    initial = {"points": score.points, "explanation": score.explanation, "version": assessment.version}
    form = SelfScoreForm(request.POST if request.method == "POST" else None, indicator=score.indicator,
                         allowed=allowed, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_score(score, user=request.user, points=data["points"], explanation=data["explanation"],
                                version=data["version"])
        except EditConflict as conflict:
            form.add_error(None, STALE)
            posted = form.data.copy()
            posted["version"] = conflict.current.version
            form.data = posted
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except TransitionRefused as error:
            messages.error(request, str(error))
            return redirect(_page_url(creation, score))
        else:
            messages.success(request, _("%(item)s saved.") % {"item": score.indicator.name})
            return redirect(_page_url(creation, score))
    return render(request, "campaigns/assessment/self_score.html", {
        "score": score, "indicator": score.indicator, "assessment": assessment, "creation": creation,
        "form": form, "allowed": allowed, "can_change": can_change, "can_attach": can_act and is_open,
        "files": score.evidence.select_related("uploaded_by"),
        "lineage_pk": selectors.readable_lineage(score, request.user),
    })


@require_POST
@login_required
@audited(gettext_lazy("Attach self-assessment evidence"), "campaigns.SelfScore")
def self_score_evidence_upload(request, pk):
    score = _score(request, pk)
    _county_only(request, score.assessment.creation)
    back = reverse("campaigns:self_score", args=[score.pk])
    form = evidence_files.EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(problem for problems in form.errors.values() for problem in problems))
        return redirect(back)
    try:
        stored = services.attach_evidence(score, upload=form.cleaned_data["file"], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” attached.") % {"name": stored.name})
    return redirect(back)


def _evidence(request, pk):
    queryset = SelfScoreEvidence.objects.select_related("score__assessment__creation__region",
                                                        "score__assessment__creation__campaign__region__parent")
    return visible_to(request.user).creation_or_404(queryset, prefix="score__assessment__creation__", pk=pk)


@require_POST
@login_required
@audited(gettext_lazy("Remove self-assessment evidence"), "campaigns.SelfScoreEvidence")
def self_score_evidence_delete(request, pk):
    evidence = _evidence(request, pk)
    _county_only(request, evidence.score.assessment.creation)
    try:
        services.remove_evidence(evidence, user=request.user)
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” removed.") % {"name": evidence.name})
    return redirect("campaigns:self_score", evidence.score_id)


@require_safe
@login_required
def self_score_evidence(request, pk):
    return evidence_files.download(_evidence(request, pk))
