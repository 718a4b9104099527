"""技术评估: the city's register of experts and their accounts, the group it assigns to a
county, each expert's scoring (on the page or an offline sheet), the group's scores with
the leader's consensus and conclusion, and the 技术评估意见 in Word.

Who opens what: the register and the group are the city's (its supervisors, and
administrators); an expert scores only the counties whose group they sit in, and sees the
other members' scores only after submitting their own; the group's table is the city's,
the leader's and the submitted members'. Anything else is a 404."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from core import staged_import
from core.audit import audited
from core.errors import ImportBlocked
from core.numbers import plain
from core.views import xlsx_response
from core.workflow import EditConflict, TransitionRefused
from org.models import User
from org.scoping import visible_to

from .. import score_sheet as sheets
from .. import selectors_assessment as selectors
from .. import stages
from .. import technical_opinion as opinion_document
from ..forms_assessment import (
    ConcludeForm,
    ConsensusForm,
    ExpertAccountForm,
    ExpertForm,
    ExpertGroupForm,
    ScoreSheetUploadForm,
    ScoringForm,
    StartForm,
)
from ..models import Creation, Expert, Membership, SelfAssessment, Stage
from ..services import experts as services

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXPERTS_PER_PAGE = 50


def _creation(request, pk):
    return visible_to(request.user).creation_or_404(
        Creation.objects.select_related("campaign__indicator_set", "campaign__region__parent", "region", "batch"),
        pk=pk)


def _register_keeper(request):
    if not services.may_keep_register(request.user):
        raise Http404


def _city_creation(request, pk):
    creation = _creation(request, pk)
    if not stages.is_city_actor(request.user, creation.campaign):
        raise Http404
    return creation


def _own_membership(request, pk):
    """The signed-in expert's membership of the county's group; a 404 for anyone else."""
    if request.user.role != User.Role.EXPERT:
        raise Http404
    creation = _creation(request, pk)
    membership = selectors.membership_of(request.user, creation)
    if membership is None:
        raise Http404
    return creation, membership


# --- the register ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add an expert"))
def expert_list(request):
    _register_keeper(request)
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            expert = services.save_expert(form.save(commit=False), user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s added to the register. Create their sign-in account below.")
                             % {"name": expert.name})
            return redirect("campaigns:expert", expert.pk)
    experts = Expert.objects.select_related("user").prefetch_related("memberships__group__creation__region")
    page = Paginator(experts.order_by("affiliation", "name"), EXPERTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/experts/expert_list.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Change an expert"), "campaigns.Expert", variants=(
    ("action", "account", gettext_lazy("Create an expert's sign-in account")),))
def expert_detail(request, pk):
    _register_keeper(request)
    expert = get_object_or_404(Expert.objects.select_related("user"), pk=pk)
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if posted else None
    if posted is not None and action not in ("save", "account"):
        raise Http404
    form = ExpertForm(posted if action == "save" else None, instance=expert)
    account_form = ExpertAccountForm(posted if action == "account" else None, expert=expert)
    if action == "save" and form.is_valid():
        services.save_expert(form.save(commit=False), user=request.user)
        messages.success(request, _("%(name)s saved.") % {"name": expert.name})
        return redirect("campaigns:expert", expert.pk)
    if action == "account" and account_form.is_valid():
        data = account_form.cleaned_data
        try:
            account = services.create_account(expert, username=data["username"], password=data["password1"],
                                              user=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                account_form.add_error(field if field in account_form.fields else None, problems)
        except TransitionRefused as error:
            messages.error(request, str(error))
            return redirect("campaigns:expert", expert.pk)
        else:
            messages.success(request, _("%(name)s signs in as %(username)s now.") % {
                "name": expert.name, "username": account.username})
            return redirect("campaigns:expert", expert.pk)
    memberships = expert.memberships.select_related("group__creation__region", "group__creation__campaign")
    return render(request, "campaigns/experts/expert_detail.html", {
        "expert": expert, "form": form, "account_form": account_form, "memberships": memberships,
    })


# --- an expert's own work ---------------------------------------------------------------------


@require_safe
@login_required
def assigned(request):
    if request.user.role != User.Role.EXPERT:
        raise Http404
    return render(request, "campaigns/experts/assigned.html", {
        "assignments": selectors.assignments_of(request.user)})


# --- the group --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Assign the expert group"), "campaigns.Creation", variants=(
    ("action", "start", gettext_lazy("Start the technical assessment")),))
def expert_group(request, pk):
    creation = _city_creation(request, pk)
    group = getattr(creation, "expert_group", None)
    members = list(group.members.select_related("expert")) if group is not None else []
    initial = {"experts": [member.expert for member in members],
               "leader": next((member.expert for member in members if member.is_leader), None),
               "formed_on": group.formed_on if group else timezone.localdate(),
               "assessed_on": group.assessed_on if group else None}
    action = request.POST.get("action") if request.method == "POST" else None
    if action not in (None, "save", "start"):
        raise Http404
    form = ExpertGroupForm(request.POST if action == "save" else None, initial=initial)
    if action == "save" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_group(creation, user=request.user, formed_on=data["formed_on"],
                                assessed_on=data["assessed_on"], experts=data["experts"], leader=data["leader"])
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except TransitionRefused as error:
            messages.error(request, str(error))
            return redirect("campaigns:expert_group", creation.pk)
        else:
            messages.success(request, _("The expert group of %(county)s is saved.") % {"county": creation.region})
            return redirect("campaigns:expert_group", creation.pk)
    elif action == "start":
        start = StartForm(request.POST)
        if not start.is_valid():
            raise Http404
        try:
            services.start_technical(creation, user=request.user, version=start.cleaned_data["version"])
        except EditConflict:
            messages.error(request, _("Someone else changed the county's record after you opened the page. Look "
                                      "at it again and repeat your step."))
        except TransitionRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The technical assessment of %(county)s has started: the experts can score "
                                        "now.") % {"county": creation.region})
        return redirect("campaigns:expert_group", creation.pk)
    return render(request, "campaigns/experts/expert_group.html", {
        "creation": creation, "group": group, "members": members, "form": form,
        "can_change": creation.stage in (Stage.DECLARED, Stage.TECHNICAL) and not (group and group.concluded_at),
        "can_start": creation.stage == Stage.DECLARED and group is not None,
        "register_empty": not Expert.objects.exists(),
    })


# --- scoring ----------------------------------------------------------------------------------


def _scoring_context(creation, membership, form):
    assessment = SelfAssessment.objects.filter(creation=creation).first()
    own = {score.indicator_id: score for score in
           assessment.scores.prefetch_related("evidence") if assessment} if assessment else {}
    rows = [(indicator, points, reason, own.get(indicator.pk)) for indicator, points, reason in form.rows()]
    try:
        services.require_scoring_open(membership)
        closed = ""
    except TransitionRefused as error:
        closed = str(error)
    return {"creation": creation, "membership": membership, "form": form, "rows": rows, "closed": closed,
            "upload_form": ScoreSheetUploadForm(), "assessment": assessment,
            "scored": membership.scores.count(), "items": len(rows)}


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Save expert scores"), "campaigns.Creation", variants=(
    ("action", "submit", gettext_lazy("Submit expert scores")),))
def scoring(request, pk):
    creation, membership = _own_membership(request, pk)
    indicators = list(creation.campaign.indicator_set.indicators.order_by("number"))
    stored = {score.indicator_id: score for score in membership.scores.all()}
    initial = {"opinion": membership.opinion, "version": membership.version}
    for indicator in indicators:
        score = stored.get(indicator.pk)
        initial[f"points_{indicator.pk}"] = score.points if score else None
        initial[f"reason_{indicator.pk}"] = score.reason if score else ""
    action = request.POST.get("action") if request.method == "POST" else None
    if action not in (None, "save", "submit"):
        raise Http404
    form = ScoringForm(request.POST if action else None, indicators=indicators, initial=initial)
    if action and form.is_valid():
        try:
            services.save_scores(membership, user=request.user, entries=form.entries(),
                                 opinion=form.cleaned_data["opinion"], version=form.cleaned_data["version"],
                                 submit=action == "submit")
        except EditConflict as conflict:
            form.add_error(None, _("Your scores were saved from another page or a sheet after you opened this "
                                   "one. Submit again to replace them with what is shown here, or reload."))
            data = form.data.copy()
            data["version"] = conflict.current.version
            form.data = data
        except services.ScoresRefused as refused:
            for indicator_pk, problems in refused.errors.items():
                for field, message in problems.items():
                    form.add_error(f"{field}_{indicator_pk}", message)
            for message in refused.general:
                form.add_error("opinion", message)
        except TransitionRefused as error:
            messages.error(request, str(error))
            return redirect("campaigns:scoring", creation.pk)
        else:
            if action == "submit":
                messages.success(request, _("Your scores are submitted. You can now see the group's scores."))
                return redirect("campaigns:group_scores", creation.pk)
            messages.success(request, _("Draft saved: the other experts do not see it."))
            return redirect("campaigns:scoring", creation.pk)
    return render(request, "campaigns/experts/scoring.html", _scoring_context(creation, membership, form))


@dataclass
class _SheetTarget:
    creation: object
    membership: object
    indicators: list
    version: int | None  # the expert's scores as they were when the sheet was uploaded


class ScoreSheetImporter(staged_import.Importer):
    """An expert's offline score sheet of one county, saved as their draft."""

    kind = "score_sheet"
    preview_route = "campaigns:score_sheet_preview"
    template = "campaigns/experts/score_sheet_preview.html"
    title = gettext_lazy("Score sheet preview")
    confirm_label = gettext_lazy("Confirm and save as my draft")

    def __init__(self, creation_pk):
        self.creation_pk = creation_pk

    def preview_url(self, token):
        return reverse(self.preview_route, kwargs={"pk": self.creation_pk, "token": token})

    def target(self, request, meta):
        if meta.get("creation") != self.creation_pk:
            raise Http404
        creation, membership = _own_membership(request, self.creation_pk)
        return _SheetTarget(creation, membership, list(creation.campaign.indicator_set.indicators.order_by("number")),
                            meta.get("version"))

    def read(self, data, target):
        return sheets.read(data, creation=target.creation, expert=target.membership.expert,
                                indicator_set=target.creation.campaign.indicator_set, indicators=target.indicators)

    def check(self, read, target):
        membership = Membership.objects.select_related("group__creation").get(pk=target.membership.pk)
        problems = list(read.problems)
        try:
            services.require_scoring_open(membership)
        except TransitionRefused as error:
            problems.insert(0, str(error))
        stored = {score.indicator_id: score for score in membership.scores.all()}
        changes = []
        for entry in read.entries:
            score = stored.get(entry.indicator.pk)
            fields = []
            old_points, old_reason = (score.points, score.reason) if score else (None, "")
            if old_points != entry.points:
                fields.append((sheets.HEADERS["points"], plain(old_points, empty="—"), plain(entry.points)))
            if old_reason != entry.reason:
                fields.append((sheets.HEADERS["reason"], old_reason or "—", entry.reason or "—"))
            if fields:
                changes.append(staged_import.Change(f"第{entry.row}行", str(entry.indicator), fields))
        facts = [(_("County"), target.creation.region.name), (_("Items scored in the file"), len(read.entries)),
                 (_("Items of the standard"), len(target.indicators))]
        return staged_import.Check(data=read, problems=problems, changes=changes, facts=facts)

    def commit(self, read, target, confirmation):
        entries = [services.Entry(entry.indicator, entry.points, entry.reason) for entry in read.entries]
        membership = Membership.objects.get(pk=target.membership.pk)
        try:
            return services.save_scores(membership, user=confirmation.user, entries=entries,
                                        opinion=membership.opinion, version=target.version)
        except EditConflict:
            raise ImportBlocked([_("Your scores changed on the scoring page after this sheet was uploaded. Upload "
                                   "it again to see what it changes now.")]) from None
        except TransitionRefused as error:
            raise ImportBlocked([str(error)]) from None
        except services.ScoresRefused as refused:
            raise ImportBlocked([message for problems in refused.errors.values() for message in problems.values()]
                                + refused.general) from None

    def done(self, request, result, target):
        return (_("Scores from the sheet saved as your draft. Check them and submit on this page."),
                reverse("campaigns:scoring", args=[target.creation.pk]))

    def context(self, target, check):
        return {"creation": target.creation}


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Upload a score sheet"), "campaigns.Creation")
def score_sheet(request, pk):
    creation, membership = _own_membership(request, pk)
    if request.method == "POST":
        form = ScoreSheetUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(problem for problems in form.errors.values() for problem in problems))
            return redirect("campaigns:scoring", creation.pk)
        return staged_import.keep_upload(request, ScoreSheetImporter(creation.pk), form.cleaned_data["file"],
                                         back=reverse("campaigns:scoring", args=[creation.pk]), creation=creation.pk,
                                         version=membership.version)
    indicator_set = creation.campaign.indicator_set
    assessment = SelfAssessment.objects.filter(creation=creation).first()
    own = dict(assessment.scores.values_list("indicator", "points")) if assessment else {}
    stored = {score.indicator_id: score for score in membership.scores.all()}
    rows = [(indicator, own.get(indicator.pk), stored.get(indicator.pk))
            for indicator in indicator_set.indicators.order_by("number")]
    content = sheets.build(creation=creation, expert=membership.expert, indicator_set=indicator_set, rows=rows)
    return xlsx_response(content, f"{creation.region.name}技术评估专家评分表（{membership.expert.name}）.xlsx")


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Import a score sheet"), "campaigns.Creation")
def score_sheet_preview(request, pk, token):
    return staged_import.preview(request, ScoreSheetImporter(pk), token)


