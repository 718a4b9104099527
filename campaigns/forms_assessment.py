"""The forms of 自评 and 技术评估. Points are checked against the item's rule here, so the
page names the field; the services check everything again under lock."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import WorkbookField
from org.models import User

from .models import Expert
from .services.experts import REASON_LIMIT, entry_problems
from .services.self_assessment import check_points

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def points_field(label, *, required):
    return forms.DecimalField(label=label, required=required, min_value=0, max_digits=5, decimal_places=1,
                              widget=forms.NumberInput(attrs={"step": "0.1", "min": "0"}))


class VersionField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, **kwargs)


# --- 自评 ------------------------------------------------------------------------------------


class StartForm(forms.Form):
    """开始自评 (and 开始技术评估): the creation record's version the page showed."""

    version = VersionField()


class VersionForm(forms.Form):
    """A button on the self-assessment page: the assessment's version the page showed."""

    version = VersionField()


class SelfScoreForm(forms.Form):
    points = points_field(_("Points claimed"), required=True)
    explanation = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000,
        help_text=_("How the county meets the item: what was done and which documents (attached below) show it."),
        error_messages={"required": _("Explain how the county meets the item: what was done, which documents show "
                                      "it.")},
    )
    version = VersionField()

    def __init__(self, *args, indicator, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.fields["points"].help_text = _("The rule allows %(allowed)s.") % {"allowed": allowed.text}

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points is not None:
            check_points(self.indicator, points)
        return points

    def clean_explanation(self):
        explanation = self.cleaned_data["explanation"].strip()
        if not explanation:
            raise ValidationError(_("Explain how the county meets the item: what was done, which documents show it."))
        return explanation


# --- the register of experts -------------------------------------------------------------------


class ExpertForm(forms.ModelForm):
    class Meta:
        model = Expert
        fields = ["name", "affiliation", "field", "title"]
        labels = {"name": _("Expert's name")}


class ExpertAccountForm(forms.Form):
    """A sign-in account for an expert: a username and a password typed twice, checked by the
    project's password validators."""

    username = forms.CharField(label=_("Username"), max_length=150, validators=[User.username_validator],
                               help_text=_("Letters, digits and @.+-_ only."))
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, expert, **kwargs):
        super().__init__(*args, **kwargs)
        self.expert = expert

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("The username %(username)s is taken.") % {"username": username})
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(username=cleaned.get("username", ""), display_name=self.expert.name, role=User.Role.EXPERT)
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


# --- the group ---------------------------------------------------------------------------------


class ExpertChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, expert):
        extra = "，".join(part for part in (expert.field, expert.title) if part)
        return f"{expert.name}（{expert.affiliation}{'，' + extra if extra else ''}）"


class LeaderChoice(forms.ModelChoiceField):
    def label_from_instance(self, expert):
        return f"{expert.name}（{expert.affiliation}）"


class ExpertGroupForm(forms.Form):
    experts = ExpertChoice(label=_("Experts"), queryset=Expert.objects.order_by("affiliation", "name"),
                           widget=forms.CheckboxSelectMultiple,
                           error_messages={"required": _("Choose at least one expert.")})
    leader = LeaderChoice(label=_("Group leader"), queryset=Expert.objects.order_by("affiliation", "name"),
                          error_messages={"required": _("Name the group's leader.")})
    formed_on = forms.DateField(label=_("Formed on"), widget=DATE)
    assessed_on = forms.DateField(label=_("Assessed on site"), widget=DATE, required=False)

    def clean(self):
        cleaned = super().clean()
        experts, leader = cleaned.get("experts"), cleaned.get("leader")
        if experts is not None and leader is not None and leader not in experts:
            self.add_error("leader", _("The leader must be one of the group's experts."))
        formed, assessed = cleaned.get("formed_on"), cleaned.get("assessed_on")
        if formed and assessed and assessed < formed:
            self.add_error("assessed_on", _("The on-site assessment cannot come before the group was formed."))
        return cleaned


# --- an expert's scores ------------------------------------------------------------------------


class ScoringForm(forms.Form):
    """Every item of the standard: the expert's points and reason; the overall opinion."""

    opinion = forms.CharField(label=_("Overall opinion"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
                              help_text=_("Required to submit: what the county did well and what it must improve."))
    version = VersionField()

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            points = points_field(_("Points"), required=False)
            points.widget.attrs.update({"class": "form-control form-control-sm", "max": str(indicator.points)})
            self.fields[f"points_{indicator.pk}"] = points
            self.fields[f"reason_{indicator.pk}"] = forms.CharField(
                label=_("Reason"), required=False, max_length=REASON_LIMIT,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}))

    def rows(self):
        """(indicator, points field, reason field) in the standard's order, for the page."""
        return [(indicator, self[f"points_{indicator.pk}"], self[f"reason_{indicator.pk}"])
                for indicator in self.indicators]

    def clean(self):
        cleaned = super().clean()
        for indicator in self.indicators:
            key = f"points_{indicator.pk}"
            if key not in cleaned:
                continue
            for name, message in entry_problems(indicator, cleaned[key],
                                                cleaned.get(f"reason_{indicator.pk}", "")).items():
                self.add_error(f"{name}_{indicator.pk}", message)
        return cleaned

    def entries(self):
        from .services.experts import Entry

        return [Entry(indicator, self.cleaned_data[f"points_{indicator.pk}"],
                      self.cleaned_data[f"reason_{indicator.pk}"]) for indicator in self.indicators]


class ScoreSheetUploadForm(forms.Form):
    file = WorkbookField(label=_("Filled-in score sheet (.xlsx)"))


# --- the group's scores ------------------------------------------------------------------------


class ConsensusForm(forms.Form):
    indicator = forms.TypedChoiceField(label=_("Item"), coerce=int)
    points = points_field(_("Points agreed"), required=True)
    note = forms.CharField(label=_("How the group agreed"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    dissent = forms.CharField(label=_("Dissent"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=2000, help_text=_("A member's differing view, as they put it."))

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = {indicator.pk: indicator for indicator in indicators}
        self.fields["indicator"].choices = [(indicator.pk, str(indicator)) for indicator in indicators]

    def clean(self):
        cleaned = super().clean()
        indicator = self.indicators.get(cleaned.get("indicator"))
        if indicator is not None and cleaned.get("points") is not None:
            try:
                check_points(indicator, cleaned["points"])
            except ValidationError as error:
                self.add_error("points", error)
        cleaned["item"] = indicator
        return cleaned


class ConcludeForm(forms.Form):
    opinion = forms.CharField(label=_("The group's opinion"), widget=forms.Textarea(attrs={"rows": 8}),
                              max_length=10000, help_text=_("Drafted from the scores and the members' opinions; "
                                                            "edit it before concluding."))
