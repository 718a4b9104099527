from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.text import normalize_name

from .models import Department, DepartmentAlias, DepartmentGroup, Region, User
from .services.departments import announce_departments_changed


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


class DepartmentAliasFormSet(BaseInlineFormSet):
    """Refuse a spelling that already names another department or group of the region,
    with a message on the row, before the database would refuse it."""

    def clean(self):
        super().clean()
        department = self.instance
        if department.region_id is None:
            return
        taken = {}
        others = Department.objects.filter(region=department.region_id).exclude(pk=department.pk)
        for other in others.prefetch_related("aliases"):
            for spelling in other.spellings():
                taken[normalize_name(spelling)] = other.short_name
        for group in DepartmentGroup.objects.filter(region=department.region_id):
            for spelling in group.spellings():
                taken[normalize_name(spelling)] = group.name
        for form in self.forms:
            name = form.cleaned_data.get("name") if hasattr(form, "cleaned_data") else None
            if name and not form.cleaned_data.get("DELETE") and normalize_name(name) in taken:
                form.add_error(
                    "name",
                    _("“%(name)s” already names %(other)s in this region.")
                    % {"name": name, "other": taken[normalize_name(name)]},
                )


class DepartmentAliasInline(admin.TabularInline):
    model = DepartmentAlias
    formset = DepartmentAliasFormSet
    extra = 1
    fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "region", "kind", "is_active"]
    list_filter = ["kind", "is_active", "region"]
    search_fields = ["short_name", "name", "aliases__name"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    inlines = [DepartmentAliasInline]
    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        # The admin edits a department like its page does: the version moves on (a page open
        # on the old one is refused) and what its groups stand for is resolved again.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        announce_departments_changed(obj.region)

    def save_formset(self, request, form, formset, change):
        # An alias repeats its department's region so the database can keep spellings unique.
        for alias in formset.save(commit=False):
            alias.region_id = form.instance.region_id
            alias.save()
        for alias in formset.deleted_objects:
            alias.delete()


class DepartmentGroupForm(forms.ModelForm):
    """Kinds as tick boxes and other spellings one per line, instead of raw JSON."""

    kinds = forms.MultipleChoiceField(
        label=_("member kinds"), choices=Department.Kind.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    aliases = forms.CharField(
        label=_("other spellings"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line."),
    )

    class Meta:
        model = DepartmentGroup
        fields = ["region", "name", "kinds", "members", "aliases"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["aliases"] = "\n".join(self.instance.aliases or [])

    def clean_aliases(self):
        return [line.strip() for line in self.cleaned_data["aliases"].splitlines() if line.strip()]


@admin.register(DepartmentGroup)
class DepartmentGroupAdmin(admin.ModelAdmin):
    form = DepartmentGroupForm
    list_display = ["name", "region"]
    list_filter = ["region"]
    filter_horizontal = ["members"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        announce_departments_changed(form.instance.region)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "department", "role", "is_active", "is_system", "last_login"]
    list_filter = ["role", "is_active", "is_system", "department__region"]
    readonly_fields = ["is_system"]
    list_select_related = ["department__region"]
    search_fields = ["username", "display_name", "department__short_name"]
    autocomplete_fields = ["department"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Work"), {"fields": ["display_name", "department", "role", "phone", "email"]}),
        (_("Access"), {"fields": ["is_active", "is_system", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "password1", "password2", "display_name", "department", "role"],
            },
        ),
    ]

    def user_change_password(self, request, id, form_url=""):
        # A system account signs in to no page (org.forms.LoginForm refuses it anyway): giving
        # it a password would only make one more secret to leak. It calls with API tokens.
        user = self.get_object(request, unquote(id))
        if user is not None and user.is_system:
            messages.error(request, _("A system account has no password: it calls the API with tokens, made on "
                                      "the page System accounts and API tokens."))
            return HttpResponseRedirect(reverse("admin:org_user_change", args=[user.pk]))
        return super().user_change_password(request, id, form_url)
