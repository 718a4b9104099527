"""Reads about departments that are more than a one-line query."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.text import normalize_name

from .models import Department, DepartmentAlias, DepartmentGroup, Division, Region, User

# Separators officials use between department names in one cell: 、 ， , ； ; / and line
# breaks or spaces. Whitespace is weaker: a long name is sometimes broken over two lines.
_SEPARATORS = re.compile(r"[、，,；;/／\s]+")
_PUNCTUATION = re.compile(r"[、，,；;/／]+")


class UnknownDepartment(ValueError):
    def __init__(self, name):
        super().__init__(name)
        self.name = name


def split_department_cell(text):
    """The names written in one department cell, in order, without blanks."""
    return [piece for piece in _SEPARATORS.split(text or "") if piece.strip()]


class DepartmentRow(NamedTuple):
    """What resolving a name needs of a department (``DepartmentResolver.for_regions``'
    ``light``): which one it is, and its kind for the groups."""

    pk: int
    kind: str


@dataclass
class DepartmentResolver:
    """Turns the names written in a region's source tables into its departments.

    Built with three queries, then answers any number of look-ups from memory, so an
    import of a thousand rows costs the same as one.
    """

    departments: dict = field(default_factory=dict)  # normalised spelling -> Department
    groups: dict = field(default_factory=dict)  # normalised spelling -> [Department]

    @classmethod
    def for_region(cls, region):
        return cls.for_regions([region.pk])[region.pk]

    @classmethod
    def for_regions(cls, region_ids, *, light=False):
        """{region id: resolver}, in the same three queries however many regions.

        ``light``: the departments are ``DepartmentRow`` tuples instead of model instances,
        for a read of thousands of regions that only needs which department a name is (the
        national recompute's owners built 57,000 model instances for their pk).
        """
        resolvers = {region_id: cls() for region_id in region_ids}
        active = defaultdict(list)
        # In the model's order within a region (which spelling a later department takes, a
        # group's order); by region id rather than code, which costs a join.
        departments = Department.objects.filter(region__in=region_ids, is_active=True).order_by(
            "region_id", "kind", "short_name")
        if light:
            rows = departments.values_list("region_id", "name", "short_name", "pk", "kind")
            found = ((region_id, name, short_name, DepartmentRow(pk, kind))
                     for region_id, name, short_name, pk, kind in rows)
        else:
            found = ((department.region_id, department.name, department.short_name, department)
                     for department in departments)
        for region_id, name, short_name, department in found:
            active[region_id].append(department)
            for spelling in (name, short_name):
                resolvers[region_id].departments[normalize_name(spelling)] = department
        by_pk = {department.pk: department for found in active.values() for department in found}
        # An alias is of its department's region (``DepartmentAlias.clean``); saying so lets
        # PostgreSQL read the batch's departments by region, not scan all of them.
        aliases = DepartmentAlias.objects.filter(region__in=region_ids, department__region__in=region_ids,
                                                 department__is_active=True)
        for region_id, department_id, name in aliases.values_list("region_id", "department_id", "name"):
            resolvers[region_id].departments[normalize_name(name)] = by_pk[department_id]
        for group in DepartmentGroup.objects.filter(region__in=region_ids).prefetch_related("members"):
            named = {member.pk for member in group.members.all()}
            members = [d for d in active[group.region_id] if d.kind in group.kinds or d.pk in named]
            for spelling in group.spellings():
                resolvers[group.region_id].groups[normalize_name(spelling)] = members
        return resolvers

    def is_group(self, name):
        return normalize_name(name) in self.groups

    def resolve_name(self, name):
        """The departments one name stands for: one department, or a group's members."""
        key = normalize_name(name)
        if key in self.departments:
            return [self.departments[key]]
        if key in self.groups:
            return list(self.groups[key])
        raise UnknownDepartment(name)

    def resolve_cell(self, text):
        """The departments a whole cell names, in order and without repeats.

        Raises ``UnknownDepartment`` for the first name that matches nothing.
        """
        result, seen = [], set()
        for name in self.names_in(text):
            for department in self.resolve_name(name):
                if department.pk not in seen:
                    seen.add(department.pk)
                    result.append(department)
        return result

    def knows(self, name):
        key = normalize_name(name)
        return key in self.departments or key in self.groups

    def names_in(self, text):
        """Split on punctuation; within a piece, whitespace separates names unless the
        whole piece is one known name, or a word only makes a name joined to the next."""
        for chunk in _PUNCTUATION.split(text or ""):
            if not chunk.strip():
                continue
            if self.knows(chunk):
                yield chunk
                continue
            words = chunk.split()
            i = 0
            while i < len(words):
                if not self.knows(words[i]) and i + 1 < len(words) and self.knows(words[i] + words[i + 1]):
                    yield words[i] + words[i + 1]
                    i += 2
                else:
                    yield words[i]
                    i += 1


class _Asked(dict):
    """A resolver's dictionary that notes every key it is asked about."""

    def __init__(self, entries, asked):
        super().__init__(entries)
        self.asked = asked

    def __contains__(self, key):
        self.asked.append(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        self.asked.append(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.asked.append(key)
        return super().get(key, default)


def _answers(resolver, keys):
    """What ``resolver`` answers about the normalised names ``keys`` (the department, the
    group's members), its departments numbered in the order they appear, and those
    departments in that order: two regions that answer alike give the same numbers."""
    numbers, departments = {}, []

    def number(department):
        if department.pk not in numbers:
            numbers[department.pk] = len(departments)
            departments.append(department)
        return numbers[department.pk]

    found, groups = resolver.departments, resolver.groups
    answers = tuple((number(found[key]) if key in found else None,
                     tuple(map(number, groups[key])) if key in groups else None) for key in keys)
    return answers, departments


def resolve_cells(resolvers, texts):
    """{region id: {text: its departments, or None}}: ``resolve_cell`` of each of ``texts``
    by each of ``resolvers`` ({region id: resolver}), None where it raises ``UnknownDepartment``.

    A cell is resolved from what the resolver answers about the names it asks for, and
    nothing else. So a text is resolved with a resolver that notes those names; a region
    whose resolver answers them alike (the same departments and groups, up to which
    department is which: numbered as ``_answers`` does) takes the same path and gets the
    same result, as its own departments. Thousands of counties whose tables spell their
    units alike resolve a text a few times instead of once each; a region answering in a
    way not seen before is resolved on its own.
    """
    # text -> {names asked: {answers: the result as numbers, or None}}; the names asked
    # depend on the answers only where a piece of a cell splits on whitespace.
    learned = {text: {} for text in texts}
    cells = {}
    for region_id, resolver in resolvers.items():
        cells[region_id] = own = {}
        for text, seen in learned.items():
            for keys, results in seen.items():
                answers, departments = _answers(resolver, keys)
                if answers in results:
                    numbered = results[answers]
                    own[text] = None if numbered is None else [departments[n] for n in numbered]
                    break
            else:
                asked = []
                noting = DepartmentResolver(_Asked(resolver.departments, asked), _Asked(resolver.groups, asked))
                try:
                    own[text] = noting.resolve_cell(text)
                except UnknownDepartment:
                    own[text] = None
                keys = tuple(dict.fromkeys(asked))
                answers, departments = _answers(resolver, keys)
                numbers = {department.pk: n for n, department in enumerate(departments)}
                seen.setdefault(keys, {})[answers] = (
                    None if own[text] is None else [numbers[department.pk] for department in own[text]])
    return cells


def region_overview(scope):
    """The regions a user sees, each with how many active departments they see in it."""
    return (
        scope.regions()
        .select_related("parent")
        .annotate(
            department_count=Count(
                "departments", filter=Q(departments__is_active=True) & scope.department_q("departments__")
            )
        )
    )


def water_bureau_of(region):
    """The region's water bureau by its full name: the 发文机关 that signs the 公文 the portal
    drafts for it (its department whose short name says 水利, else “<region>水利局”)."""
    found = region.departments.filter(short_name__contains="水利").order_by("pk").first()
    return found.name if found is not None else f"{region.name}水利局"


def divisions_search(query):
    """Divisions whose name contains ``query`` or whose code starts with it, with the names
    of the divisions above them (a county's 市 and 省) to tell 朝阳区 from 朝阳区."""
    query = (query or "").strip()
    found = Division.objects.all()
    if query:
        found = found.filter(Q(code__startswith=query) | Q(name__contains=query))
    return found.order_by("code")


def division_parents(divisions):
    """{code: "省 市"} naming where each division lies."""
    codes = {d.parent_code for d in divisions if d.parent_code}
    parents = {d.code: d for d in Division.objects.filter(code__in=codes)}
    grand = {d.code: d for d in Division.objects.filter(code__in={p.parent_code for p in parents.values()})}
    shown = {}
    for division in divisions:
        chain, parent = [], parents.get(division.parent_code)
        if parent is not None:
            chain.append(parent.name)
            if parent.parent_code in grand:
                chain.insert(0, grand[parent.parent_code].name)
        shown[division.code] = " ".join(chain)
    return shown


@dataclass
class SetupStep:
    label: str
    count: int
    url: str
    action: str = ""  # the page where the step is taken, when not ``url``


def region_setup(region, *, makes_accounts):
    """How far a district is set up: departments, groups, accounts, standards, plans, each
    with the page to add one (accounts: only for whoever ``makes_accounts``); counted in one
    query. The standards and plans are other apps' models, looked up by name so that ``org``
    imports neither app (both build on it)."""
    from django.apps import apps
    from django.urls import reverse

    def count(model, region_path, **filters):
        rows = model.objects.filter(**{region_path: OuterRef("pk")}, **filters).order_by()
        return Coalesce(Subquery(rows.values(region_path).annotate(n=Count("pk")).values("n")), 0)

    counts = Region.objects.filter(pk=region.pk).annotate(
        departments_n=count(Department, "region", is_active=True),
        groups_n=count(DepartmentGroup, "region"),
        users_n=count(User, "department__region", is_active=True, is_system=False),
        adoptions_n=count(apps.get_model("indicators", "Adoption"), "region"),
        plans_n=count(apps.get_model("tasks", "Plan"), "region"),
    ).values("departments_n", "groups_n", "users_n", "adoptions_n", "plans_n").get()
    code = region.code
    here = reverse("org:region_detail", args=[code])
    return [
        SetupStep(_("Departments"), counts["departments_n"], here + "#departments",
                  reverse("org:department_add", args=[code])),
        SetupStep(_("Group names"), counts["groups_n"], here + "#groups", reverse("org:group_create", args=[code])),
        SetupStep(_("Accounts"), counts["users_n"], here + "#accounts",
                  reverse("org:user_create", args=[code]) if makes_accounts else ""),
        SetupStep(_("Standards adopted"), counts["adoptions_n"], reverse("indicators:adoptions", args=[code])),
        SetupStep(_("Plans"), counts["plans_n"], reverse("tasks:plan_list")),
    ]


def system_accounts(region=None):
    """The system accounts (``User.is_system``), of ``region`` and the regions below it when
    given, each with its tokens (newest first), for the administrator's page."""
    from django.db.models import Prefetch

    from .models import ApiToken

    accounts = User.objects.filter(is_system=True)
    if region is not None:
        accounts = accounts.filter(region.subtree_q("department__region__"))
    tokens = ApiToken.objects.select_related("revoked_by", "created_by").order_by("-created_at", "-pk")
    return (accounts.select_related("department__region")
            .prefetch_related(Prefetch("api_tokens", queryset=tokens))
            .order_by("department__region__code", "username", "pk"))


def system_account_regions():
    """The regions an administrator may filter the system accounts by: those of the
    accounts' departments and the regions above them, in code order."""
    here = User.objects.filter(is_system=True, department__isnull=False).values("department__region")
    return Region.objects.filter(
        Q(pk__in=here) | Q(children__pk__in=here) | Q(children__children__pk__in=here)
    ).distinct().order_by("code")
