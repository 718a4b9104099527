"""What a user may see and change. Every view of every app asks this module, so the rule
lives in one place:

- an administrator sees and changes everything;
- a city supervisor sees their region and every region below it, and changes nothing;
- a district reviewer sees every department of their district and may change (review)
  the records of all of them;
- a reporter sees their district's regional objects (plans, tables) and only their own
  department's records, and changes only those.

Objects are filtered through the region or department they belong to. Anything outside
the scope is a 404, never a 403, so that an outsider cannot learn what exists.
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q
from django.http import Http404

from .models import Department, Region, User

_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    user: User

    # --- who ---------------------------------------------------------------------------
    @cached_property
    def is_admin(self):
        return self.user.is_authenticated and self.user.is_administrator

    @cached_property
    def role(self):
        return self.user.role if self.user.is_authenticated else None

    @cached_property
    def home_region(self):
        return self.user.region if self.user.is_authenticated else None

    @property
    def is_read_only(self):
        return self.role == User.Role.SUPERVISOR

    # --- regions -----------------------------------------------------------------------
    def region_q(self, prefix="", *, change=False):
        """A filter, on a model reached through ``prefix``, for the regions this user sees
        (or, with ``change``, whose regional objects such as plans they may change)."""
        if self.is_admin:
            return Q()
        if self.home_region is None or (change and self.role != User.Role.REVIEWER):
            return _NOTHING
        if self.role == User.Role.SUPERVISOR:
            return self.home_region.subtree_q(prefix)
        return Q(**{f"{prefix}pk": self.home_region.pk})

    def regions(self, *, change=False):
        return Region.objects.filter(self.region_q(change=change))

    def districts(self, *, change=False):
        """The county-level regions in scope, in code order: the units plans and reports are about."""
        return self.regions(change=change).filter(level=Region.Level.COUNTY).order_by("code")

    # --- departments -------------------------------------------------------------------
    def department_q(self, prefix="", *, change=False):
        """A filter for the departments whose records this user may see (or change)."""
        if self.is_admin:
            return Q()
        if not self.user.is_authenticated or self.user.department_id is None:
            return _NOTHING
        if self.role == User.Role.SUPERVISOR:
            return _NOTHING if change else self.home_region.subtree_q(f"{prefix}region__")
        if self.role == User.Role.REVIEWER:
            return Q(**{f"{prefix}region": self.home_region.pk})
        return Q(**{f"{prefix}pk": self.user.department_id})

    def departments(self, *, change=False):
        return Department.objects.filter(self.department_q(change=change)).select_related("region")

    def can_change_department(self, department):
        return self.departments(change=True).filter(pk=department.pk).exists()

    def can_review_region(self, region):
        if self.is_admin:
            return True
        return self.role == User.Role.REVIEWER and self.home_region is not None and region.pk == self.home_region.pk

    # --- any model ---------------------------------------------------------------------
    def filter(self, queryset, *, region=None, departments=(), change=False):
        """Restrict ``queryset`` to what the user may see (or change).

        ``region`` is the lookup path from the model to its Region (e.g. ``"plan__region"``);
        ``departments`` are lookup paths to Departments whose members may see the object
        (e.g. ``("lead", "cooperators")``). An object is visible through any of them.
        A supervisor never changes anything, and a reporter changes only through a
        department path.
        """
        if self.is_admin:
            return queryset  # an empty Q() would vanish from the OR below and leave nothing
        allowed = _NOTHING
        if region is not None:
            allowed |= self.region_q(f"{region}__", change=change)
        for path in departments:
            allowed |= self.department_q(f"{path}__", change=change)
        if change and self.is_read_only:
            allowed = _NOTHING
        if not departments:
            return queryset.filter(allowed)
        # A path through a many-to-many relation would repeat rows; a semi-join does not.
        return queryset.filter(pk__in=queryset.model._default_manager.filter(allowed).values("pk"))

    def get_or_404(self, queryset, *, region=None, departments=(), change=False, **lookup):
        """The one object matching ``lookup`` inside the scope, or a 404."""
        try:
            return self.filter(queryset, region=region, departments=departments, change=change).get(**lookup)
        except queryset.model.DoesNotExist:
            raise Http404 from None


def reporting_department(user):
    """The department ``user`` reports for; a 404 for anyone who reports nothing (a city
    supervisor, an administrator without a department)."""
    if user.department_id is None or user.role == User.Role.SUPERVISOR:
        raise Http404
    return user.department


def visible_to(user):
    """The scope of ``user``; the single entry point every view uses."""
    return Scope(user)
