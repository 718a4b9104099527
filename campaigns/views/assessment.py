"""Not built yet: every view of this module answers 404 until its pages land."""

from django.http import Http404


def self_assessment(request, **kwargs):
    raise Http404


def self_score(request, **kwargs):
    raise Http404
