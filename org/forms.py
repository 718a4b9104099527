from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedForm, WorkbookField

from .models import Department, DepartmentGroup, Region, User
from .services.departments import ALIAS_SEPARATORS
from .services.tokens import parse_expiry


class LoginForm(AuthenticationForm):
    # One message for a wrong username and a wrong password alike: no hint which it was.
    error_messages = {
        "invalid_login": _("The username or password is incorrect. Both are case-sensitive."),
        "inactive": _("This account has been disabled. Please contact the administrator."),
    }

    def confirm_login_allowed(self, user):
        # A system account calls /api/v1/ with a token and never signs in to a page, even if
        # someone gave it a password: refused with the message of a wrong password, so the
        # form tells nobody that the name is a system's.
        if user.is_system:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                        params={"username": self.username_field.verbose_name})
        super().confirm_login_allowed(user)


class SelfReviewForm(forms.ModelForm):
    """A district's setting letting its single reviewer approve what they submitted."""

    class Meta:
        model = Region
        fields = ["allow_self_review"]


class DivisionSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or division code"), max_length=50, required=False)


class DepartmentAddForm(forms.Form):
    """One department typed on the region's page."""

    name = forms.CharField(label=_("full name"), max_length=100)
    short_name = forms.CharField(label=_("short name"), max_length=50, required=False,
                                 help_text=_("Empty: the full name."))
    kind = forms.ChoiceField(label=_("kind"), choices=Department.Kind.choices)
    aliases = forms.CharField(label=_("Other spellings"), max_length=500, required=False,
                              help_text=_("Several separated by “、”."))


class DepartmentPasteForm(forms.Form):
    text = forms.CharField(
        label=_("The list"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One department a line: 名称, 简称, 类别, 别称, separated by tabs (copied from a spreadsheet) or "
                    "commas. A first line naming 名称 is read as the header."),
    )


class DepartmentUploadForm(forms.Form):
    file = WorkbookField(label=_("Workbook (.xlsx, .xls, .ods)"))


class DepartmentEditForm(VersionedForm):
    aliases = forms.CharField(label=_("Other spellings"), max_length=1000, required=False,
                              help_text=_("Several separated by “、”. On a rename the old names are added here, so "
                                          "that tables written before still find the department."))

    class Meta:
        model = Department
        fields = ["name", "short_name", "kind", "is_active"]
        help_texts = {"is_active": _("An inactive department is kept with everything it reported, and no longer "
                                     "offered for new work.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["aliases"] = "、".join(a.name for a in self.instance.aliases.all())

    def alias_list(self):
        return split_aliases(self.cleaned_data.get("aliases", ""))


class GroupForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(label=_("member kinds"), choices=Department.Kind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Every active department of these kinds is a member, including "
                                                  "one added later."))
    aliases_text = forms.CharField(label=_("other spellings"), max_length=500, required=False,
                                   help_text=_("Several separated by “、”."))

    class Meta:
        model = DepartmentGroup
        fields = ["name", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}

    field_order = ["name", "kinds", "members", "aliases_text"]

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.region = region
        self.fields["members"].queryset = region.departments.filter(is_active=True).order_by("kind", "short_name")
        self.fields["members"].required = False
        if not self.is_bound and self.instance.pk:
            self.initial["kinds"] = self.instance.kinds
            self.initial["aliases_text"] = "、".join(self.instance.aliases)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = DepartmentGroup.objects.filter(region=self.instance.region, name=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("The region already has a group of this name."))
        return name

    def alias_list(self):
        return split_aliases(self.cleaned_data.get("aliases_text", ""))


def split_aliases(text):
    return [alias.strip() for alias in ALIAS_SEPARATORS.split(text or "") if alias.strip()]


class AccountForm(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150)
    display_name = forms.CharField(label=_("display name"), max_length=50)
    role = forms.ChoiceField(label=_("role"), choices=[(User.Role.REPORTER, User.Role.REPORTER.label),
                                                       (User.Role.REVIEWER, User.Role.REVIEWER.label)])
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.none())
    password = forms.CharField(label=_("Initial password"), required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("Empty: one is generated and shown once."))

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = region.departments.filter(is_active=True).order_by("kind", "short_name")


# What a system account reaches, in words: its role decides its scope as for a person.
SYSTEM_ROLES = [
    (User.Role.REPORTER, _("Department system")),
    (User.Role.REVIEWER, _("District system")),
    (User.Role.SUPERVISOR, _("City system")),
]
VALIDITY_CHOICES = ["30d", "90d", "180d", "1y"]


def system_role_label(role):
    return dict(SYSTEM_ROLES).get(role, role)


class SystemAccountForm(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150,
                               help_text=_("Letters, digits and @ . + - _ only, e.g. wulong_ledger."))
    display_name = forms.CharField(label=_("System name"), max_length=50,
                                   help_text=_("Which system this is, e.g. 武隆区水利局台账系统."))
    role = forms.ChoiceField(
        label=_("scope"), choices=SYSTEM_ROLES, widget=forms.RadioSelect, initial=User.Role.REPORTER,
        help_text=_("A department system reads its district and reports its own department's entries and "
                    "figures; a district system reads every department of its district and writes nothing; a city "
                    "system reads its city and the districts below it, and with a token that is not read only "
                    "may also send a statistics bureau's figures for those districts, nothing else."),
    )
    department = forms.TypedChoiceField(
        label=_("department"), coerce=int,
        help_text=_("A department system or a district system: a department of a district or county; a city "
                    "account: a department of a city or province."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped by region, so that the many 区水利局 of a city's districts are told apart.
        grouped = {}
        for department in Department.objects.filter(is_active=True).select_related("region").order_by(
                "region__code", "kind", "short_name"):
            grouped.setdefault(f"{department.region.name}（{department.region.code}）", []).append(
                (department.pk, department.name))
        self.fields["department"].choices = [("", "---------"), *grouped.items()]

    def clean_department(self):
        department = Department.objects.filter(pk=self.cleaned_data["department"], is_active=True).first()
        if department is None:
            raise forms.ValidationError(_("Choose an active department."))
        return department


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Purpose"), max_length=100,
                           help_text=_("Which system uses the token, e.g. 台账系统正式环境."))
    read_only = forms.BooleanField(label=_("read only"), required=False,
                                   help_text=_("The token reads but never changes anything."))
    validity = forms.CharField(label=_("valid for"), max_length=10, initial="90d",
                               help_text=_("30d, 90d, 180d or 1y, or any number of days, e.g. 60d."))

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["validity"].widget.attrs.update({"list": "validity-choices", "autocomplete": "off"})
        if account.role != User.Role.REPORTER:
            # Only a department's system reports; a city system's one write is the statistics
            # bureau's bulk figures (org.scoping.Scope.bulk_counties). Read only unless asked.
            self.fields["read_only"].initial = True
        if account.role == User.Role.SUPERVISOR:
            self.fields["read_only"].help_text = _(
                "Untick only for a statistics bureau's system: a city system's token that is not read only may "
                "send bulk statistics for the districts of its city, and nothing else.")
        elif account.role == User.Role.REVIEWER:
            self.fields["read_only"].help_text = _("A district system writes nothing through the API.")

    def clean_validity(self):
        return parse_expiry(self.cleaned_data["validity"])
