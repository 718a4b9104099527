"""A scorecard in sentences: why each part and the composite are what they are, read from
the stored components (value, numerator, denominator, weight), never recomputed, so that
the words say exactly what was scored."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.periods import Quarter

from .models import COMPONENTS

# What a part says when it applies: the figures of its component by name.
SENTENCES = {
    "completeness": gettext_lazy("%(label)s %(value)s: %(denominator)s entries due, %(numerator)s submitted."),
    "on_time": gettext_lazy("%(label)s %(value)s: %(denominator)s entries due, %(numerator)s submitted on time, "
                            "%(late)s submitted late, %(missing)s not submitted."),
    "progress": gettext_lazy("%(label)s %(value)s: of the %(denominator)s entries due, %(numerator)s are on "
                             "schedule (submitted, not behind, and at least as far as the share of time elapsed)."),
    "indicators": gettext_lazy("%(label)s %(value)s: leads %(denominator)s indicators, which count %(numerator)s "
                               "as met."),
    "carriers": gettext_lazy("%(label)s %(value)s: answers for %(denominator)s carrier targets of the year, "
                             "%(numerator)s met."),
    "returns": gettext_lazy("%(label)s %(value)s: %(denominator)s entries submitted, %(returned)s of them returned "
                            "this quarter, %(numerator)s never returned."),
    "cooperation": gettext_lazy("%(label)s %(value)s: cooperates on %(denominator)s items, contributed to "
                                "%(numerator)s this quarter."),
}
# Why a part does not apply.
NOT_APPLYING = {
    "completeness": gettext_lazy("no entry of an item it leads is due"),
    "on_time": gettext_lazy("no entry of an item it leads is due"),
    "progress": gettext_lazy("no entry of an item it leads is due"),
    "indicators": gettext_lazy("it leads no indicator"),
    "carriers": gettext_lazy("no carrier target of the year names it"),
    "returns": gettext_lazy("it has submitted no entry"),
    "cooperation": gettext_lazy("it cooperates on no item"),
}
LEADS_NONE = gettext_lazy("it leads no work item")
OWN_ITEMS = ("completeness", "on_time", "progress")
BANDS = {"green": gettext_lazy("Good"), "amber": gettext_lazy("Fair"), "red": gettext_lazy("Poor")}


def _number(figure):
    return "0" if figure is None else str(figure)


def _figures(key, components):
    """The figures a part's sentence names: its own, and for the on-time part the late and
    missing entries, read from the completeness part beside it (both count the same entries
    due); for the returns part the entries returned."""
    part = components.get(key, {})
    figures = {"value": part["value"], "numerator": _number(part.get("numerator")),
               "denominator": _number(part.get("denominator"))}
    if key == "on_time":
        completeness = components["completeness"]
        figures["late"] = completeness["numerator"] - part["numerator"]
        figures["missing"] = completeness["denominator"] - completeness["numerator"]
    elif key == "returns":
        figures["returned"] = part["denominator"] - part["numerator"]
    return figures


def part_sentence(key, label, card):
    """One part of ``card`` in a sentence, from its stored component."""
    part = card.components.get(key, {})
    if part.get("value") is None:
        reason = LEADS_NONE if key in OWN_ITEMS and not card.is_lead else NOT_APPLYING[key]
        return _("%(label)s: does not apply (%(reason)s); its weight %(weight)s is shared out among the others.") % {
            "label": label, "reason": reason, "weight": part.get("weight", 0)}
    return SENTENCES[key] % {"label": label, **_figures(key, card.components)}


def running_sentence(card, due):
    """What a scorecard of a quarter still running says instead of a composite."""
    if not card.is_lead:
        cooperation = card.components.get("cooperation", {})
        return _("%(quarter)s is still running (entries due by %(due)s): the department only cooperates, and has "
                 "contributed to %(given)s of %(total)s items so far; the composite and its band are given once the "
                 "quarter's entries are due.") % {
            "quarter": Quarter(card.year, card.quarter).label, "due": date_format(due, "DATE_FORMAT"),
            "given": cooperation.get("numerator", 0), "total": cooperation.get("denominator", 0)}
    return _("%(quarter)s is still running (entries due by %(due)s): %(reported)s of %(led)s entries are in so "
             "far. The parts count the %(counted)s entries due or in; an entry not due yet counts neither as "
             "missing nor as late; the composite and its band are given once the quarter's entries are due.") % {
        "quarter": Quarter(card.year, card.quarter).label, "due": date_format(due, "DATE_FORMAT"),
        "reported": card.reported, "led": card.leads,
        "counted": card.components.get("completeness", {}).get("denominator", 0)}


def composite_sentence(card):
    parts = card.components
    applying = [parts[key]["weight"] for key, _label, _default in COMPONENTS
                if parts.get(key, {}).get("value") is not None and parts[key].get("weight")]
    if card.composite is None:
        return _("No composite: no part applies to the department.")
    return _("Composite %(composite)s: the mean of the parts that apply, each by its weight (%(weights)s of 100 "
             "apply), banded %(band)s.") % {
        "composite": card.composite, "weights": sum(applying), "band": BANDS.get(card.band, "—")}


def explain(card, due):
    """[sentence]: the composite (or, while the quarter runs, what is in so far), then each
    part in the page's order. ``due``: the day the quarter's entries are due."""
    sentences = [running_sentence(card, due) if card.running else composite_sentence(card)]
    if not card.is_lead:
        sentences.append(_("The department leads no work item and only cooperates: it is ranked among the "
                           "departments that only cooperate, not with those that lead."))
    return sentences + [part_sentence(key, label, card) for key, label, _default in COMPONENTS]
