"""The registry as Excel: export the water users (with their yearly figures) or the carrier
certifications of a district, and import the same layout: upload → preview → confirm, all
or nothing. One implementation serves both files, chosen by ``what`` ("users" or
"carriers")."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from core import staged_import
from core.audit import audited
from core.forms import WorkbookField
from core.views import requested_district, xlsx_response
from org.scoping import visible_to

from .. import imports, registry_export, registry_layout
from ..imports import CARRIERS, LEAKS, USERS
from ..models import Carrier, LeakRepair, UserYear, WaterUser, carrier_kinds
from .registry import changeable_region


class RegistryUploadForm(forms.Form):
    file = WorkbookField(
        label=gettext_lazy("Excel workbook (.xlsx, .xls, .ods)"),
        help_text=gettext_lazy("At most 10 MB, in the layout of the exported file."),
    )


@dataclass(frozen=True)
class FileKind:
    what: str
    title: str
    list_url: str  # the page the import lands on
    list_title: str
    export_url: str

    @property
    def pending(self):
        """The kind of the pending upload: a users file cannot be confirmed as carriers."""
        return f"carriers_{self.what}"


FILES = {
    USERS: FileKind(
        USERS,
        gettext_lazy("Import water users and their yearly figures"),
        "carriers:registry",
        gettext_lazy("Water users"),
        "carriers:export_users",
    ),
    CARRIERS: FileKind(
        CARRIERS,
        gettext_lazy("Import carrier certifications"),
        "carriers:carriers",
        gettext_lazy("Carriers and targets"),
        "carriers:export_carriers",
    ),
    LEAKS: FileKind(
        LEAKS,
        gettext_lazy("Import leak-repair ledgers"),
        "carriers:leak_repairs",
        gettext_lazy("Leak-repair ledgers"),
        "carriers:export_leak_repairs",
    ),
}


def _file_kind(what):
    if what not in FILES:
        raise Http404
    return FILES[what]


def _url(name, scope, region, **kwargs):
    """``name`` reversed, naming the region only when it is not the user's own."""
    url = reverse(name, kwargs=kwargs or None)
    if scope.home_region is None or scope.home_region.pk != region.pk:
        url += "?" + urlencode({"region": region.code})
    return url


def _labels(mapping):
    return "、".join(str(label) for label in mapping.values())


def _columns(what):
    """(header, what goes in it) of every column of the file, for the upload page."""
    if what == LEAKS:
        return [
            ("供水企业", _("Required. As the utility is named in the leakage figures.")),
            ("年份", _("Required, e.g. 2023.")),
            ("季度", _("1 to 4. May be left empty when the month is given.")),
            ("月份", _("1 to 12, in the quarter; empty for a row covering the whole quarter.")),
            ("巡检管道长度（km）", _("Empty counts as 0.")),
            ("发现漏点数", _("A whole number; empty counts as 0.")),
            ("修复漏点数", _("A whole number; empty counts as 0.")),
            ("平均修复时间（小时）", _("Optional: from the leak being found to the repair, averaged over the leaks "
                                 "repaired.")),
            ("估算漏失水量（m³）", _("Empty counts as 0.")),
            ("备注", _("Optional.")),
        ]
    if what == USERS:
        volume = _("A number in m³, without the unit. Empty counts as 0.")
        return [
            ("单位名称", _("Required. A unit already registered is found by its credit code, else by its name.")),
            (
                "统一社会信用代码",
                _("18 characters. Required except for residential communities and irrigation districts."),
            ),
            ("单位类型", _("One of: %(choices)s.") % {"choices": _labels(registry_layout.KIND_LABELS)}),
            ("所属行业", _("Optional.")),
            ("水源", _("Any of %(choices)s, separated by “、”.") % {"choices": "地表水、地下水、公共供水"}),
            (
                "年份",
                _(
                    "The year of the figures on the row: one row per unit and year. A unit without figures: "
                    "leave the year and the figures empty."
                ),
            ),
            ("地表水取水量（m³）", volume),
            ("地下水取水量（m³）", volume),
            ("公共供水用水量（m³）", volume),
            ("用水总量（m³）", _("Required on a row with a year. It includes the reused water.")),
            ("重复利用水量（m³）", _("Empty counts as 0. Not more than the total use.")),
            ("计划用水量（m³）", _("Optional: the unit's planned-use quota.")),
            ("居民户数", _("Optional: a whole number.")),
            ("灌溉面积（亩）", _("Optional.")),
        ]
    kinds = carrier_kinds()
    named = "、".join(label for code, label in kinds.labels.items() if code in kinds.named)
    date = _("A date such as 2023-05-01, 2023/5/1 or 2023年5月1日.")
    return [
        ("载体类型", _("One of: %(choices)s.") % {"choices": _labels(kinds.labels)}),
        ("级别", _("One of: %(choices)s.") % {"choices": _labels(registry_layout.LEVEL_LABELS)}),
        (
            "状态",
            _("One of: %(choices)s. Empty means %(default)s.")
            % {
                "choices": _labels(registry_layout.STATUS_LABELS),
                "default": registry_layout.STATUS_LABELS[Carrier.Status.CREATING],
            },
        ),
        (
            "用水单位",
            _("A water user registered in the district (import the water users first). Required except for %(types)s.")
            % {"types": named},
        ),
        ("统一社会信用代码", _("The user is found by its credit code, else by its name.")),
        ("名称（非用水单位）", _("For %(types)s that are not registered water users.") % {"types": named}),
        ("申报日期", date),
        ("验收日期", date + " " + _("Required once accepted or published.")),
        ("公布日期", date + " " + _("Required once published.")),
        ("复核到期日", date),
        ("复核不合格或撤销日期", date + " " + _("Required after a failed re-check or a revocation.")),
        ("备注", _("Optional.")),
        ("持有或建设单位（非用水单位）",
         _("Optional: who owns the product, runs the base or carries out the project.")),
        ("评价标准", _("Optional: the number or title of a standard the administrators have registered, "
                      "e.g. GB/T 7119-2018.")),
    ]


