"""Not built yet: every view of this module answers 404 until its pages land."""

from django.http import Http404


def expert_list(request, **kwargs):
    raise Http404


def expert_detail(request, **kwargs):
    raise Http404


def assigned(request, **kwargs):
    raise Http404


def expert_group(request, **kwargs):
    raise Http404


def scoring(request, **kwargs):
    raise Http404


def score_sheet(request, **kwargs):
    raise Http404


def score_sheet_preview(request, **kwargs):
    raise Http404


def group_scores(request, **kwargs):
    raise Http404


def technical_opinion(request, **kwargs):
    raise Http404
