"""What a county's creation record page shows: where it stands on the line of stages, who
takes the next step and where, what the signed-in user may do now, its documents per stage
and its moves."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import stages
from .models import STAGE_ORDER, Objection, Rectification, Stage, stage_rank

# The page on which each stage is entered, and what entering it is called there.
STAGE_PAGES = {
    Stage.SELF_ASSESSMENT: ("campaigns:self_assessment", gettext_lazy("Start the self-assessment")),
    Stage.DECLARED: ("campaigns:self_assessment", gettext_lazy("Declare: submit the self-assessment")),
    Stage.TECHNICAL: ("campaigns:expert_group", gettext_lazy("Assign the expert group")),
    Stage.ACCEPTANCE: ("campaigns:acceptance", gettext_lazy("Start the on-site acceptance")),
    Stage.PUBLICITY: ("campaigns:publicity", gettext_lazy("Start the publicity")),
    Stage.REPORTED: ("campaigns:naming", gettext_lazy("Report upward for re-examination")),
    Stage.NAMED: ("campaigns:naming", gettext_lazy("Record the naming")),
    Stage.RECHECKED: ("campaigns:recheck", gettext_lazy("Record a re-check")),
}
# Stages in which the county's own reviewer files documents (计划创建, 自评); the city files
# them at every stage.
COUNTY_DOCUMENT_STAGES = (Stage.PLANNED, Stage.SELF_ASSESSMENT)


def actor_name(stage):
    return _("the county's water bureau") if stages.ACTOR.get(stage) == stages.COUNTY else _("the city's water bureau")


def progress_line(creation, steps):
    """The nine stages in order, each done, current or to come, with the day it was last
    entered; 撤销 added when the name was revoked."""
    entered = {}
    for step in steps:
        entered[step.to_stage] = step.taken_on
    revoked = creation.stage == Stage.REVOKED
    if revoked:  # the line stops where the name was revoked
        last = next((step.from_stage for step in reversed(steps) if step.to_stage == Stage.REVOKED), Stage.NAMED)
        reached = stage_rank(last)
    else:
        reached = creation.rank
    line = []
    for stage in STAGE_ORDER:
        rank = stage_rank(stage)
        if rank < reached or (revoked and rank == reached):
            state = "done"
        elif rank == reached:
            state = "current"
        else:
            state = "todo"
        line.append({"stage": stage, "label": Stage(stage).label, "state": state,
                     "on": entered.get(stage) if state != "todo" else None})
    if revoked:
        line.append({"stage": Stage.REVOKED, "label": Stage.REVOKED.label, "state": "revoked",
                     "on": creation.stage_since})
    return line


def next_step(creation):
    """The stage that comes next, who takes it and on which page; None at the end."""
    following = stages.next_stage(creation)
    if following is None:
        return None
    name, label = STAGE_PAGES[following]
    return {"stage": following, "label": Stage(following).label, "actor": actor_name(following),
            "url": reverse(name, args=[creation.pk]), "action": label}


def deadlines_of(creation):
    return {deadline.stage: deadline.due for deadline in creation.batch.deadlines.all()}


def lateness(creation, today):
    """(stage, due) of the first deadline the county has missed, or None."""
    found = stages.late(creation, deadlines_of(creation), today)
    if found is None:
        return None
    stage, due = found
    return {"stage": Stage(stage).label, "due": due}


def document_stages(user, creation):
    """The stages under which ``user`` may file a document now: the county's reviewer in
    计划创建 and 自评, under the current stage; the city under any stage reached."""
    if stages.is_city_actor(user, creation.campaign):
        reached = [stage for stage in STAGE_ORDER if stage_rank(stage) <= creation.rank]
        return [*reached, Stage.REVOKED] if creation.stage == Stage.REVOKED else reached
    if stages.is_county_actor(user, creation) and creation.stage in COUNTY_DOCUMENT_STAGES:
        return [creation.stage]
    return []


def documents_by_stage(creation):
    """[(stage label, [documents])] in the order of the stages, stages without documents left out."""
    grouped = {}
    for document in creation.documents.select_related("uploaded_by").order_by("uploaded_at", "pk"):
        grouped.setdefault(document.stage, []).append(document)
    return [(Stage(stage).label, grouped[stage]) for stage in [*STAGE_ORDER, Stage.REVOKED] if stage in grouped]


def return_stages(user, creation):
    """The earlier stages the city may send the county back to; empty for anyone else."""
    if creation.stage == Stage.REVOKED or not stages.is_city_actor(user, creation.campaign):
        return []
    return [stage for stage in STAGE_ORDER if stage_rank(stage) < creation.rank]


# The stages whose page fills in, as the step is taken, what the stage machine asks for
# (the publicity's dates, the naming, the re-check): that is no reason to wait.
CHECKED_BEFORE = (Stage.ACCEPTANCE, Stage.PUBLICITY, Stage.REPORTED, Stage.NAMED, Stage.RECHECKED)


def waiting_for(creation, stage, today):
    """What must happen before ``creation`` can enter ``stage`` through its page today."""
    if stage not in CHECKED_BEFORE:
        return []  # 自评, 申报 and the expert group are completed on their own pages
    filled = {_("Set the publicity's dates first."), _("Give the naming batch, date and document number."),
              _("Record the re-check first.")}
    return [problem for problem in stages.problems(creation, stage, today) if problem not in filled]


def actions(user, creation, today):
    """What ``user`` may do on this record right now, each a link to the page where it is
    done: the next stage when it is theirs (with what it still waits for), and the work
    waiting inside the current one."""
    found = []
    step = next_step(creation)
    if step is not None and stages.may_take(user, creation, step["stage"]):
        found.append({"label": step["action"], "url": step["url"], "primary": True,
                      "waiting": "".join(waiting_for(creation, step["stage"], today))})
    city = stages.is_city_actor(user, creation.campaign)
    county = stages.is_county_actor(user, creation)
    acceptance = getattr(creation, "acceptance", None)
    if acceptance is not None:
        items = Rectification.objects.filter(acceptance=acceptance)
        if city and creation.stage == Stage.ACCEPTANCE and not acceptance.conclusion:
            found.append({"label": _("Record findings and the acceptance's conclusion"),
                          "url": reverse("campaigns:acceptance", args=[creation.pk])})
        waiting = items.filter(state=Rectification.State.OPEN).count()
        if county and waiting:
            found.append({"label": _("Report rectification items fixed (%(count)d awaiting)") % {"count": waiting},
                          "url": reverse("campaigns:acceptance", args=[creation.pk]) + "#rectifications"})
        reported = items.filter(state=Rectification.State.REPORTED).count()
        if city and reported:
            found.append({"label": _("Close rectification items reported fixed (%(count)d)") % {"count": reported},
                          "url": reverse("campaigns:acceptance", args=[creation.pk]) + "#rectifications"})
    publicity = getattr(creation, "publicity", None)
    if city and publicity is not None and creation.stage in (Stage.PUBLICITY, Stage.REPORTED):
        unsettled = Objection.objects.filter(publicity=publicity, settled_on__isnull=True).count()
        if unsettled:
            found.append({"label": _("Settle the objections received (%(count)d open)") % {"count": unsettled},
                          "url": reverse("campaigns:publicity", args=[creation.pk]) + "#objections"})
    return found


def stage_pages(creation):
    """The pages of the stages from 现场验收 on, for the tabs of the record: each open once
    the county has reached the stage before it."""
    pages = [
        ("campaigns:acceptance", Stage.ACCEPTANCE, gettext_lazy("On-site acceptance")),
        ("campaigns:publicity", Stage.PUBLICITY, gettext_lazy("Publicity")),
        ("campaigns:naming", Stage.REPORTED, gettext_lazy("Report and naming")),
        ("campaigns:recheck", Stage.RECHECKED, gettext_lazy("Re-check")),
    ]
    return [{"name": name, "label": label, "url": reverse(name, args=[creation.pk]),
             "open": creation.rank >= stage_rank(stage) - 1} for name, stage, label in pages]
