"""Demo regions, departments, groups and users, from ``regions_data`` (the source documents).

Every row is matched on its natural key and updated in place, so loading twice leaves
the same rows. Data that refers to something missing is an error, never a skip.
"""

from core.text import normalize_name
from org.models import Department, DepartmentAlias, DepartmentGroup, Region, User
from org.selectors import DepartmentResolver, UnknownDepartment

from . import regions_data

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
    users = _load_users(regions, DEMO_USERS, password)
    return f"{len(regions)} regions, {departments} departments, {groups} groups, {users} users"


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
        region, _ = Region.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "level": row["level"], "parent": parent}
        )
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
        department, _ = Department.objects.update_or_create(
            region=region,
            short_name=row["short_name"],
            defaults={"name": row["name"], "kind": row["kind"], "is_active": True},
        )
        wanted = set(row["aliases"]) - {department.name, department.short_name}
        department.aliases.exclude(name__in=wanted).delete()
        for alias in wanted:
            DepartmentAlias.objects.update_or_create(region=region, name=alias, defaults={"department": department})
    return len(rows)


def _load_groups(region, rows):
    for row in rows:
        group, _ = DepartmentGroup.objects.update_or_create(
            region=region,
            name=row["name"],
            defaults={"kinds": row["kinds"], "aliases": row.get("aliases", [])},
        )
        group.full_clean()
        members = []
        for short_name in row.get("members", []):
            try:
                members.append(Department.objects.get(region=region, short_name=short_name))
            except Department.DoesNotExist:
                raise ValueError(f"{region} group {row['name']}: unknown department {short_name!r}") from None
        group.members.set(members)
    return len(rows)


def _load_users(regions, rows, password):
    resolvers = {}
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
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "display_name": display_name,
                "department": department,
                "role": role,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "is_active": True,
            },
        )
        user.full_clean(exclude=["password"])
        # Hashing again on every run would change nothing visible but the salt.
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
    return len(rows)
