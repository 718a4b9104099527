"""统计数据批量导入, for administrators: download a quarter's long table of every county (or
of one province's or city's counties), fill it in from the statistics yearbook, upload it,
see what it would change and confirm. Nobody else may open these pages: a supervisor
changes nothing and a district reviewer sees one district."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from core import staged_import
from core.audit import audited
from core.errors import ImportBlocked
from core.periods import Quarter
from core.views import requested_quarter, xlsx_response
from org.models import Region
from org.scoping import visible_to

from .. import bulk_workbook, selectors
from ..forms import BulkTemplateForm, BulkUploadForm
from ..models import Adoption
from ..services import bulk_statistics_commit, bulk_statistics_prepare

BULK_UPLOAD = "bulk_statistics"


def _administrator(request):
    if not visible_to(request.user).is_admin:
        raise Http404


def _home_url(quarter):
    return f"{reverse('indicators:bulk_statistics')}?quarter={quarter}"


def _page(request, *, quarter, template_form=None, upload_form=None):
    counties = Region.objects.filter(level=Region.Level.COUNTY).count()
    # Counties, not adoptions: a county may answer to several standards.
    adopted = Adoption.objects.filter(region__level=Region.Level.COUNTY).values("region").distinct().count()
    return render(
        request,
        "indicators/bulk_upload.html",
        {"quarter": quarter, "counties": counties, "adopted": adopted,
         "template_form": template_form or BulkTemplateForm(period=quarter),
         "upload_form": upload_form or BulkUploadForm(period=quarter)},
    )


@dataclass
class _BulkTarget:
    quarter: Quarter
    sha256: str  # of the file, kept with every figure it writes


class BulkStatisticsImporter(staged_import.Importer):
    """An administrator's long table of one quarter's figures for many counties."""

    kind = BULK_UPLOAD
    preview_route = "indicators:bulk_preview"
    template = "indicators/bulk_preview.html"
    commit_checks = True

    def target(self, request, meta):
        _administrator(request)
        return _BulkTarget(Quarter.parse(meta["quarter"]), meta["sha256"])

    def read(self, data, target):
        return bulk_workbook.read(data)

    def check(self, read, target):
        return describe(bulk_statistics_prepare(parsed=read, quarter=target.quarter))

    def commit(self, read, target, confirmation):
        try:
            return bulk_statistics_commit(parsed=read, quarter=target.quarter, user=confirmation.user,
                                          source_sha256=target.sha256,
                                          confirm_warnings=confirmation.warnings_confirmed)
        except ImportBlocked as blocked:
            raise ImportBlocked(blocked.problems, preview=describe(blocked.preview),
                                warnings_only=blocked.warnings_only) from None
        except IntegrityError:  # a department opened its report of the quarter while the import ran
            raise ImportBlocked([_("A department saved figures of this quarter at the same moment. Nothing was "
                                   "imported; check the preview and confirm again.")]) from None

    def done(self, request, result, target):
        message = _("Imported %(new)d new and %(changed)d changed figures of %(counties)d counties; the reports "
                    "are submitted for review and the indicators are being recomputed.") % {
            "new": result.new, "changed": result.changed, "counties": result.counties}
        return message, _home_url(target.quarter)

    def context(self, target, check):
        return {"quarter": target.quarter, "preview": check.data}


def describe(preview):
    """The staged-import check of a ``BulkPreview``: the first figures written, old → new."""
    changes = []
    for write in preview.writes[:staged_import.SHOWN_CHANGES]:
        region, element = write.region, write.element
        label = f"{region.name}（{region.code}）{element.name} · {write.department.name}"
        value = f"{_('Value')}（{element.unit}）" if element.unit else _("Value")
        changes.append(staged_import.Change(f"第{write.row}行", label, [(value, write.old_text, write.new_text)]))
    facts = [(_("Counties"), preview.counties), (_("New figures"), preview.new),
             (_("Changed figures"), preview.changed), (_("Unchanged"), preview.unchanged),
             (_("Blank, skipped"), preview.skipped), (_("Warnings"), len(preview.warnings))]
    return staged_import.Check(data=preview, problems=preview.errors, warnings=preview.warnings, changes=changes,
                               changed=len(preview.writes), facts=facts)


BULK_IMPORT = BulkStatisticsImporter()


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Upload a bulk statistics table"))
def bulk_statistics(request):
    _administrator(request)
    quarter = requested_quarter(request)
    form = BulkUploadForm(request.POST or None, request.FILES or None, period=quarter)
    if request.method == "POST" and form.is_valid():
        return staged_import.keep_upload(request, BULK_IMPORT, form.cleaned_data["file"],
                                         back=_home_url(form.period), quarter=str(form.period))
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
@audited(gettext_lazy("Import bulk statistics"))
def bulk_preview(request, token):
    return staged_import.preview(request, BULK_IMPORT, token)
