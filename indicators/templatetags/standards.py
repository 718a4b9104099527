"""Template filters of the standards' pages: an item's scoring rule in words, points as a
clerk writes them."""

from django import template

from core.numbers import plain
from indicators import formulas, selectors
from indicators.targets import describe as describe_target
from indicators.targets import reference_codes

register = template.Library()


@register.filter
def rule_text(indicator):
    """The item's scoring rule as the standard words it, else as the rule reads in words."""
    return selectors.rule_text(indicator)


@register.filter
def target_words(indicator, names=None):
    """The item's target rule as a standard would word it, shown beside the requirement as written.
    ``names``: every code's name, read once by a page that lists many items (else looked up)."""
    codes = reference_codes(indicator.target)
    if names is None and codes:
        names = selectors.names_of(codes)
    return describe_target(indicator.target, unit=indicator.unit, names=names or None)


@register.filter
def formula_words(formula, names=None):
    """The formula as an official reads it: "可渗透地面面积 ÷ 建成区面积 × 100", not its codes.
    ``names`` as for ``target_words``."""
    return formulas.words(formula, names if names is not None else selectors.names_of(formulas.codes_in(formula)))


@register.filter
def pts(value):
    """3 for 3.0, 2.5 for 2.50; a dash for None (not scored yet)."""
    return plain(value, empty="—")
