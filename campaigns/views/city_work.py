"""Not built yet: every view of this module answers 404 until its pages land."""

from django.http import Http404


def meetings(request, **kwargs):
    raise Http404


def meeting(request, **kwargs):
    raise Http404


def visits(request, **kwargs):
    raise Http404


def visit(request, **kwargs):
    raise Http404


def funding(request, **kwargs):
    raise Http404


def funding_approve(request, **kwargs):
    raise Http404


def summaries(request, **kwargs):
    raise Http404


def summary_download(request, **kwargs):
    raise Http404
