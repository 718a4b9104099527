"""The edit buttons of a node in the plan tree, built once per language and filled in
with each node's key.

A plan page shows them on each of its ~80 nodes; as an included template (and even
through format_html) they were the largest single part of the page's rendering time,
while the markup is fixed but for two integers. The labels are escaped once, when the
markup for a language is first built; the keys are integers, which need no escaping."""

from functools import lru_cache

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from core.links import STAND_IN, object_url

register = template.Library()

NODE, PLAN = "{node}", "{plan}"


@register.simple_tag
def node_actions(node):
    markup = _markup(get_language(), min(node.level, 3))
    return mark_safe(markup.replace(NODE, str(int(node.pk))).replace(PLAN, str(int(node.plan_id))))  # noqa: S308


@lru_cache(maxsize=16)
def _markup(_language, level):
    def url(name, key):
        return object_url(name, STAND_IN).replace(str(STAND_IN), key)

    def link(href, label, icon, extra=""):
        # The word is shown, not only the icon: a pencil, a bin and two plus signs side by side
        # were guesses for someone who has not used the page before.
        label = escape(gettext(label))
        return (f'<a class="btn btn-sm btn-link p-0 text-nowrap text-decoration-none{extra}" href="{href}">'
                f'<i class="bi bi-{icon}" aria-hidden="true"></i> {label}</a>')

    def move(direction, label, icon):
        # Both move buttons post the page's one node-moves form: no form and token per node.
        label = escape(gettext(label))
        return (f'<button form="node-moves" formaction="{url("tasks:node_move", NODE)}" name="direction" '
                f'value="{direction}" class="btn btn-sm btn-link p-0" title="{label}" aria-label="{label}">'
                f'<i class="bi bi-{icon}" aria-hidden="true"></i></button>')

    parts = [link(url("tasks:node_edit", NODE), "Edit", "pencil"),
             move("up", "Move up", "arrow-up"), move("down", "Move down", "arrow-down")]
    if level < 3:
        create = f"{url('tasks:node_create', PLAN)}?parent={NODE}"
        if level == 1:
            parts.append(link(create, "Add sub-task", "plus-square"))
        parts.append(link(f"{create}&amp;level=item" if level == 1 else create, "Add work item", "plus-circle"))
    parts.append(link(url("tasks:node_delete", NODE), "Delete", "trash", extra=" text-danger"))
    return f'<span class="node-actions float-end d-inline-flex gap-2 ms-2">{"".join(parts)}</span>'
