"""Importing the registry files of ``carriers.registry_read``: a preview of what a file would
create or change in a region's registry, and applying it, all or nothing.

Water users are matched by credit code first, else by their exact normalised name within
the region; a user's years by (user, year). Carriers are matched on (type, level, user),
or (type, level, entity name) when they are not a registered user; a carriers file never
creates users. Nothing in the database that the file does not mention is removed.
Importing the same file twice changes nothing the second time.
"""

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import staged_import
from core.errors import ImportBlocked
from core.numbers import plain
from core.text import normalize_name

from . import leak_import, registry_layout, registry_read
from .models import Carrier, EvaluationStandard, LeakRepair, UserYear, WaterUser, carrier_kinds
from .registry_layout import (
    CARRIER_HEADERS,
    FIGURE_FIELDS,
    KIND_LABELS,
    LEVEL_LABELS,
    SOURCES,
    STATUS_LABELS,
    USER_HEADERS,
)
from .services import carrier_years, registry_changed

USERS, CARRIERS, LEAKS = "users", "carriers", "leak_repairs"
WHAT = (USERS, CARRIERS, LEAKS)
# Model fields of a rule in ``clean()`` -> the file column the problem is shown in.
USER_COLUMNS_OF_FIELDS = {"credit_code": "credit_code", "kind": "kind", "name": "name", NON_FIELD_ERRORS: "name"}
CARRIER_COLUMNS_OF_FIELDS = {
    "user": "user_name",
    "entity_name": "entity_name",
    "status": "status",
    NON_FIELD_ERRORS: "carrier_type",
    **{name: name for name in registry_layout.DATE_FIELDS},
}


@dataclass
class Change:
    """One object the file creates or changes."""

    row: int
    label: str
    obj: object  # the instance to save: a new one, or the stored one not yet modified
    values: dict  # field -> value to set
    changes: list  # (what, old, new) for the preview
    created: bool
    parent: "Change | None" = None  # for a year: the change that creates its user
    years: set = field(default_factory=set)  # the years whose coverage figures it can move

    def save(self, user):
        obj = self.obj
        if self.parent is not None:
            obj.user = self.parent.obj
        for name, value in self.values.items():
            setattr(obj, name, value)
        if not self.created and hasattr(obj, "version"):
            obj.version += 1
        obj._history_user = user
        obj.save()


@dataclass
class Preview:
    what: str
    region: object
    parsed: registry_read.Parsed
    problems: list
    changes: list = field(default_factory=list)

    @property
    def changed(self):
        """How many objects the file creates or changes."""
        return len(self.changes)

    @property
    def years(self):
        return sorted({year for change in self.changes for year in change.years})

    def count(self, model, *, created):
        return sum(1 for c in self.changes if isinstance(c.obj, model) and c.created == created)

    def rows(self):
        """What the preview lists: one row per created or changed object."""
        return [staged_import.Change(f"第{c.row}行", c.label, c.changes) for c in self.changes]

    def problem(self, row, key, message):
        self.problems.append(f"{self.parsed.where(row, key)}：{message}")


READERS = {USERS: registry_read.read_users,
           CARRIERS: lambda data: registry_read.read_carriers(data, carrier_kinds()),
           LEAKS: leak_import.read_leak_repairs}


def read_file(what, data):
    """What the file ``data`` (bytes) says; ``core.errors.FileUnreadable`` when it cannot be read."""
    return READERS[what](data)


def check_file(what, parsed, *, region, lock=False):
    """What the read file would do to ``region``'s registry. ``lock`` locks the compared rows
    (inside a transaction)."""
    if what == USERS:
        return preview_users(region=region, parsed=parsed, lock=lock)
    if what == CARRIERS:
        return preview_carriers(region=region, parsed=parsed, lock=lock)
    if what == LEAKS:
        preview = Preview(LEAKS, region, parsed, list(parsed.problems))
        _of_another_region(preview, registry_layout.leaks_title)
        stored = _locked(LeakRepair.objects.filter(region=region), lock)
        leak_import.check_leak_repairs(preview, list(stored), Change)
        return preview
    raise ValueError(what)


def preview_import(what, *, region, data, lock=False):
    """Read ``data`` and check it against ``region``'s registry."""
    return check_file(what, read_file(what, data), region=region, lock=lock)


def apply_import(what, *, region, data, user):
    """``apply_file`` of the file ``data`` (bytes)."""
    return apply_file(what, read_file(what, data), region=region, user=user)


