"""统计数据批量导入, for administrators: download a quarter's long table of every county (or
of one province's or city's counties), fill it in from the statistics yearbook, upload it,
see what it would change and confirm. Nobody else may open these pages: a supervisor
changes nothing and a district reviewer sees one district."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core import pending_uploads
from core.errors import FileUnreadable
from core.periods import Quarter
from core.views import import_failed_in_database, requested_quarter, xlsx_response
from org.models import Region
from org.scoping import visible_to

from . import bulk_workbook, selectors
from .forms import BulkTemplateForm, BulkUploadForm
from .models import Adoption
from .services import BulkRefused, bulk_statistics_commit, bulk_statistics_prepare

BULK_UPLOAD = "bulk_statistics"
SHOWN_PROBLEMS = 200  # a national file can have thousands; the first ones say what is wrong
SHOWN_CHANGES = 100


def _administrator(request):
    if not visible_to(request.user).is_admin:
        raise Http404


def _home_url(quarter):
    return f"{reverse('indicators:bulk_statistics')}?quarter={quarter}"


def _page(request, *, quarter, template_form=None, upload_form=None):
    counties = Region.objects.filter(level=Region.Level.COUNTY).count()
    adopted = Adoption.objects.filter(region__level=Region.Level.COUNTY).count()
    return render(
        request,
        "indicators/bulk_upload.html",
        {"quarter": quarter, "counties": counties, "adopted": adopted,
         "template_form": template_form or BulkTemplateForm(period=quarter),
         "upload_form": upload_form or BulkUploadForm(period=quarter)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def bulk_statistics(request):
    _administrator(request)
    quarter = requested_quarter(request)
    form = BulkUploadForm(request.POST or None, request.FILES or None, period=quarter)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = pending_uploads.keep(
            request, kind=BULK_UPLOAD, data=upload.workbook_bytes, quarter=str(form.period), filename=upload.name,
            sha256=hashlib.sha256(upload.workbook_bytes).hexdigest(),
        )
        return redirect("indicators:bulk_preview", token=token)
    return _page(request, quarter=quarter, upload_form=form)


@require_safe
@login_required
def bulk_template(request):
    _administrator(request)
    quarter = requested_quarter(request)
    form = BulkTemplateForm(request.GET if "year" in request.GET else None, period=quarter)
    within = None
    if form.is_bound:
        if not form.is_valid():
            return _page(request, quarter=quarter, template_form=form)
        quarter, within = form.period, form.cleaned_data["region"]
    rows = selectors.bulk_template_rows(quarter, within=within)
    scope_name = within.name if within else ""
    content = bulk_workbook.build(rows, quarter=quarter, scope_name=scope_name)
    return xlsx_response(content, f"{bulk_workbook.title_of(quarter, scope_name)}.xlsx")


@require_http_methods(["GET", "POST"])
@login_required
def bulk_preview(request, token):
    _administrator(request)
    found = pending_uploads.find(request, kind=BULK_UPLOAD, token=token)
    if found is None:
        raise Http404
    meta, content = found
    quarter = Quarter.parse(meta["quarter"])
    try:
        parsed = bulk_workbook.read(content)
    except FileUnreadable as error:
        pending_uploads.discard(request, token)
        messages.error(request, str(error))
        return redirect(_home_url(quarter))
    if request.method == "POST":
        try:
            preview = bulk_statistics_commit(
                parsed=parsed, quarter=quarter, user=request.user, source_sha256=meta["sha256"],
                confirm_warnings=request.POST.get("confirm_warnings") == "on",
            )
        except BulkRefused as refused:
            preview = refused.preview
            if refused.warnings_only:
                messages.warning(request, _("Tick the confirmation that the figures with warnings are right."))
            else:
                messages.error(request, _("Nothing was imported: the file has errors (listed below)."))
        except IntegrityError:
            # A department opened its report of the quarter while the import ran.
            preview = bulk_statistics_prepare(parsed=parsed, quarter=quarter)
            messages.error(request, _("A department saved figures of this quarter at the same moment. Nothing was "
                                      "imported; check the preview and confirm again."))
        except DatabaseError:
            preview = bulk_statistics_prepare(parsed=parsed, quarter=quarter)
            import_failed_in_database(request)
        else:
            pending_uploads.discard(request, token)
            messages.success(request, _(
                "Imported %(new)d new and %(changed)d changed figures of %(counties)d counties; the reports are "
                "submitted for review and the indicators are being recomputed."
            ) % {"new": preview.new, "changed": preview.changed, "counties": preview.counties})
            return redirect(_home_url(quarter))
    else:
        preview = bulk_statistics_prepare(parsed=parsed, quarter=quarter)
    return render(
        request,
        "indicators/bulk_preview.html",
        {"meta": meta, "quarter": quarter, "preview": preview, "errors": preview.errors[:SHOWN_PROBLEMS],
         "warnings": preview.warnings[:SHOWN_PROBLEMS], "changes": preview.writes[:SHOWN_CHANGES],
         "again_url": _home_url(quarter)},
    )