# --- the group's scores -----------------------------------------------------------------------


def _group_viewer(request, pk):
    """(creation, group, the viewer's membership or None) for whoever may open the group's
    table: the city, the leader, and a member who submitted."""
    creation = _creation(request, pk)
    group = getattr(creation, "expert_group", None)
    if group is None:
        raise Http404
    membership = selectors.membership_of(request.user, creation)
    city = stages.is_city_actor(request.user, creation.campaign)
    if not (city or (membership is not None and (membership.is_leader or membership.is_submitted))):
        raise Http404
    return creation, group, membership


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Record the group's consensus"), "campaigns.Creation", variants=(
    ("action", "clear", gettext_lazy("Go back to the mean")),
    ("action", "conclude", gettext_lazy("Conclude the technical assessment"))))
def group_scores(request, pk):
    creation, group, membership = _group_viewer(request, pk)
    table = selectors.group_table(group, request.user, membership)
    indicators = [row.indicator for row in table.rows]
    action = request.POST.get("action") if request.method == "POST" else None
    if action not in (None, "consensus", "clear", "conclude"):
        raise Http404
    consensus_form = ConsensusForm(request.POST if action == "consensus" else None, indicators=indicators)
    conclude_form = ConcludeForm(request.POST if action == "conclude" else None,
                                 initial={"opinion": group.opinion or selectors.draft_opinion(table)})
    if action is not None and not table.may_lead:
        raise Http404
    if action == "consensus" and consensus_form.is_valid():
        data = consensus_form.cleaned_data
        try:
            services.record_consensus(group, indicator=data["item"], user=request.user, points=data["points"],
                                      note=data["note"], dissent=data["dissent"], membership=membership)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                consensus_form.add_error(field if field in consensus_form.fields else None, problems)
        except TransitionRefused as error:
            consensus_form.add_error(None, str(error))
        else:
            messages.success(request, _("The group's consensus on %(item)s is recorded.") % {"item": data["item"].name})
            return redirect("campaigns:group_scores", creation.pk)
    elif action == "clear":
        item = next((i for i in indicators if str(i.pk) == request.POST.get("indicator", "")), None)
        if item is None:
            raise Http404
        try:
            services.remove_consensus(group, indicator=item, user=request.user, membership=membership)
        except TransitionRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(item)s counts the members' mean again.") % {"item": item.name})
        return redirect("campaigns:group_scores", creation.pk)
    elif action == "conclude" and conclude_form.is_valid():
        try:
            services.conclude(group, user=request.user, opinion=conclude_form.cleaned_data["opinion"],
                              membership=membership)
        except ValidationError as error:
            conclude_form.add_error("opinion", error.messages)
        except TransitionRefused as error:
            conclude_form.add_error(None, str(error))
        else:
            messages.success(request, _("The technical assessment of %(county)s is concluded.") % {
                "county": creation.region})
            return redirect("campaigns:group_scores", creation.pk)
    return render(request, "campaigns/experts/group_scores.html", {
        "creation": creation, "group": group, "table": table, "membership": membership,
        "consensus_form": consensus_form, "conclude_form": conclude_form,
        "is_city": stages.is_city_actor(request.user, creation.campaign),
    })


@require_safe
@login_required
def technical_opinion(request, pk):
    creation, group, membership = _group_viewer(request, pk)
    if not services.may_see_scores(request.user, group, membership):
        raise Http404
    table = selectors.group_table(group, request.user, membership, everything=True)
    response = HttpResponse(opinion_document.build(table), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, opinion_document.filename(creation))
    return response
