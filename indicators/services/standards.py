"""Loading an evaluation standard from its workbook (导入评价标准): every row checked against
the catalogue before anything is written (``standard_prepare``), then written in one
transaction (``standard_commit``), which checks again under lock.

A standard is found by its code and version: loading the same code and version again
updates it in place (items matched by code; the preview lists each changed field, old and
new, and the items the file no longer has, with what hangs on them); a new version is a
new standard beside the old, which keeps its values and adoptions. Data elements the file
lists that the catalogue does not have yet are created; stored ones are left as they are.
Once a stored standard changes, the regions that adopted it are recomputed.

``spec_of`` reads a stored standard back into the workbook's terms: the template an
administrator downloads is a filled standard, and loading it again changes nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from core.errors import ImportBlocked
from core.numbers import plain
from core.periods import Quarter
from core.recompute import mark_stale
from core.text import normalize_name

from .. import standard_workbook as workbook
from ..formulas import FormulaError, parse
from ..models import (
    ChecklistAnswer,
    ComputedValue,
    DataElement,
    Indicator,
    IndicatorSet,
    Judgement,
    ReferenceValue,
)
from ..scoring_rules import references_used
from ..standard_workbook import ITEM_HEADERS, STANDARD_HEADERS, STANDARD_SHEET, item_where, where
from .compute import RECOMPUTE, quarters_since

CHANGE_REASON = "导入评价标准"
SET_FIELDS = ["name", "source", "source_note", "min_points", "guiding_share", "min_guiding"]
ITEM_FIELDS = ["number", "category", "name", "kind", "unit", "method", "formula", "checklist", "target", "target_text",
               "points", "scoring", "scoring_text", "annual", "lead_text", "responsible_text", "definition"]
# The column a model field's error belongs to.
FIELD_COLUMNS = {name: name for name in ITEM_FIELDS} | {"scoring": "scoring_params", "__all__": "code"}
FIELD_LABELS = {name: ITEM_HEADERS.get(name, name) for name in ITEM_FIELDS} | {"scoring": "评分规则"}
SET_LABELS = {name: STANDARD_HEADERS[name] for name in SET_FIELDS}


@dataclass
class StandardPreview:
    """What a standard workbook would do."""

    code: str = ""
    version: str = ""
    name: str = ""
    existing: IndicatorSet | None = None
    set_fields: dict = field(default_factory=dict)
    items: list = field(default_factory=list)  # workbook.ItemRow without problems, in the file's order
    rows: list = field(default_factory=list)  # every workbook.ItemRow of the file, as read
    new_elements: list = field(default_factory=list)  # workbook.ElementRow
    known_elements: int = 0  # rows of the 数据项 sheet the catalogue already has
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    set_changes: list = field(default_factory=list)  # [(label, old, new)]
    item_changes: list = field(default_factory=list)  # [(ItemRow, Indicator, [(label, old, new)])]
    added: list = field(default_factory=list)  # ItemRow
    removed: list = field(default_factory=list)  # [(Indicator, [(what hangs on it, count)])]
    unchanged: int = 0
    full_points: Decimal = Decimal("0")
    document: bool = False  # a document's indicator table: the stored items it does not name stay

    @property
    def ok(self):
        return not self.errors

    @property
    def needs_confirmation(self):
        return bool(self.warnings)

    @property
    def changes_anything(self):
        return bool(self.existing is None or self.set_changes or self.item_changes or self.added or self.removed
                    or self.new_elements)


# --- checking ----------------------------------------------------------------------------------


def standard_prepare(*, parsed, lock=False):
    """Check everything ``parsed`` (``standard_workbook.read``) says against the catalogue;
    returns a ``StandardPreview`` whose ``errors`` name sheet, row and column. Writes nothing."""
    preview = StandardPreview(errors=list(parsed.problems), rows=parsed.items, document=parsed.document)
    if parsed.document:
        _match_document(parsed, preview)
    preview.full_points = sum((item.fields.get("points") or Decimal("0") for item in parsed.items), Decimal("0"))
    standard = parsed.standard
    preview.code, preview.version, preview.name = standard.get("code", ""), standard.get("version", ""), \
        standard.get("name", "")
    if preview.code and preview.version:
        stored = IndicatorSet.objects.filter(code=preview.code, version=preview.version)
        if lock:  # two administrators loading the same standard: the second waits and sees the first's
            stored = stored.select_for_update()
        preview.existing = stored.first()
    _check_set(parsed, preview)
    new_codes = _check_elements(parsed, preview)
    known = set(DataElement.objects.values_list("code", flat=True)) | new_codes
    references = set(ReferenceValue.objects.values_list("code", flat=True))
    _check_items(parsed, preview, known | references)
    _check_prerequisites(parsed, preview)
    _check_pass_score(parsed, preview)
    _warn_references(preview, references)
    if preview.existing is not None and not preview.errors:
        _compare(preview)
    return preview


# The fields a document's table gives; everything else of an item is the stored standard's.
DOCUMENT_FIELDS = ("number", "name", "kind", "target_text", "target", "lead_text", "responsible_text", "definition")


def _match_document(parsed, preview):
    """A document's indicator table names a stored standard's items: find the standard
    whose items have all its names, and lay the document's words over each stored item.
    Rows that match no item are errors naming the row; nothing is added or removed."""
    names = {}
    for item in parsed.items:
        name = normalize_name(item.written.get("name", ""))
        if name in names:
            preview.errors.append(f"{item_where(item, 'name')}：与第{names[name].row}行重复")
        else:
            names[name] = item
    best, best_found = None, {}
    for indicator_set in IndicatorSet.objects.prefetch_related("indicators").order_by("code", "-version"):
        by_name = {normalize_name(indicator.name): indicator for indicator in indicator_set.indicators.all()}
        found = {name: by_name[name] for name in names if name in by_name}
        if len(found) > len(best_found):
            best, best_found = indicator_set, found
    if best is None:
        preview.errors.append("上传的是发文附件中的指标表，只能更新已有标准各项的原文，但没有哪套已有标准有这些指标；"
                              "新标准请用评价标准导入表（可在本页下载模板）")
        return
    parsed.standard = {"code": best.code, "version": best.version,
                       **{name: getattr(best, name) for name in SET_FIELDS}}
    for name, item in names.items():
        indicator = best_found.get(name)
        item.fields = {"code": "", "scoring_text": "", "unit": "", "name": item.written.get("name", "")}
        if indicator is None:
            preview.errors.append(f"{item_where(item, 'name')}：“{item.written.get('name', '')}”不是"
                                  f"“{best.name}”（{best.version}）的评价项目")
            continue
        item.fields = {"code": indicator.code, **{name: getattr(indicator, name) for name in ITEM_FIELDS}}
        for name in DOCUMENT_FIELDS:
            if item.written.get(name) is None:
                continue
            if name == "target" and indicator.method not in (Indicator.Method.FORMULA, Indicator.Method.LEAKAGE):
                continue  # checked or judged items are answered, not measured against a rule
            item.fields[name] = item.written[name]
    numbered = {item.fields["number"]: item for item in names.values() if item.fields.get("code")}
    named = {item.fields["code"] for item in numbered.values()}
    for indicator in best.indicators.all():
        item = numbered.get(indicator.number)
        if indicator.code not in named and item is not None:
            preview.errors.append(f"{item_where(item, 'number')}：序号{indicator.number}已是"
                                  f"“{indicator.name}”的序号，而该项不在表中")


def _set_where(parsed, fieldname):
    row = parsed.standard_rows.get(fieldname)
    header = STANDARD_HEADERS[fieldname]
    return where(STANDARD_SHEET, row, header, "B") if row else f"{STANDARD_SHEET}表“{header}”"


def _check_set(parsed, preview):
    standard = parsed.standard
    values = {name: standard.get(name) for name in SET_FIELDS}
    values.update({name: values[name] or "" for name in ("name", "source", "source_note")})
    preview.set_fields = values
    candidate = IndicatorSet(code=preview.code, version=preview.version, **values)
    try:
        candidate.clean_fields()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name in STANDARD_HEADERS and (name not in ("code", "version", "name") or standard.get(name)):
                preview.errors += [f"{_set_where(parsed, name)}：{message}" for message in messages]


def _check_elements(parsed, preview):
    """The 数据项 rows: returns the codes the file adds to the catalogue."""
    stored = set(DataElement.objects.values_list("code", flat=True))
    references = set(ReferenceValue.objects.values_list("code", flat=True))
    seen, new = {}, set()
    for row in parsed.elements:
        def problem(key, message, row=row):
            header = workbook.ELEMENT_HEADERS[key]
            preview.errors.append(f"{where(workbook.ELEMENTS_SHEET, row.row, header, row.columns.get(key, ''))}"
                                  f"：{message}")

        if not row.code:
            problem("code", "不能为空")
            continue
        if row.code in seen:
            problem("code", f"与第{seen[row.code]}行重复")
            continue
        seen[row.code] = row.row
        if row.code in stored:
            preview.known_elements += 1  # kept as it is: its figures are already entered under it
            continue
        if row.code in references:
            problem("code", f"“{row.code}”已是参考值的代码，数据项不能与之同名")
            continue
        element = DataElement(code=row.code, name=row.name, unit=row.unit, cumulative=row.cumulative)
        try:
            element.clean_fields(exclude=["not_above", "min_value", "max_value", "description", "source"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                key = name if name in workbook.ELEMENT_HEADERS else "code"
                for message in messages:
                    problem(key, message)
            continue
        new.add(row.code)
        preview.new_elements.append(row)
    return new


def _check_items(parsed, preview, known):
    numbers, codes = {}, {}
    for item in parsed.items:
        fields = item.fields
        before = len(preview.errors)

        def problem(key, message, item=item):
            preview.errors.append(f"{item_where(item, key)}：{message}")

        number, code = fields.get("number"), fields.get("code")
        if number is not None:
            if number in numbers:
                problem("number", f"序号{number}与第{numbers[number]}行重复")
            else:
                numbers[number] = item.row
        if code:
            if code in codes:
                problem("code", f"代码{code}与第{codes[code]}行重复")
            else:
                codes[code] = item.row
        method = fields.get("method")
        formula_ok = False
        if method == Indicator.Method.FORMULA and fields.get("formula"):
            try:
                parse(fields["formula"], known_names=known)
                formula_ok = True
            except FormulaError as error:
                problem("formula", str(error))
        elif method == Indicator.Method.FORMULA:
            problem("formula", "计算方法为“公式”时须填写公式")
        elif method and fields.get("formula"):
            problem("formula", f"计算方法为“{workbook.METHOD_WORDS[method]}”时不填公式")
        if method and method != Indicator.Method.CHECKLIST and fields.get("checklist"):
            problem("checklist", f"计算方法为“{workbook.METHOD_WORDS[method]}”时不填核查事项")
        if method in (Indicator.Method.CHECKLIST, Indicator.Method.JUDGED) and fields.get("target"):
            problem("target", f"计算方法为“{workbook.METHOD_WORDS[method]}”的项目不设目标规则，"
                              "要求写在“具体要求（原文）”")
        if item.problems or (preview.document and not fields.get("code")):
            continue  # its cells could not all be read: the reader said which
        if len(preview.errors) == before and _complete(fields):
            _model_check(item, problem, skip_formula=formula_ok)
        if len(preview.errors) == before:
            preview.items.append(item)


def _complete(fields):
    return all(key in fields and fields[key] is not None for key in ("number", "kind", "method", "target", "scoring",
                                                                       "points", "annual"))


def _model_check(item, problem, *, skip_formula):
    """The model's own checks of an item (lengths, codes, the target and scoring rules), each
    message put in its column. The formula was checked above against the data elements the
    file adds too, which the model's check, reading the catalogue, cannot see yet."""
    candidate = Indicator(**{name: item.fields[name] for name in ["code", *ITEM_FIELDS]})
    try:
        candidate.full_clean(exclude=["indicator_set"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name == "formula" and skip_formula:
                continue
            key = FIELD_COLUMNS.get(name, "code")
            if key == "scoring_params" and not item.texts.get("scoring_params"):
                key = "scoring_kind"  # nothing in the parameters: the way of scoring is what is wrong
            for message in messages:
                problem(key, message)


def _check_prerequisites(parsed, preview):
    numbers = {item.fields.get("number"): item for item in parsed.items if item.fields.get("number") is not None}
    listed = set(parsed.prerequisites)
    for number in parsed.prerequisites:
        if number not in numbers:
            preview.errors.append(f"{_set_where(parsed, 'prerequisites')}：序号{number}不是本标准的评价项目")
    if "prerequisites" not in parsed.standard_rows:
        return  # the 类型 column alone says which items are prerequisites
    for number, item in numbers.items():
        kind = item.fields.get("kind")
        if kind == Indicator.Kind.BOTTOM_LINE and number not in listed:
            preview.errors.append(f"{item_where(item, 'kind')}：类型为“前提”，但“标准”表的前提条件没有列出序号{number}")
        elif kind == Indicator.Kind.GUIDING and number in listed:
            preview.errors.append(f"{item_where(item, 'kind')}：“标准”表的前提条件列有序号{number}，但其类型为“评分”")


def _check_pass_score(parsed, preview):
    needed = preview.set_fields.get("min_points")
    # Other rows' problems do not hide this one; only an item whose points could not be
    # read leaves the total unknown.
    if needed is None or any(item.fields.get("points") is None for item in parsed.items):
        return
    possible = sum((item.fields["points"] for item in parsed.items), Decimal("0"))
    if needed > possible:
        preview.errors.append(f"{_set_where(parsed, 'min_points')}：各评价项目满分合计{plain(possible)}分，"
                              f"达标分数{plain(needed)}分无法达到")
    guiding = sum(1 for item in parsed.items if item.fields.get("kind") == Indicator.Kind.GUIDING)
    min_guiding = preview.set_fields.get("min_guiding")
    if min_guiding is not None and min_guiding > guiding:
        preview.errors.append(f"{_set_where(parsed, 'min_guiding')}：本标准只有{guiding}个评分（导向）项目")


def _warn_references(preview, references):
    for item in preview.items:
        used = _target_references(item.fields["target"]) | references_used(item.fields["scoring"])
        for code in sorted(used - references):
            preview.warnings.append(f"{item_where(item, 'target')}：参考值{code}尚无任何数值，"
                                    "管理员录入之前该项无法评价")


def _target_references(rule):
    if rule.get("kind") in ("any", "all"):
        return set().union(*(_target_references(branch) for branch in rule["rules"]))
    return {rule["reference"]} if "reference" in rule else set()


# --- what changes ------------------------------------------------------------------------------


def shown(name, value):
    """A field's value as the preview and the catalogue show it."""
    if value is None:
        return ""
    if name == "target":
        return workbook.target_text_of(value)
    if name == "scoring":
        return " · ".join(part for part in workbook.scoring_cells_of(value) if part)
    if name == "checklist":
        return "；".join(value)
    if name == "kind":
        return workbook.KIND_WORDS.get(value, value)
    if name == "method":
        return workbook.METHOD_WORDS.get(value, value)
    if name == "annual":
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)


def _same(old, new):
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return (old is None and new is None) or (old is not None and new is not None and Decimal(old) == Decimal(new))
    return old == new


def _compare(preview):
    existing = preview.existing
    for name in SET_FIELDS:
        old, new = getattr(existing, name), preview.set_fields[name]
        if not _same(old, new):
            preview.set_changes.append((SET_LABELS[name], shown(name, old), shown(name, new)))
    stored = {indicator.code: indicator for indicator in existing.indicators.all()}
    for item in preview.items:
        indicator = stored.pop(item.fields["code"], None)
        if indicator is None:
            preview.added.append(item)
            continue
        changes = [(FIELD_LABELS[name], shown(name, getattr(indicator, name)), shown(name, item.fields[name]))
                   for name in ITEM_FIELDS if not _same(getattr(indicator, name), item.fields[name])]
        if changes:
            preview.item_changes.append((item, indicator, changes))
        else:
            preview.unchanged += 1
    gone = [] if preview.document else list(stored.values())
    if gone:
        ids = [indicator.pk for indicator in gone]
        values = dict(ComputedValue.objects.filter(indicator__in=ids).values("indicator").annotate(n=Count("pk"))
                      .values_list("indicator", "n"))
        judged = dict(Judgement.objects.filter(indicator__in=ids).values("indicator").annotate(n=Count("pk"))
                      .values_list("indicator", "n"))
        answers = dict(ChecklistAnswer.objects.filter(indicator__in=ids).values("indicator")
                       .annotate(n=Count("pk")).values_list("indicator", "n"))
        for indicator in sorted(gone, key=lambda i: i.number):
            hanging = [(label, counts.get(indicator.pk, 0)) for label, counts in
                       (("计算结果", values), ("专家评分", judged), ("核查答复", answers))]
            preview.removed.append((indicator, [(label, count) for label, count in hanging if count]))


# --- writing -----------------------------------------------------------------------------------


@dataclass
class Loaded:
    """What a commit wrote."""

    indicator_set: IndicatorSet
    preview: StandardPreview
    created_set: bool
    created: int
    updated: int
    removed: int
    elements: int


def standard_commit(*, parsed, user, confirm_warnings=False):
    """Check ``parsed`` again under lock and write it in one transaction; returns ``Loaded``.
    Raises ``ImportBlocked`` (nothing written; its ``preview`` is the ``StandardPreview``) on
    any error, or on warnings without ``confirm_warnings``."""
    with transaction.atomic():
        preview = standard_prepare(parsed=parsed, lock=True)
        if not preview.ok:
            raise ImportBlocked(preview.errors, preview=preview)
        if preview.needs_confirmation and not confirm_warnings:
            raise ImportBlocked(preview.warnings, preview=preview, warnings_only=True)
        for row in preview.new_elements:
            DataElement.objects.create(code=row.code, name=row.name, unit=row.unit, cumulative=row.cumulative,
                                       min_value=Decimal("0"))
        indicator_set, created_set = _write_set(preview, user)
        created, updated, removed = _write_items(preview, indicator_set, user)
        indicator_set.full_clean()  # the pass score against the items as stored now
        if not created_set and (created or updated or removed or preview.set_changes):
            _recompute_adopters(indicator_set)
    return Loaded(indicator_set, preview, created_set, created, updated, removed, len(preview.new_elements))


def _stamped(record, user):
    record._history_user = user
    record._change_reason = CHANGE_REASON
    return record


def _write_set(preview, user):
    indicator_set = preview.existing
    if indicator_set is None:
        indicator_set = IndicatorSet(code=preview.code, version=preview.version, **preview.set_fields)
        _stamped(indicator_set, user).save()
        return indicator_set, True
    if preview.set_changes:
        for name, value in preview.set_fields.items():
            setattr(indicator_set, name, value)
        _stamped(indicator_set, user).save()
    return indicator_set, False


def _write_items(preview, indicator_set, user):
    for indicator, _hanging in preview.removed:
        _stamped(indicator, user).delete()
    renumbered = [indicator for item, indicator, _changes in preview.item_changes
                  if indicator.number != item.fields["number"]]
    # Numbers are unique in a standard: items changing places first step aside.
    for offset, indicator in enumerate(renumbered):
        Indicator.objects.filter(pk=indicator.pk).update(number=30000 + offset)
    for item, indicator, _changes in preview.item_changes:
        formula_changed = indicator.formula != item.fields["formula"]
        for name in ITEM_FIELDS:
            setattr(indicator, name, item.fields[name])
        if formula_changed:
            indicator.formula_version += 1  # values computed before keep saying which formula they used
        indicator.full_clean()
        _stamped(indicator, user).save()
    created = 0
    for item in preview.added if preview.existing else preview.items:
        indicator = Indicator(indicator_set=indicator_set, code=item.fields["code"],
                              **{name: item.fields[name] for name in ITEM_FIELDS})
        indicator.full_clean()
        _stamped(indicator, user).save()
        created += 1
    return created, len(preview.item_changes), len(preview.removed)


def _recompute_adopters(indicator_set):
    """The regions evaluated against the standard, recomputed from the year each adopted it,
    once the change commits."""
    today = timezone.localdate()
    for adoption in indicator_set.adoptions.all():
        mark_stale(RECOMPUTE, region_ids=[adoption.region_id],
                   quarters=quarters_since(Quarter(adoption.since_year, 1), today=today))


# --- a stored standard in the workbook's terms -------------------------------------------------


def spec_of(indicator_set):
    """``indicator_set`` as ``standard_workbook.build`` writes it, with the data elements its
    formulas use, so the file loads into a catalogue that lacks them."""
    indicators = list(indicator_set.indicators.order_by("number"))
    names = set(DataElement.objects.values_list("code", flat=True)) | set(
        ReferenceValue.objects.values_list("code", flat=True))
    used = set()
    for indicator in indicators:
        if indicator.method == Indicator.Method.FORMULA and indicator.formula:
            try:
                used |= parse(indicator.formula, known_names=names).names
            except FormulaError:
                continue
    # Figures computed from the carrier registry are the portal's own, not loaded from a file.
    elements = DataElement.objects.filter(code__in=used, source=DataElement.Source.ENTERED).order_by("code")
    return {
        "standard": {"code": indicator_set.code, "version": indicator_set.version,
                     **{name: getattr(indicator_set, name) for name in SET_FIELDS}},
        "items": [{"code": i.code, **{name: getattr(i, name) for name in ITEM_FIELDS}} for i in indicators],
        "elements": [{"code": e.code, "name": e.name, "unit": e.unit, "cumulative": e.cumulative} for e in elements],
    }


__all__ = ["CHANGE_REASON", "Loaded", "StandardPreview", "shown", "spec_of", "standard_commit", "standard_prepare"]
