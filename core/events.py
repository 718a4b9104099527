"""A small publish/subscribe hook between apps: an app that changes what others compute
from (progress approved, indicator values recomputed, the carrier registry changed)
publishes an event; the apps that compute from it subscribe in their ``AppConfig.ready``.
The publishers then need not know who listens, and no app imports the one above it."""

from collections import defaultdict

SCORES_CHANGED = "scores_changed"  # kwargs: region, quarter
# A region's departments or groups changed (one added, renamed, moved between kinds, a
# group's rule edited): what a group name stands for is resolved again.
DEPARTMENTS_CHANGED = "departments_changed"  # kwargs: region

_LISTENERS = defaultdict(list)


def subscribe(event, listener):
    if listener not in _LISTENERS[event]:
        _LISTENERS[event].append(listener)


def publish(event, **kwargs):
    for listener in _LISTENERS[event]:
        listener(**kwargs)
