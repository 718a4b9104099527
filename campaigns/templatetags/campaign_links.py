"""Links to the campaign's overview, given only to whom it opens for."""

from django import template

from org.scoping import visible_to

register = template.Library()


@register.filter
def sees_campaign(user, campaign):
    """Whether ``campaign``'s overview opens for ``user``: the county's people and the experts
    see their creation record, not the city's overview of every county."""
    return visible_to(user).sees_campaign(campaign)