def apply_file(what, parsed, *, region, user):
    """Write what the read file would do, in one transaction, comparing it with the registry
    as it is now; ImportBlocked (nothing written) when the file does not fit it any more.
    Returns the Preview that was applied."""
    try:
        with transaction.atomic():
            preview = check_file(what, parsed, region=region, lock=True)
            if preview.problems:
                raise ImportBlocked(preview.problems)
            for change in preview.changes:
                change.save(user)
            registry_changed(region, *preview.years)
    except IntegrityError:
        raise ImportBlocked(
            [
                _(
                    "The registry was changed by someone else while the file was being imported. Nothing was saved; "
                    "look at the preview again and confirm."
                )
            ]
        ) from None
    return preview


def _locked(queryset, lock):
    return queryset.select_for_update(of=("self",)) if lock else queryset


def _clean_problems(preview, row, instance, columns):
    """Problems of ``instance.clean()`` (a rule of the model), in the column they concern."""
    try:
        instance.clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                preview.problem(row, columns.get(name, columns[NON_FIELD_ERRORS]), message)
        return True
    return False


def _text(value):
    return (value or "").strip()


def _of_another_region(preview, title_of):
    """A problem when the file is one the portal exported for another district: its title
    (“黔江区用水单位名录及年度用水量”) names that district. Imported here, its units would
    become this district's. A file with a title of its own is not judged by it."""
    title, own = normalize_name(preview.parsed.title), normalize_name(title_of(preview.region))
    suffix = own.removeprefix(normalize_name(preview.region.name))
    if title.endswith(suffix) and title != own:
        preview.problems.insert(0, f"第{registry_layout.TITLE_ROW}行A列（标题）：这是“{preview.parsed.title}”，"
                                   f"不是{preview.region.name}的名录，未导入任何内容。"
                                   "请导出本区的名录后在其上填写。")


# --- users -----------------------------------------------------------------------------------


def preview_users(*, region, parsed, lock=False):
    preview = Preview(USERS, region, parsed, list(parsed.problems))
    _of_another_region(preview, registry_layout.users_title)
    users = list(_locked(WaterUser.objects.filter(region=region), lock).prefetch_related("years"))
    by_code = {user.credit_code: user for user in users if user.credit_code}
    by_name = {normalize_name(user.name): user for user in users}
    matched = {}  # stored user pk -> the row that matched it
    for file_user in parsed.rows:
        name_key = normalize_name(file_user.name)
        existing = (by_code.get(file_user.credit_code) if file_user.credit_code else None) or by_name.get(name_key)
        if existing is not None:
            if existing.pk in matched:
                preview.problem(
                    file_user.row,
                    "name",
                    f"与第{matched[existing.pk]}行对应的是本区已登记的同一个单位“{existing.name}”"
                    f"（按统一社会信用代码或单位名称匹配），请核对这两行",
                )
                continue
            matched[existing.pk] = file_user.row
            other = by_name.get(name_key)
            if other is not None and other.pk != existing.pk:
                preview.problem(
                    file_user.row,
                    "name",
                    f"本区已登记的另一单位（统一社会信用代码{other.credit_code or '未填写'}）已使用这个名称，"
                    f"统一社会信用代码为{existing.credit_code}的单位不能改用这个名称",
                )
                continue
        candidate = WaterUser(region=region, **file_user.values)
        if _clean_problems(preview, file_user.row, candidate, USER_COLUMNS_OF_FIELDS):
            continue
        user_change = _user_change(region, file_user, existing)
        if user_change is not None:
            preview.changes.append(user_change)
        for file_year in file_user.years:
            year_change = _year_change(file_user, file_year, existing, user_change)
            if year_change is not None:
                preview.changes.append(year_change)
    return preview


def _user_change(region, file_user, existing):
    values = dict(file_user.values)
    name = values["name"]
    if existing is None:
        shown = [(key, "", new) for key, new in _user_shown(values).items() if new]
        return Change(
            row=file_user.row,
            label=_("New water user: %(name)s") % {"name": name},
            obj=WaterUser(region=region),
            values=values,
            changes=_labelled(shown, USER_HEADERS),
            created=True,
        )
    if normalize_name(existing.name) == normalize_name(name):
        values["name"] = existing.name  # the same name, spelt with other spaces or line breaks
    stored = {key: getattr(existing, key) for key in values}
    stored["industry"] = _text(stored["industry"])
    if stored == values:
        return None
    old, new = _user_shown(stored), _user_shown(values)
    shown = [(key, old[key], new[key]) for key in new if old[key] != new[key]]
    years = {y.year for y in existing.years.all()} | {y.year for y in file_user.years}
    return Change(
        row=file_user.row,
        label=_("Water user: %(name)s") % {"name": existing.name},
        obj=existing,
        values=values,
        changes=_labelled(shown, USER_HEADERS),
        created=False,
        years=years,
    )