# --- import ----------------------------------------------------------------------------------


class RegistryImporter(staged_import.Importer):
    """A district's water users or carrier certifications, in the layout of the exported file."""

    preview_route = "carriers:import_preview"
    template = "carriers/import_preview.html"

    def __init__(self, kind):
        self.file = kind
        self.kind = kind.pending

    def preview_url(self, token):
        return reverse(self.preview_route, kwargs={"what": self.file.what, "token": token})

    def target(self, request, meta):
        scope = visible_to(request.user)
        return scope, get_object_or_404(scope.regions(change=True), pk=meta["region"])

    def read(self, data, target):
        return imports.read_file(self.file.what, data)

    def check(self, read, target):
        _scope, region = target
        preview = imports.check_file(self.file.what, read, region=region)
        return staged_import.Check(data=preview, problems=preview.problems, changes=preview.rows(),
                                   facts=[(_("Rows read"), read.row_count)])

    def commit(self, read, target, confirmation):
        _scope, region = target
        return imports.apply_file(self.file.what, read, region=region, user=confirmation.user)

    def done(self, request, result, target):
        scope, region = target
        return _success(self.file.what, result), _url(self.file.list_url, scope, region)

    def context(self, target, check):
        scope, region = target
        return {"kind": self.file, "region": region, "list_url": _url(self.file.list_url, scope, region)}


IMPORTERS = {what: RegistryImporter(kind) for what, kind in FILES.items()}


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Upload a registry table"))
def import_upload(request, what):
    kind = _file_kind(what)
    scope = visible_to(request.user)
    region = changeable_region(request)
    posted = request.method == "POST"
    form = RegistryUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        return staged_import.keep_upload(request, IMPORTERS[what], form.cleaned_data["file"], region=region.pk)
    return render(
        request,
        "carriers/import_upload.html",
        {
            "kind": kind,
            "region": region,
            "form": form,
            "columns": _columns(what),
            "export_url": _url(kind.export_url, scope, region),
            "list_url": _url(kind.list_url, scope, region),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Import a registry table"))
def import_preview(request, what, token):
    _file_kind(what)
    return staged_import.preview(request, IMPORTERS[what], token)


def _success(what, done):
    if what == USERS:
        return _(
            "Imported: %(users_created)d water users added, %(users_updated)d changed; "
            "%(years_created)d yearly figures added, %(years_updated)d changed."
        ) % {
            "users_created": done.count(WaterUser, created=True),
            "users_updated": done.count(WaterUser, created=False),
            "years_created": done.count(UserYear, created=True),
            "years_updated": done.count(UserYear, created=False),
        }
    if what == LEAKS:
        return _("Imported: %(created)d leak-repair records added, %(updated)d changed.") % {
            "created": done.count(LeakRepair, created=True),
            "updated": done.count(LeakRepair, created=False),
        }
    return _("Imported: %(created)d carriers added, %(updated)d changed.") % {
        "created": done.count(Carrier, created=True),
        "updated": done.count(Carrier, created=False),
    }


# --- export ----------------------------------------------------------------------------------


@require_safe
@login_required
def export(request, what):
    """The region's users (all their years, newest first) or carriers, in the import layout."""
    _file_kind(what)
    region, _regions = requested_district(request, visible_to(request.user))
    if what == USERS:
        users = WaterUser.objects.filter(region=region).prefetch_related(
            Prefetch("years", queryset=UserYear.objects.order_by("-year"))
        )
        content = registry_export.build_users(region, users)
        filename = f"{registry_layout.users_title(region)}.xlsx"
    elif what == LEAKS:
        content = registry_export.build_leak_repairs(region, LeakRepair.objects.filter(region=region))
        filename = f"{registry_layout.leaks_title(region)}.xlsx"
    else:
        carriers = Carrier.objects.filter(region=region).select_related("user", "standard")
        content = registry_export.build_carriers(region, carriers, carrier_kinds())
        filename = f"{registry_layout.carriers_title(region)}.xlsx"
    return xlsx_response(content, filename)
