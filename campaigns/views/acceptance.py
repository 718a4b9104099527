"""Not built yet: every view of this module answers 404 until its pages land."""

from django.http import Http404


def acceptance(request, **kwargs):
    raise Http404


def acceptance_opinion(request, **kwargs):
    raise Http404


def rectification(request, **kwargs):
    raise Http404


def publicity(request, **kwargs):
    raise Http404


def objection(request, **kwargs):
    raise Http404


def naming(request, **kwargs):
    raise Http404


def recheck(request, **kwargs):
    raise Http404
