"""What a user may see and change. Every view of every app asks this module, so the rule
lives in one place:

- an administrator sees and changes everything;
- a city supervisor sees their region and every region below it, and changes nothing;
- a district reviewer sees every department of their district and may change (review)
  the records of all of them;
- a reporter sees their district's regional objects (the plan tree, tables, the registry,
  district-level aggregates such as the indicator board, the verdict and the quarterly
  report) and only their own department's records (progress entries, statistics reports,
  their evidence files, scorecards), and changes only those.

Two kinds of objects, two methods. A regional object is filtered through its region
(``filter`` / ``get_or_404``): everyone of the region reads it. A department's record is
filtered through its department (``records`` / ``record_or_404``): its own reporters read
it, and so does whoever oversees the department's region; a region never makes a record
visible to a reporter of another department. Anything outside the scope is a 404, never a
403, so that an outsider (or a colleague of another department) cannot learn what exists.
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
    def oversight_q(self, prefix="", *, change=False):
        """A filter, on a model reached through ``prefix``, for the regions whose every
        department's records this user sees (or, with ``change``, reviews): their district
        for a reviewer, their region and everything below it for a supervisor (read only),
        none for a reporter, who sees their own department's records only."""
        if self.is_admin:
            return Q()
        if self.home_region is None or self.role not in (User.Role.REVIEWER, User.Role.SUPERVISOR):
            return _NOTHING
        if self.role == User.Role.SUPERVISOR:
            return _NOTHING if change else self.home_region.subtree_q(prefix)
        return Q(**{f"{prefix}pk": self.home_region.pk})

    def department_q(self, prefix="", *, change=False):
        """A filter for the departments whose records this user may see (or change)."""
        if self.is_admin:
            return Q()
        if self.role == User.Role.REPORTER and self.user.department_id is not None:
            return Q(**{f"{prefix}pk": self.user.department_id})
        return self.oversight_q(f"{prefix}region__", change=change)

    def departments(self, *, change=False):
        return Department.objects.filter(self.department_q(change=change)).select_related("region")

    def can_change_department(self, department):
        return self.departments(change=True).filter(pk=department.pk).exists()

    def can_review_region(self, region):
        if self.is_admin:
            return True
        return self.role == User.Role.REVIEWER and self.home_region is not None and region.pk == self.home_region.pk

    # --- the statistics bureau's bulk figures ------------------------------------------------
    def bulk_counties(self):
        """The counties whose figures this user may import in bulk (统计数据批量导入).

        On the pages only an administrator imports them. Departure for /api/v1/: a city's
        statistics bureau sends its published figures from its own system, so a *system
        account* of role supervisor may write them for the counties of its own region (a
        city's, a province's) and no others; whether its token may write at all is the
        token's (``api_auth.require_write``). A supervisor signed in on the pages still
        changes nothing, and no district or department account imports for many counties."""
        counties = Region.objects.filter(level=Region.Level.COUNTY)
        if self.is_admin:
            return counties
        if self.role != User.Role.SUPERVISOR or not self.user.is_system or self.home_region is None:
            return counties.none()
        return counties.filter(self.home_region.subtree_q())

    def can_write_bulk_for(self, region):
        """Whether ``bulk_counties`` holds ``region`` (see there: a departure from the pages)."""
        return self.bulk_counties().filter(pk=region.pk).exists()

    # --- regional objects ----------------------------------------------------------------
    def filter(self, queryset, *, region, change=False):
        """Restrict ``queryset`` of regional objects (plans, the registry, computed values,
        the quarterly report) to what the user may see (or change); ``region`` is the lookup
        path from the model to its Region (e.g. ``"plan__region"``). Everyone of the region
        reads them; only its reviewers change them. Never use it for a department's record:
        see ``records``."""
        if self.is_admin:
            return queryset
        return queryset.filter(self.region_q(f"{region}__", change=change))

    def get_or_404(self, queryset, *, region, change=False, **lookup):
        """The one regional object matching ``lookup`` inside the scope, or a 404."""
        return _one_or_404(self.filter(queryset, region=region, change=change), lookup)

    # --- department records ----------------------------------------------------------------
    def records(self, queryset, *, department=None, region=None, change=False):
        """Restrict ``queryset`` of records to what the user may see (or change).

        ``department`` is the lookup path to the Department that owns each record (e.g.
        ``"report__department"``): its reporters see it, and whoever oversees its region (the
        district's reviewers, supervisors above, administrators). A record that belongs to
        no department but to the district's water bureau as a whole (the registry's carrier
        evidence and audit reports) gives ``region`` instead, and only those who oversee the
        region see it. A cooperating department does not see the lead's entry: it has its
        own contribution, and no page sends it to the lead's record.
        """
        if (department is None) == (region is None):
            raise TypeError("records() needs exactly one of department= and region=")
        if self.is_admin:
            return queryset
        if department is not None:
            return queryset.filter(self.department_q(f"{department}__", change=change))
        return queryset.filter(self.oversight_q(f"{region}__", change=change))

    # --- the creation campaign --------------------------------------------------------------
    def campaign_q(self, prefix="", *, change=False):
        """A filter, on a model reached through ``prefix`` to a Campaign, for the campaigns
        this user sees (or, with ``change``, runs): a supervisor's region's campaigns and
        those of regions below it; nobody else runs one. A county's people read the campaign
        their county is part of (through ``creation_q``)."""
        if self.is_admin:
            return Q()
        if self.role != User.Role.SUPERVISOR or self.home_region is None:
            return _NOTHING
        return self.home_region.subtree_q(f"{prefix}region__")

    def sees_campaign(self, campaign):
        """``campaign_q`` for one campaign already in hand, without a query (its region's
        parent loaded): whether its overview page opens for this user."""
        if self.is_admin:
            return True
        if self.role != User.Role.SUPERVISOR or self.home_region is None:
            return False
        region = campaign.region
        return self.home_region.pk in (region.pk, region.parent_id, region.parent and region.parent.parent_id)

    def creation_q(self, prefix="", *, change=False):
        """A filter, on a model reached through ``prefix`` to a county's creation record, for
        the records this user sees (or, with ``change``, acts on): the campaign's supervisors;
        the county's own people (its reviewers act on it); an expert only the counties whose
        group they sit in."""
        if self.is_admin:
            return Q()
        if self.role == User.Role.EXPERT:
            return _NOTHING if change else Q(**{f"{prefix}expert_group__members__expert__user": self.user.pk})
        if self.role == User.Role.SUPERVISOR:
            return self.campaign_q(f"{prefix}campaign__", change=change)
        if self.home_region is None or (change and self.role != User.Role.REVIEWER):
            return _NOTHING
        return Q(**{f"{prefix}region": self.home_region.pk})

    def campaigns(self, *, change=False):
        from campaigns.models import Campaign

        return Campaign.objects.filter(self.campaign_q(change=change)).select_related("region")

    def creations(self, queryset=None, *, prefix="", change=False):
        """Restrict ``queryset`` (creation records, or a model reached through ``prefix``)."""
        if queryset is None:
            from campaigns.models import Creation

            queryset = Creation.objects.all()
        return queryset.filter(self.creation_q(prefix, change=change)).distinct()

    def creation_or_404(self, queryset=None, *, prefix="", change=False, **lookup):
        return _one_or_404(self.creations(queryset, prefix=prefix, change=change), lookup)

    def campaign_or_404(self, *, change=False, **lookup):
        return _one_or_404(self.campaigns(change=change), lookup)

    def record_or_404(self, queryset, *, department=None, region=None, change=False, **lookup):
        """The one record matching ``lookup`` inside the scope, or a 404."""
        return _one_or_404(self.records(queryset, department=department, region=region, change=change), lookup)


def _one_or_404(queryset, lookup):
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def reporting_department(user):
    """The department ``user`` reports for; a 404 for anyone who reports nothing (a city
    supervisor, an administrator without a department)."""
    if user.department_id is None or user.role == User.Role.SUPERVISOR:
        raise Http404
    return user.department


def reviewers_of(region):
    """Who reviews the records of ``region``'s departments: its active district reviewers
    (``can_review_region``). Administrators may too, but are not the ones a department
    waits for, so they are not among them; nor are system accounts, which read no bell."""
    return User.objects.filter(role=User.Role.REVIEWER, department__region=region, is_active=True, is_system=False)


def reporters_of(department):
    """Who reports for ``department``: its active reporters (people, not system accounts)."""
    return User.objects.filter(role=User.Role.REPORTER, department=department, is_active=True, is_system=False)


def visible_to(user):
    """The scope of ``user``; the single entry point every view uses."""
    return Scope(user)