def _user_shown(values):
    """A user's values as the file shows them, by column."""
    return {
        "name": values["name"],
        "credit_code": values["credit_code"],
        "kind": KIND_LABELS.get(values["kind"], values["kind"]),
        "industry": values["industry"],
        "sources": "、".join(label for name, label in SOURCES if values[name]),
    }


def _labelled(shown, headers):
    return [(headers[key], old, new) for key, old, new in shown]


def _year_change(file_user, file_year, existing_user, user_change):
    existing = None
    if existing_user is not None:
        existing = next((y for y in existing_user.years.all() if y.year == file_year.year), None)
    new = file_year.figures
    label_values = {"name": file_user.name, "year": file_year.year}
    if existing is None:
        # An empty volume that defaults to 0 is not worth a line; the total always is.
        shown = [
            (key, "", plain(new[key]))
            for key in FIGURE_FIELDS
            if new[key] is not None and (new[key] or key not in registry_layout.ZERO_VOLUMES)
        ]
        return Change(
            row=file_year.row,
            label=_("%(name)s, year %(year)s (new)") % label_values,
            obj=UserYear(year=file_year.year, user=existing_user),
            values=dict(new),
            changes=[(USER_HEADERS["year"], "", str(file_year.year)), *_labelled(shown, USER_HEADERS)],
            created=True,
            parent=user_change if existing_user is None else None,
            years={file_year.year},
        )
    shown = [
        (key, plain(getattr(existing, key)), plain(new[key]))
        for key in FIGURE_FIELDS
        if getattr(existing, key) != new[key]
    ]
    if not shown:
        return None
    return Change(
        row=file_year.row,
        label=_("%(name)s, year %(year)s") % label_values,
        obj=existing,
        values=dict(new),
        changes=_labelled(shown, USER_HEADERS),
        created=False,
        years={file_year.year},
    )


# --- carriers --------------------------------------------------------------------------------


def _carrier_key(carrier_type, level, user, entity_name):
    if user is not None:
        return (carrier_type, level, "user", user.pk)
    return (carrier_type, level, "entity", normalize_name(entity_name))


def preview_carriers(*, region, parsed, lock=False):
    preview = Preview(CARRIERS, region, parsed, list(parsed.problems))
    _of_another_region(preview, registry_layout.carriers_title)
    users = list(WaterUser.objects.filter(region=region))
    by_code = {user.credit_code: user for user in users if user.credit_code}
    by_name = {normalize_name(user.name): user for user in users}
    stored = _locked(Carrier.objects.filter(region=region), lock).select_related("user", "standard")
    by_key = {_carrier_key(c.carrier_type_id, c.level, c.user, c.entity_name): c for c in stored}
    standards = _standards()
    kinds = carrier_kinds()
    seen = {}
    for row in parsed.rows:
        user, where, message = _find_user(row, by_code, by_name, kinds.named)
        if message:
            preview.problem(row.row, where, message)
            continue
        standard = None
        if row.standard:
            standard = standards.get(normalize_name(row.standard))
            if standard is None:
                preview.problem(row.row, "standard", f"“{row.standard}”不是已登记的评价标准（请填写标准编号或名称，"
                                                     f"新的标准由系统管理员先行登记）")
                continue
        values = {**row.values, "standard": standard}
        key = _carrier_key(values["carrier_type"], values["level"], user, values["entity_name"])
        if key in seen:
            message = f"与第{seen[key]}行是同一个载体（载体类型、级别和单位都相同），同一载体只能有一行"
            preview.problem(row.row, "carrier_type", message)
            continue
        seen[key] = row.row
        if _clean_problems(preview, row.row, Carrier(region=region, user=user, **values), CARRIER_COLUMNS_OF_FIELDS):
            continue
        change = _carrier_change(region, row, user, values, by_key.get(key), kinds.labels)
        if change is not None:
            preview.changes.append(change)
    return preview


