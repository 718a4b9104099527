"""The audit log page (操作日志): administrators read every entry, a district reviewer
those of their district's users; anyone else gets 404."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from org.scoping import visible_to

from .. import selectors
from ..audit import declared_actions
from ..models import AuditEntry

# Groups of routes the action filter offers besides single routes.
ROUTE_GROUPS = [("admin:", _("Administration (any action)")), ("command:", _("Command line (any command)"))]


def _route_choices():
    """Every route of the portal's own pages, by its label (a route whose posted button
    decides the action lists each label), then the groups."""
    single = [
        (route, " / ".join(str(label) for label in [action.label, *(v[2] for v in action.variants)]))
        for route, action in declared_actions().items()
        if not route.startswith("admin:")
    ]
    return [("", _("Any action")), *sorted(single, key=lambda choice: choice[1]), *ROUTE_GROUPS]


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("Username"), required=False, max_length=150)
    region = forms.CharField(label=_("Division code"), required=False, max_length=6)
    route = forms.ChoiceField(label=_("Action"), required=False)
    since = forms.DateField(label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *AuditEntry.Outcome.choices]
    )
    sign_ins = forms.BooleanField(label=_("Show sign-ins and sign-outs"), required=False)

    def __init__(self, *args, regions, **kwargs):
        """``regions``: those the user may name (an administrator's); None leaves the
        filter out, the reviewer's scope being one district already."""
        super().__init__(*args, **kwargs)
        self.regions = regions
        self.fields["route"].choices = _route_choices()
        for field in self.fields.values():
            field.widget.attrs["class"] = {forms.Select: "form-select", forms.CheckboxInput: "form-check-input"}.get(
                type(field.widget), "form-control")
        if regions is None:
            del self.fields["region"]

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        if not code:
            return None
        region = self.regions.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("No region has this division code."))
        return region

    def filters(self):
        data = self.cleaned_data
        return {"username": data["user"].strip(), "region": data.get("region"), "route": data["route"],
                "since": data["since"], "until": data["until"], "outcome": data["outcome"],
                "sign_ins": data["sign_ins"]}


def _cursor(request, name):
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@require_safe
@login_required
def audit_log(request):
    scope = visible_to(request.user)
    if not selectors.audit_readable(scope):
        raise Http404
    form = AuditFilterForm(request.GET, regions=scope.regions() if scope.is_admin else None)
    entries = selectors.audit_entries(scope)
    entries = selectors.audit_filtered(entries, **form.filters()) if form.is_valid() else entries.none()
    rows, newer, older = selectors.audit_page(entries, before=_cursor(request, "before"),
                                              after=_cursor(request, "after"))
    query = request.GET.copy()
    for cursor in ("before", "after"):
        query.pop(cursor, None)
    return render(request, "core/audit_log.html", {
        "form": form, "rows": rows, "newer": newer, "older": older, "query": query.urlencode(),
        "is_admin": scope.is_admin, "region": scope.home_region,
    })
