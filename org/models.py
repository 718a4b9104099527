"""Regions, departments, their aliases and groups, and the users who work in them."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from core.links import object_url

division_code_validator = RegexValidator(
    r"^[1-9]\d{5}$", _("An administrative division code has six digits, e.g. 500156.")
)


class Region(models.Model):
    """A province, city or district/county, keyed by its administrative division code.

    The tree is at most three levels deep, so descendants are found with a fixed join
    (see ``subtree_q``) instead of a stored path that would have to be kept in step.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("District / county")

    # A parent must be of a higher level: province > city > county.
    LEVEL_RANK = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2}

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[division_code_validator])
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # A district with a single reviewer cannot have every entry approved by someone other
    # than its submitter; this lets that reviewer approve their own (shown as 本人审核).
    allow_self_review = models.BooleanField(
        _("the single reviewer may approve entries they submitted"), default=False, db_default=False,
        help_text=_("Only for a district with one reviewer: the approval is recorded and reported as 本人审核."),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=["province", "city", "county"]), name="region_level_valid"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="region_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("org:region_detail", args=[self.code])

    @property
    def is_county(self):
        return self.level == self.Level.COUNTY

    def subtree_q(self, prefix=""):
        """A filter for this region and every region below it; ``prefix`` is the lookup path
        from the queried model to a Region (e.g. ``"region__"``)."""
        return (
            Q(**{f"{prefix}pk": self.pk})
            | Q(**{f"{prefix}parent": self.pk})
            | Q(**{f"{prefix}parent__parent": self.pk})
        )

    def clean(self):
        if self.parent_id is None:
            return
        if self.LEVEL_RANK[self.parent.level] >= self.LEVEL_RANK[self.level]:
            raise ValidationError({"parent": _("The parent region must be of a higher level than this one.")})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A region cannot be placed below itself.")})
            ancestor = ancestor.parent


class Division(models.Model):
    """One entry of the national list of administrative divisions (GB/T 2260), from which an
    administrator activates a district: the ``Region`` chain is made from these rows, so no
    one types a code or a name. Loaded by ``load_divisions``; never edited by hand."""

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[division_code_validator])
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Region.Level.choices)
    # Empty for a province. A county directly under a province (a municipality's 区, a
    # 省直辖县级市 such as 济源市) names the province.
    parent_code = models.CharField(_("parent division code"), max_length=6, blank=True)
    source = models.CharField(_("source"), max_length=50)

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=["province", "city", "county"]), name="division_level_valid"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class Department(models.Model):
    """A unit of one region: a bureau, a 街道/乡镇, a utility, an industrial park.

    ``short_name`` is the spelling the region's own tables use (区城管局); ``name`` is the
    full formal name. Every other spelling is a ``DepartmentAlias``.
    """

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("Government department")
        SUBDISTRICT = "subdistrict", _("Sub-district / township")
        UTILITY = "utility", _("Water utility")
        PARK = "park", _("Industrial park")
        OTHER = "other", _("Other")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(_("full name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.BUREAU)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region__code", "kind", "short_name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "short_name"], name="department_unique_short_name"),
            models.UniqueConstraint(fields=["region", "name"], name="department_unique_name"),
        ]

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return object_url("org:department_detail", self.pk)

    def spellings(self):
        """Every spelling that names this department: full name, short name, aliases."""
        return [self.name, self.short_name, *(alias.name for alias in self.aliases.all())]


class DepartmentAlias(models.Model):
    """Another spelling of a department as written in source tables (区城市管理局 = 区城管局).

    ``region`` repeats the department's region so that the database can refuse one
    spelling meaning two departments of the same region.
    """

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("alias"), max_length=100)

    class Meta:
        verbose_name = _("department alias")
        verbose_name_plural = _("department aliases")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="alias_unique_in_region")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.department_id and self.region_id and self.department.region_id != self.region_id:
            raise ValidationError({"region": _("An alias belongs to the region of its department.")})


