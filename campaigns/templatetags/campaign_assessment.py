"""The creation page's panel of 自评 and 技术评估 (``campaigns/assessment/_panel.html``)."""

from django import template

from campaigns import selectors_assessment

register = template.Library()


@register.simple_tag
def assessment_panel(creation, user):
    """What the panel shows of ``creation`` to ``user``: see ``selectors_assessment.panel``."""
    return selectors_assessment.panel(creation, user)
