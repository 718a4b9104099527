"""Template filters of the standards' pages: an item's scoring rule in words, points as a
clerk writes them."""

from django import template

from core.numbers import plain
from indicators import selectors
from indicators.targets import describe as describe_target

register = template.Library()


@register.filter
def rule_text(indicator):
    """The item's scoring rule as the standard words it, else as the rule reads in words."""
    return selectors.rule_text(indicator)


@register.filter
def target_words(indicator):
    """The item's target rule as a standard would word it, shown beside the requirement as written."""
    return describe_target(indicator.target, unit=indicator.unit)


@register.filter
def pts(value):
    """3 for 3.0, 2.5 for 2.50; a dash for None (not scored yet)."""
    return plain(value, empty="—")
