"""Not built yet: every view of this module answers 404 until its pages land."""

from django.http import Http404


def campaign_list(request, **kwargs):
    raise Http404


def campaign_new(request, **kwargs):
    raise Http404


def campaign_detail(request, **kwargs):
    raise Http404


def campaign_edit(request, **kwargs):
    raise Http404


def batch_new(request, **kwargs):
    raise Http404


def batch_edit(request, **kwargs):
    raise Http404