class DepartmentGroup(models.Model):
    """A phrase tables use instead of naming departments (各街道办事处, 区级各部门和单位).

    Its members are the region's active departments of the listed kinds plus any named
    explicitly, so a new 街道 joins 各街道办事处 without anyone editing the group.
    """

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=50)
    kinds = models.JSONField(_("member kinds"), default=list, blank=True)
    members = models.ManyToManyField(Department, verbose_name=_("named members"), blank=True, related_name="+")
    aliases = models.JSONField(_("other spellings"), default=list, blank=True)

    class Meta:
        verbose_name = _("department group")
        verbose_name_plural = _("department groups")
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="group_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        valid = set(Department.Kind.values)
        if not isinstance(self.kinds, list) or any(kind not in valid for kind in self.kinds):
            raise ValidationError({"kinds": _("Member kinds must be a list of: %s") % ", ".join(sorted(valid))})
        if not isinstance(self.aliases, list) or not all(isinstance(a, str) and a.strip() for a in self.aliases):
            raise ValidationError({"aliases": _("Other spellings must be a list of non-empty names.")})

    def spellings(self):
        return [self.name, *self.aliases]

    def member_departments(self):
        return Department.objects.filter(
            Q(kind__in=self.kinds) | Q(pk__in=self.members.values("pk")), region=self.region_id, is_active=True
        )


class User(AbstractUser):
    """A person who signs in. Everyone but an administrator works in one department, and
    what they may see follows from that department and their role (see ``org.scoping``)."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        REVIEWER = "reviewer", _("District reviewer")
        SUPERVISOR = "supervisor", _("City supervisor")
        # A member of a technical-assessment group (重庆大学、西南大学 …): belongs to no
        # department and sees only the counties assigned to them (``campaigns``).
        EXPERT = "expert", _("Assessment expert")
        ADMIN = "admin", _("Administrator")

    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.REPORTER)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Another system (a department's own ledger, a utility's metering, a statistics bureau)
    # reaching the portal through /api/v1/ with a token (ApiToken); it never signs in to a page.
    is_system = models.BooleanField(_("system account"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["admin", "expert"]) | Q(department__isnull=False),
                name="user_department_unless_admin",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["reporter", "reviewer", "supervisor", "expert", "admin"]),
                name="user_role_valid",
            ),
        ]

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_administrator(self):
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def region(self):
        return self.department.region if self.department_id else None

    def clean(self):
        super().clean()
        if self.role not in (self.Role.ADMIN, self.Role.EXPERT) and self.department_id is None:
            raise ValidationError({"department": _("Every user except an administrator or an expert belongs to a "
                                                   "department.")})
        if self.role == self.Role.EXPERT and self.department_id is not None:
            raise ValidationError({"department": _("An assessment expert belongs to no department of the portal.")})
        if self.department_id is None:
            return
        county = self.department.region.is_county
        if self.role in (self.Role.REPORTER, self.Role.REVIEWER) and not county:
            raise ValidationError(
                {"department": _("Reporters and reviewers work in a department of a district or county.")}
            )
        if self.role == self.Role.SUPERVISOR and county:
            raise ValidationError({"department": _("A city supervisor works in a department of a city or province.")})


class Notification(models.Model):
    """A message to one user, shown under the bell in the navigation bar.

    ``key`` names what the message is about (e.g. a reminder for one entry and kind); one
    user never gets two messages with the same key, which makes senders safe to re-run.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(_("key"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title

    @property
    def link(self):
        """``url`` when it is an address on this site; anything else (another site, a
        ``javascript:`` URL) is never made a link."""
        return self.url if url_has_allowed_host_and_scheme(self.url, allowed_hosts=None) else ""


class ApiToken(models.Model):
    """A key another system presents to /api/v1/ as a system account (``User.is_system``).

    Only a SHA-256 digest of the secret is stored: a token is 32 random bytes, so a slow
    password hash would add nothing against guessing and cost every API call its CPU. The
    ``prefix`` is shown on the page to tell tokens apart and finds the row.
    What the token reaches is its account's scope (``org.scoping``); ``read_only`` takes
    every write away from it."""

    account = models.ForeignKey(User, verbose_name=_("system account"), on_delete=models.PROTECT,
                                related_name="api_tokens")
    name = models.CharField(_("used by"), max_length=100, help_text=_("Which system uses the token."))
    prefix = models.CharField(_("token prefix"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    read_only = models.BooleanField(_("read only"), default=False)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, verbose_name=_("revoked by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.prefix}… {self.name}"

    def usable_at(self, moment):
        return self.revoked_at is None and self.expires_at > moment and self.account.is_active

    def state_at(self, moment):
        """"revoked", "expired" or "valid": the token's own state, whatever its account's
        (a disabled account is shown on the account)."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= moment else "valid"
