"""Demo regions, departments, groups and users, from ``regions_data`` (the source documents).

Every row is matched on its natural key and written only where it differs, so loading
twice writes nothing. Data that refers to something missing is an error, never a skip.

Besides the named accounts below, every department with work in the demo plans has a
reporter of its own (``regions_data.REPORTERS``): each department's entries are submitted
by its own account, as in a district where every bureau reports.
"""

from django.contrib.auth.hashers import check_password, make_password

from core.text import normalize_name
from org.models import Department, DepartmentAlias, DepartmentGroup, Region, User
from org.selectors import DepartmentResolver, UnknownDepartment

from . import regions_data
from .store import put

# (username, display name, region code, department as written, role)
DEMO_USERS = [
    ("wulong_reviewer", "武隆区水利局审核员", "500156", "区水利局", User.Role.REVIEWER),
    ("wulong_cgj", "武隆区城管局填报员", "500156", "区城管局", User.Role.REPORTER),
    ("qianjiang_reviewer", "黔江区水利局审核员", "500114", "区水利局", User.Role.REVIEWER),
    ("qianjiang_cgj", "黔江区城市管理局填报员", "500114", "区城市管理局", User.Role.REPORTER),
    ("cq_city", "重庆市水利局督导", "500000", "市水利局", User.Role.SUPERVISOR),
    ("admin", "系统管理员", None, None, User.Role.ADMIN),
]


def load(*, password):
    regions = _load_regions(regions_data.REGIONS)
    departments = sum(
        _load_departments(_region(regions, code), rows) for code, rows in regions_data.DEPARTMENTS.items()
    )
    groups = sum(_load_groups(_region(regions, code), rows) for code, rows in regions_data.GROUPS.items())
    users = _load_users(regions, [*DEMO_USERS, *department_reporters()], password)
    return f"{len(regions)} regions, {departments} departments, {groups} groups, {users} users"


def department_reporters():
    """(username, display name, region code, department, role) of each department's own
    reporter, skipping the departments whose reporter is a named account."""
    named = {(code, department) for _u, _n, code, department, role in DEMO_USERS if role == User.Role.REPORTER}
    districts = {row["code"]: row["name"] for row in regions_data.REGIONS}
    rows = []
    for code, departments in regions_data.REPORTERS.items():
        prefix = regions_data.REPORTER_PREFIX[code]
        for short_name, initials in departments.items():
            if (code, short_name) in named:
                continue
            shown = short_name.removeprefix("区")
            rows.append((f"{prefix}_{initials}", f"{districts[code]}{shown}填报员", code, short_name,
                         User.Role.REPORTER))
    return rows


def reporter_of(department):
    """The department's reporter account: the one that submits its entries."""
    return department.users.filter(role=User.Role.REPORTER, is_active=True, is_system=False).order_by(
        "username").first()


def _region(regions, code):
    if code not in regions:
        raise ValueError(f"unknown region code {code}: add it to REGIONS first")
    return regions[code]


def _load_regions(rows):
    regions = {}
    for row in rows:
        parent = None
        if row["parent"] is not None:
            if row["parent"] not in regions:
                raise ValueError(f"region {row['code']} {row['name']}: unknown parent region code {row['parent']}")
            parent = regions[row["parent"]]
        region, _ = put(Region, {"code": row["code"]}, {"name": row["name"], "level": row["level"], "parent": parent})
        region.full_clean()
        regions[region.code] = region
    return regions


def _check_unique_spellings(region, rows, groups=()):
    seen = {}
    for owner, spellings in [(row["short_name"], [row["name"], row["short_name"], *row["aliases"]]) for row in rows] + [
        (group["name"], [group["name"], *group.get("aliases", [])]) for group in groups
    ]:
        for spelling in spellings:
            key = normalize_name(spelling)
            if seen.setdefault(key, owner) != owner:
                raise ValueError(f"{region}: “{spelling}” names both {seen[key]} and {owner}")


def _load_departments(region, rows):
    _check_unique_spellings(region, rows, regions_data.GROUPS.get(region.code, []))
    kinds = set(Department.Kind.values)
    for row in rows:
        if row["kind"] not in kinds:
            raise ValueError(f"{region} {row['short_name']}: unknown department kind {row['kind']!r}")
        department, _ = put(Department, {"region": region, "short_name": row["short_name"]},
                            {"name": row["name"], "kind": row["kind"], "is_active": True})
        wanted = set(row["aliases"]) - {department.name, department.short_name}
        department.aliases.exclude(name__in=wanted).delete()
        for alias in wanted:
            put(DepartmentAlias, {"region": region, "name": alias}, {"department": department})
    return len(rows)


def _load_groups(region, rows):
    for row in rows:
        group, _ = put(DepartmentGroup, {"region": region, "name": row["name"]},
                       {"kinds": row["kinds"], "aliases": row.get("aliases", [])})
        group.full_clean()
        members = []
        for short_name in row.get("members", []):
            try:
                members.append(Department.objects.get(region=region, short_name=short_name))
            except Department.DoesNotExist:
                raise ValueError(f"{region} group {row['name']}: unknown department {short_name!r}") from None
        group.members.set(members)
    return len(rows)


def _password_hash(password, usernames):
    """One hash of the demo password for every demo account: hashing is slow on purpose
    (a second or so for fifty accounts), and hashing again on every load would change
    nothing but the salt. The hash the accounts already hold is kept when it matches."""
    for encoded in set(User.objects.filter(username__in=usernames).values_list("password", flat=True)):
        if encoded and check_password(password, encoded):
            return encoded
    return make_password(password)


def _load_users(regions, rows, password):
    resolvers = {}
    hashed = _password_hash(password, [row[0] for row in rows])
    for username, display_name, region_code, department_name, role in rows:
        department = None
        if region_code is not None:
            region = _region(regions, region_code)
            if region_code not in resolvers:
                resolvers[region_code] = DepartmentResolver.for_region(region)
            resolver = resolvers[region_code]
            try:
                found = resolver.resolve_name(department_name)
            except UnknownDepartment:
                raise ValueError(
                    f"user {username}: no department {department_name!r} in {regions[region_code]}"
                ) from None
            if len(found) != 1 or resolver.is_group(department_name):
                raise ValueError(f"user {username}: {department_name!r} is a group, not one department")
            department = found[0]
        is_admin = role == User.Role.ADMIN
        user, _ = put(User, {"username": username}, {
            "display_name": display_name, "department": department, "role": role, "is_staff": is_admin,
            "is_superuser": is_admin, "is_active": True,
        })
        user.full_clean(exclude=["password"])
        if user.password != hashed:
            user.password = hashed
            user.save(update_fields=["password"])
    return len(rows)
