"""Pages of the campaign: the list, setting one up (its goal and standard), its page (how
far the goal is, by batch year, who is late) and each year's batch of counties with the
stage deadlines. A supervisor of the campaign's region (or above) and an administrator run
it; a county's reviewer sees their own county's record from the list; anyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from core.audit import audited
from core.workflow import EditConflict
from org.scoping import visible_to

from .. import selectors
from ..forms_campaign import BatchForm, CampaignForm
from ..models import Batch, FundingRound
from ..services import campaign as services

CAMPAIGNS_PER_PAGE = 20


def _runs_campaigns(scope):
    """Only a supervisor or an administrator sets up a campaign."""
    if not (scope.is_admin or scope.role == "supervisor"):
        raise Http404


@require_safe
@login_required
def campaign_list(request):
    scope = visible_to(request.user)
    today = timezone.localdate()
    page = Paginator(scope.campaigns().select_related("indicator_set"), CAMPAIGNS_PER_PAGE).get_page(
        request.GET.get("page"))
    progresses = selectors.progress_of(page.object_list, today)
    return render(request, "campaigns/campaign/list.html", {
        "page": page, "rows": [progresses[campaign.pk] for campaign in page.object_list],
        "home": selectors.home(scope, today) if scope.role == "reviewer" else None,
        "can_create": scope.is_admin or scope.role == "supervisor",
    })


def _save_campaign(request, form, stored=None):
    try:
        return services.campaign_save(campaign=form.instance, user=request.user,
                                      seen=form.cleaned_data.get("seen") if stored is not None else None)
    except EditConflict as conflict:
        form.show_conflict(conflict.current)
    except ValidationError as error:
        form.add_error(None, error)
    return None


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Set up a creation campaign"))
def campaign_new(request):
    scope = visible_to(request.user)
    _runs_campaigns(scope)
    form = CampaignForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        campaign = _save_campaign(request, form)
        if campaign is not None:
            messages.success(request, _("Campaign %(name)s set up: add its batches of counties.")
                             % {"name": campaign.name})
            return redirect("campaigns:campaign", campaign.pk)
    return render(request, "campaigns/campaign/campaign_form.html", {"form": form, "campaign": None})


@require_safe
@login_required
def campaign_detail(request, pk):
    scope = visible_to(request.user)
    campaign = scope.campaign_or_404(pk=pk)
    today = timezone.localdate()
    progress = selectors.progress(campaign, today)
    batches = list(campaign.batches.prefetch_related("deadlines").order_by("year"))
    return render(request, "campaigns/campaign/detail.html", {
        "campaign": campaign, "progress": progress, "batches": batches, "today": today,
        "funding_years": list(FundingRound.objects.filter(campaign=campaign).order_by("-year")
                              .values_list("year", "approved_at")),
        "this_year": today.year,
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Change a creation campaign"), "campaigns.Campaign")
def campaign_edit(request, pk):
    scope = visible_to(request.user)
    stored = scope.campaign_or_404(change=True, pk=pk)
    form = CampaignForm(request.POST or None, instance=stored, scope=scope)
    if request.method == "POST" and form.is_valid():
        campaign = _save_campaign(request, form, stored)
        if campaign is not None:
            messages.success(request, _("Campaign saved."))
            return redirect("campaigns:campaign", campaign.pk)
    return render(request, "campaigns/campaign/campaign_form.html", {"form": form, "campaign": stored})


def _batch_page(request, campaign, batch):
    form = BatchForm(request.POST or None, instance=batch, campaign=campaign)
    leaving = None
    if request.method == "POST" and form.is_valid():
        try:
            _batch, added, removed = services.batch_save(
                campaign=campaign, batch=form.instance, counties=list(form.cleaned_data["counties"]),
                deadlines=form.deadlines, assessment_year=form.cleaned_data["assessment_year"],
                user=request.user, seen=form.cleaned_data.get("seen") if batch.pk else None,
                confirm=request.POST.get("confirm") == "1")
        except services.ConfirmRemoval as question:
            leaving = question.creations
        except EditConflict as conflict:
            form.show_conflict(conflict.current)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Batch saved: %(added)d counties added, %(removed)d taken out.") % {
                "added": len(added), "removed": len(removed)})
            return redirect("campaigns:campaign", campaign.pk)
    return render(request, "campaigns/campaign/batch_form.html", {
        "form": form, "campaign": campaign, "batch": batch if batch.pk else None, "leaving": leaving,
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add a batch of counties"), "campaigns.Campaign")
def batch_new(request, pk):
    campaign = visible_to(request.user).campaign_or_404(change=True, pk=pk)
    return _batch_page(request, campaign, Batch(campaign=campaign, year=timezone.localdate().year))


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Change a batch of counties"), "campaigns.Batch")
def batch_edit(request, pk):
    campaigns = visible_to(request.user).campaigns(change=True)
    batch = get_object_or_404(Batch.objects.select_related("campaign__region"), pk=pk, campaign__in=campaigns)
    return _batch_page(request, batch.campaign, batch)
