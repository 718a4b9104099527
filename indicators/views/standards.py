"""导入评价标准, for administrators: download a standard as its workbook (a stored one, filled
in, as the example to follow), write down another standard the same way, upload it, see
what it would create or change and confirm. Nobody else may open these pages: standards
are the catalogue every district is judged by."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from core import staged_import
from core.audit import audited
from core.errors import ImportBlocked
from core.numbers import plain
from core.views import xlsx_response
from org.scoping import visible_to

from .. import standard_workbook
from ..forms import StandardUploadForm
from ..models import IndicatorSet
from ..scoring_rules import describe as describe_rule
from ..services.standards import shown, spec_of, standard_commit, standard_prepare

STANDARD_UPLOAD = "standard"


def _administrator(request):
    if not visible_to(request.user).is_admin:
        raise Http404


def _sets():
    return IndicatorSet.objects.order_by("code", "-version")


def _example():
    """The standard the template is filled in from when none is asked for: a standard judged
    on points (the county standard, once loaded), else any stored one."""
    return _sets().filter(min_points__isnull=False).first() or _sets().first()


class StandardImporter(staged_import.Importer):
    """An administrator's workbook of one evaluation standard."""

    kind = STANDARD_UPLOAD
    preview_route = "indicators:standard_preview"
    template = "indicators/standard_preview.html"
    title = gettext_lazy("Evaluation standard import preview")
    confirm_label = gettext_lazy("Confirm and load the standard")
    commit_checks = True

    def target(self, request, meta):
        _administrator(request)
        return None

    def read(self, data, target):
        return standard_workbook.read(data)

    def check(self, read, target):
        return describe(standard_prepare(parsed=read))

    def commit(self, read, target, confirmation):
        try:
            return standard_commit(parsed=read, user=confirmation.user,
                                   confirm_warnings=confirmation.warnings_confirmed)
        except ImportBlocked as blocked:
            preview = describe(blocked.preview) if blocked.preview is not None else None
            raise ImportBlocked(blocked.problems, preview=preview, warnings_only=blocked.warnings_only) from None

    def done(self, request, result, target):
        indicator_set = result.indicator_set
        if result.created_set:
            message = _("Loaded the standard “%(name)s” (%(version)s) with %(count)d items.") % {
                "name": indicator_set.name, "version": indicator_set.version, "count": result.created}
        else:
            message = _("Updated the standard “%(name)s” (%(version)s): %(created)d items added, %(updated)d changed, "
                        "%(removed)d removed.") % {"name": indicator_set.name, "version": indicator_set.version,
                                                   "created": result.created, "updated": result.updated,
                                                   "removed": result.removed}
        return message, f"{reverse('indicators:catalogue')}#set-{indicator_set.pk}"

    def context(self, target, check):
        preview = check.data
        return {"preview": preview, "rows": [_row(item) for item in preview.rows]}


def _row(item):
    """An item as the preview lists it; a row with problems is listed as far as it was read."""
    fields = item.fields
    scoring = fields["scoring_text"]
    if not scoring and not item.problems and "points" in fields:
        try:
            scoring = describe_rule(fields["scoring"], full=fields["points"], unit=fields["unit"])
        except (KeyError, TypeError, ValueError, ArithmeticError):  # a rule the checks refuse
            scoring = ""
    return {"where": item.row, "number": fields.get("number", item.texts.get("number", "")), "code": fields["code"],
            "name": fields["name"], "kind": shown("kind", fields.get("kind")) or item.texts.get("kind", ""),
            "method": shown("method", fields.get("method")) or item.texts.get("method", ""),
            "points": plain(fields.get("points")) or item.texts.get("points", ""), "scoring": scoring,
            "problems": bool(item.problems)}


def describe(preview):
    """The staged-import check of a ``StandardPreview``."""
    changes = []
    label = f"{preview.name}（{preview.code} · {preview.version}）"
    if preview.set_changes:
        changes.append(staged_import.Change(f"{standard_workbook.STANDARD_SHEET}表", label, preview.set_changes))
    for item, indicator, fields in preview.item_changes:
        changes.append(staged_import.Change(f"{item.sheet}表第{item.row}行", str(indicator), fields))
    added = preview.added if preview.existing else preview.items
    for item in added:
        fields = item.fields
        changes.append(staged_import.Change(
            f"{item.sheet}表第{item.row}行", f"{fields['number']}. {fields['name']}",
            [(_("Type"), "", shown("kind", fields["kind"])), (_("Full points"), "", plain(fields["points"]))]))
    for row in preview.new_elements:
        changes.append(staged_import.Change(f"{standard_workbook.ELEMENTS_SHEET}表第{row.row}行",
                                            f"{row.name}（{row.code}）",
                                            [(_("Data element"), "", _("added to the catalogue"))]))
    removals = [staged_import.Change("", str(indicator), [(what, count, None) for what, count in hanging])
                for indicator, hanging in preview.removed]
    facts = [
        (_("Standard"), _("a new standard") if preview.existing is None else _("update of the stored one")),
        (_("Items"), len(preview.rows)), (_("Full points"), plain(preview.full_points)),
        (_("Pass score"), plain(preview.set_fields.get("min_points")) or "—"),
        (_("New data elements"), len(preview.new_elements)), (_("Unchanged items"), preview.unchanged),
    ]
    return staged_import.Check(data=preview, problems=preview.errors, warnings=preview.warnings, changes=changes,
                               removals=removals, facts=facts)


STANDARD_IMPORT = StandardImporter()


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Upload an evaluation standard"))
def standard_import(request):
    _administrator(request)
    form = StandardUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return staged_import.keep_upload(request, STANDARD_IMPORT, form.cleaned_data["file"],
                                         back=reverse("indicators:standard_import"))
    return render(request, "indicators/standard_import.html", {
        "form": form, "sets": _sets(), "example": _example(),
        "standard_keys": standard_workbook.STANDARD_KEYS, "item_columns": standard_workbook.ITEM_COLUMNS,
        "element_columns": standard_workbook.ELEMENT_COLUMNS,
    })


@require_safe
@login_required
def standard_template(request):
    """A stored standard as its workbook (?set=<pk>; default: the example), or an empty
    workbook when there is none yet."""
    _administrator(request)
    wanted = request.GET.get("set", "")
    if wanted and not wanted.isdigit():
        raise Http404
    indicator_set = get_object_or_404(IndicatorSet, pk=wanted) if wanted else _example()
    if indicator_set is None:
        return xlsx_response(standard_workbook.build({}), f"{standard_workbook.TITLE}.xlsx")
    content = standard_workbook.build(spec_of(indicator_set))
    return xlsx_response(content, f"{indicator_set.name}（{indicator_set.version}）{standard_workbook.TITLE}.xlsx")


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Import an evaluation standard"))
def standard_preview(request, token):
    return staged_import.preview(request, STANDARD_IMPORT, token)