def _standards():
    """{normalised number or title: EvaluationStandard}: a file may name a standard by its
    number (GB/T 7119-2018), its title (节水型企业评价导则) or both as the registry shows it."""
    found = {}
    for standard in EvaluationStandard.objects.all():
        for text in (standard.code, standard.title, f"《{standard.title}》", str(standard),
                     f"{standard.code}{standard.title}"):
            if text:
                found.setdefault(normalize_name(text), standard)
    return found


def _find_user(row, by_code, by_name, named_kinds):
    """(user or None, column, problem or None) for the water user a carrier row names."""
    name = row.user_name
    if row.credit_code:
        user = by_code.get(row.credit_code)
        if user is not None:
            if name and normalize_name(name) != normalize_name(user.name):
                return (
                    None,
                    "user_name",
                    (
                        f"统一社会信用代码{row.credit_code}在本区登记的单位是“{user.name}”，"
                        f"与本行填写的用水单位“{name}”不一致"
                    ),
                )
            return user, None, None
        user = by_name.get(normalize_name(name)) if name else None
        if user is not None and user.credit_code:
            return (
                None,
                "credit_code",
                (
                    f"用水单位“{user.name}”登记的统一社会信用代码是{user.credit_code}，"
                    f"与本行填写的{row.credit_code}不一致"
                ),
            )
        if user is None:
            column = "user_name" if name else "credit_code"
            code = row.credit_code
            who = f"“{name}”（统一社会信用代码{code}）" if name else f"统一社会信用代码为{code}的单位"
            return None, column, f"本区没有登记{who}，请先在用水单位名录中登记该单位（或导入用水单位名录）"
        return user, None, None
    if not name:
        return None, None, None
    user = by_name.get(normalize_name(name))
    if user is None:
        message = f"本区没有登记名为“{name}”的用水单位，请先在用水单位名录中登记该单位（或导入用水单位名录）"
        if row.values["carrier_type"] in named_kinds:
            message += "；如果它不是用水单位，请把名称填在“名称（非用水单位）”列"
        return None, "user_name", message
    return user, None, None


CARRIER_COMPARED = ("status", "entity_name", "holder", "standard", *registry_layout.DATE_FIELDS, "notes")


def _carrier_shown(values):
    shown = {key: values.get(key) for key in CARRIER_COMPARED}
    shown["status"] = STATUS_LABELS.get(values["status"], values["status"])
    shown["standard"] = str(values["standard"]) if values["standard"] else ""
    for key in registry_layout.DATE_FIELDS:
        shown[key] = values[key].isoformat() if values[key] else ""
    return shown


def _carrier_change(region, row, user, values, existing, kind_names):
    name = user.name if user is not None else values["entity_name"]
    kind_name = kind_names[values["carrier_type"]]
    described = f"{name}（{kind_name}，{LEVEL_LABELS[values['level']]}）"
    if existing is None:
        carrier = Carrier(region=region, user=user)
        new = _carrier_shown(values)
        shown = [
            (CARRIER_HEADERS["carrier_type"], "", kind_name),
            (CARRIER_HEADERS["level"], "", LEVEL_LABELS[values["level"]]),
        ]
        if user is not None:
            shown.append((CARRIER_HEADERS["user_name"], "", user.name))
        shown += [(CARRIER_HEADERS[key], "", new[key]) for key in CARRIER_COMPARED if new[key]]
        candidate = Carrier(region=region, user=user, **values)
        return Change(
            row=row.row,
            label=_("New carrier: %(name)s") % {"name": described},
            obj=carrier,
            values=values,
            changes=shown,
            created=True,
            years=set(carrier_years(candidate)),
        )
    if user is None and normalize_name(existing.entity_name) == normalize_name(values["entity_name"]):
        values["entity_name"] = existing.entity_name  # the same name, spelt with other spaces
    before = {key: getattr(existing, key) for key in CARRIER_COMPARED}
    before["entity_name"], before["notes"] = _text(before["entity_name"]), _text(before["notes"])
    before["holder"] = _text(before["holder"])
    after = {key: values[key] for key in CARRIER_COMPARED}
    if before == after:
        return None
    old, new = _carrier_shown(before), _carrier_shown(after)
    shown = [(CARRIER_HEADERS[key], old[key], new[key]) for key in CARRIER_COMPARED if old[key] != new[key]]
    candidate = Carrier(region=region, user=user, **values)
    return Change(
        row=row.row,
        label=_("Carrier: %(name)s") % {"name": described},
        obj=existing,
        values={key: values[key] for key in CARRIER_COMPARED},
        changes=shown,
        created=False,
        years=set(carrier_years(candidate, existing)),
    )
