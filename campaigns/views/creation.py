"""Not built yet: every view of this module answers 404 until its pages land."""

from django.http import Http404


def creation_detail(request, **kwargs):
    raise Http404


def creation_return(request, **kwargs):
    raise Http404


def document_upload(request, **kwargs):
    raise Http404


def document_download(request, **kwargs):
    raise Http404
