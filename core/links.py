"""Links to objects by primary key, for pages that list many of them.

Reversing a route costs about 45 µs here (every pattern of the portal is tried in turn);
a plan's page links each of its ~80 nodes four or five ways, which made reversing a fifth
of the page's time. A route taking one integer is reversed once with a stand-in number,
and each link puts the object's key in its place.
"""

from functools import lru_cache

from django.urls import get_script_prefix, reverse

STAND_IN = 987654321987  # digits no real key reaches, matched by an <int:pk> converter


def object_url(name, pk):
    """``reverse(name, args=[pk])`` for a route whose one argument is an integer key."""
    return _route(name, get_script_prefix()).replace(str(STAND_IN), str(int(pk)))


@lru_cache(maxsize=256)
def _route(name, _prefix):
    # Keyed by the script prefix too: reverse() puts it in front of the path.
    return reverse(name, args=[STAND_IN])
