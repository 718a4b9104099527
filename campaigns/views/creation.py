"""A county's creation record: where it stands on the nine stages and since when, whether
it is late, who takes the next step; its moves, its history and its documents per stage;
and the city sending it back to an earlier stage with a reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core import evidence
from core.audit import audited
from core.history import record_history
from core.workflow import EditConflict, TransitionRefused
from org.scoping import visible_to

from .. import selectors_creation as selectors
from .. import stages
from ..forms_acceptance import DocumentStageForm, ReturnForm
from ..models import Creation, StageDocument
from ..services import creation as services


def visible_creation(request, pk):
    """The record if the user sees it (the campaign's supervisors, the county's people, the
    experts of its group); a 404 for anyone else."""
    related = ("campaign__region__parent", "campaign__indicator_set", "batch", "region")
    return visible_to(request.user).creation_or_404(Creation.objects.select_related(*related), pk=pk)


@require_safe
@login_required
def creation_detail(request, pk):
    creation = visible_creation(request, pk)
    user, today = request.user, timezone.localdate()
    steps = list(creation.steps.select_related("taken_by").order_by("recorded_at", "pk"))
    document_stages = selectors.document_stages(user, creation)
    return_stages = selectors.return_stages(user, creation)
    return render(request, "campaigns/creation/detail.html", {
        "creation": creation, "line": selectors.progress_line(creation, steps), "steps": steps,
        "next_step": selectors.next_step(creation), "late": selectors.lateness(creation, today),
        "actions": selectors.actions(user, creation, today), "stage_pages": selectors.stage_pages(creation),
        "documents": selectors.documents_by_stage(creation),
        "document_form": DocumentStageForm(stages=document_stages) if document_stages else None,
        "evidence_form": evidence.EvidenceForm(),
        "return_form": ReturnForm(stages=return_stages, initial={"version": creation.version})
        if return_stages else None,
        "changes": record_history(creation),
        "is_city": stages.is_city_actor(user, creation.campaign),
    })


@require_POST
@login_required
@audited(gettext_lazy("Return a county to an earlier stage"), "campaigns.Creation")
def creation_return(request, pk):
    creation = visible_creation(request, pk)
    form = ReturnForm(request.POST, stages=selectors.return_stages(request.user, creation))
    if not form.is_valid():
        if not selectors.return_stages(request.user, creation):
            messages.error(request, _("Only the city's water bureau returns a county to an earlier stage."))
        else:
            messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("campaigns:creation", creation.pk)
    data = form.cleaned_data
    try:
        moved = services.send_back(creation, user=request.user, to=data["to"], reason=data["reason"],
                                   version=data["version"])
    except EditConflict:
        messages.error(request, _("Someone else moved this county's record after you opened the page; it now shows "
                                  "where the county stands. Check it and return it again if you still mean to."))
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(county)s is back at %(stage)s.") % {
            "county": moved.region.name, "stage": moved.get_stage_display()})
    return redirect("campaigns:creation", creation.pk)


@require_POST
@login_required
@audited(gettext_lazy("Attach a stage document"), "campaigns.Creation")
def document_upload(request, pk):
    creation = visible_creation(request, pk)
    back = reverse("campaigns:creation", args=[creation.pk])
    try:
        stage = services.document_stage(request.user, creation, request.POST.get("stage", ""))
    except TransitionRefused as error:
        messages.error(request, str(error))
        return redirect(back)
    return services.document_attach(request, creation, stage=stage, back=back + "#documents")


@require_safe
@login_required
def document_download(request, pk):
    document = visible_to(request.user).creation_or_404(StageDocument.objects.all(), prefix="creation__", pk=pk)
    return evidence.download(document)
