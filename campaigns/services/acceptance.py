"""现场验收, its rectification items, 公示 and its objections, 报上级复核, 命名 and 复核.

Each step locks the county's record (or the item) first, checks the version the page was
opened at, the role and the stage, writes, and moves the stage through ``campaigns.stages``
in the same transaction: a refusal anywhere writes nothing."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.workflow import EditConflict, TransitionRefused

from .. import stages
from ..models import Acceptance, Creation, Objection, Publicity, Recheck, Rectification, Stage


def _locked(creation, version=None):
    """The stored record, locked until the transaction ends; EditConflict when the page
    showed another version."""
    stored = Creation.objects.select_for_update(of=("self",)).select_related("campaign__region__parent", "region").get(
        pk=creation.pk)
    if version is not None and stored.version != version:
        raise EditConflict(stored)
    return stored


def _city(user, creation, refusal):
    if not stages.is_city_actor(user, creation.campaign):
        raise TransitionRefused(refusal)


def _at(stored, *allowed):
    if stored.stage not in allowed:
        raise TransitionRefused(_("%(county)s is at %(stage)s: this is recorded at %(allowed)s.") % {
            "county": stored.region, "stage": stored.get_stage_display(),
            "allowed": "、".join(str(Stage(stage).label) for stage in allowed)})


def _bump(stored):
    """A change inside the record's stage (the acceptance's conclusion) makes pages opened
    before it stale, without a row in the record's own history."""
    Creation.objects.filter(pk=stored.pk).update(version=stored.version + 1)


def _save(record, user):
    record._history_user = user
    record.save()
    return record


# --- 现场验收 -------------------------------------------------------------------------------------


def acceptance_start(creation, *, user, held_on, departments, members_text, version):
    """Record the acceptance (day, the joint group) and enter 现场验收. Held again after a
    return, the same acceptance is reopened: its conclusion cleared, its items kept."""
    with transaction.atomic():
        stored = _locked(creation, version)
        _city(user, stored, _("Only the city's water bureau records the on-site acceptance."))
        acceptance = Acceptance.objects.filter(creation=stored).first() or Acceptance(creation=stored)
        acceptance.held_on = held_on
        acceptance.members_text = members_text.strip()
        acceptance.conclusion = ""
        _save(acceptance, user)
        acceptance.departments.set(departments)
        stages.advance(stored, user=user, to=Stage.ACCEPTANCE, on=held_on, version=version)
    return acceptance


def finding_add(creation, *, user, finding, owner, due):
    """A problem the acceptance found, owned by one of the county's departments."""
    with transaction.atomic():
        stored = _locked(creation)
        _city(user, stored, _("Only the city's water bureau records the on-site acceptance."))
        _at(stored, Stage.ACCEPTANCE)
        acceptance = Acceptance.objects.filter(creation=stored).first()
        if acceptance is None:
            raise TransitionRefused(_("Record the on-site acceptance and its conclusion first."))
        if owner.region_id != stored.region_id:
            raise TransitionRefused(_("The responsible department must be one of the county's."))
        item = Rectification(acceptance=acceptance, finding=finding.strip(), owner=owner, due=due)
        return _save(item, user)


def acceptance_conclude(creation, *, user, conclusion, opinion, version):
    with transaction.atomic():
        stored = _locked(creation, version)
        _city(user, stored, _("Only the city's water bureau records the on-site acceptance."))
        _at(stored, Stage.ACCEPTANCE)
        acceptance = Acceptance.objects.select_for_update().get(creation=stored)
        acceptance.conclusion = conclusion
        acceptance.opinion = opinion.strip()
        _save(acceptance, user)
        _bump(stored)
    return acceptance


# --- 整改 ---------------------------------------------------------------------------------------


def _item(item, version):
    stored = Rectification.objects.select_for_update(of=("self",)).select_related(
        "acceptance__creation__campaign__region__parent").get(pk=item.pk)
    if version is not None and stored.version != version:
        raise EditConflict(stored)
    return stored


def _changed(item, user):
    item.version += 1
    return _save(item, user)


def rectification_report(item, *, user, report, version):
    """The county reports the item fixed: what was done, with the evidence attached."""
    with transaction.atomic():
        stored = _item(item, version)
        if not stages.is_county_actor(user, stored.acceptance.creation):
            raise TransitionRefused(_("Only the county's water bureau reports a rectification item fixed."))
        if stored.state != Rectification.State.OPEN:
            raise TransitionRefused(_("This item is %(state)s: only an item awaiting rectification is reported "
                                      "fixed.") % {"state": stored.get_state_display()})
        if not stored.evidence.exists():
            raise TransitionRefused(_("Attach the evidence of the rectification before reporting it fixed."))
        stored.report = report.strip()
        stored.state = Rectification.State.REPORTED
        stored.reported_at = timezone.now()
        return _changed(stored, user)


def _decided(item, user, version):
    stored = _item(item, version)
    _city(user, stored.acceptance.creation,
          _("Only the city's water bureau closes a rectification item or sends it back."))
    if stored.state != Rectification.State.REPORTED:
        raise TransitionRefused(_("This item is %(state)s: only an item reported fixed is closed or sent back.")
                                % {"state": stored.get_state_display()})
    return stored


def rectification_close(item, *, user, closed_on, version):
    """The city closes the item (销号) on ``closed_on``."""
    with transaction.atomic():
        stored = _decided(item, user, version)
        if closed_on < timezone.localdate(stored.reported_at):
            raise TransitionRefused(_("An item cannot be closed before it was reported fixed (%(date)s).") % {
                "date": date_format(timezone.localdate(stored.reported_at))})
        stored.state = Rectification.State.CLOSED
        stored.closed_on = closed_on
        stored.closed_by = user
        return _changed(stored, user)


def rectification_send_back(item, *, user, comment, version):
    """The city sends the report back: the item is open again, with the city's comment."""
    if not comment.strip():
        raise TransitionRefused(_("Say what is still missing, so the county knows what to fix."))
    with transaction.atomic():
        stored = _decided(item, user, version)
        stored.state = Rectification.State.OPEN
        stored.comment = comment.strip()
        stored.reported_at = None
        return _changed(stored, user)


# --- 公示 ---------------------------------------------------------------------------------------


def publicity_start(creation, *, user, starts_on, ends_on, channel, version):
    """Set the publicity's dates and where it is published, and enter 公示 (the stage
    machine wants the acceptance passed and every rectification item closed)."""
    if ends_on < starts_on:
        raise TransitionRefused(_("The publicity cannot end before it starts."))
    with transaction.atomic():
        stored = _locked(creation, version)
        publicity = Publicity.objects.filter(creation=stored).first() or Publicity(creation=stored)
        publicity.starts_on, publicity.ends_on, publicity.channel = starts_on, ends_on, channel.strip()
        _save(publicity, user)
        stages.advance(stored, user=user, to=Stage.PUBLICITY, on=starts_on, version=version)
    return publicity


def objection_add(creation, *, user, received_on, content):
    with transaction.atomic():
        stored = _locked(creation)
        _city(user, stored, _("Only the city's water bureau records the publicity and its objections."))
        _at(stored, Stage.PUBLICITY, Stage.REPORTED)
        publicity = Publicity.objects.filter(creation=stored).first()
        if publicity is None:
            raise TransitionRefused(_("The county has not been publicised."))
        if received_on < publicity.starts_on:
            raise TransitionRefused(_("An objection cannot be received before the publicity starts (%(date)s).")
                                    % {"date": date_format(publicity.starts_on)})
        return _save(Objection(publicity=publicity, received_on=received_on, content=content.strip()), user)


def objection_settle(objection, *, user, settlement, settled_on):
    if not settlement.strip():
        raise TransitionRefused(_("Say how the objection was settled."))
    with transaction.atomic():
        stored = Objection.objects.select_for_update(of=("self",)).select_related(
            "publicity__creation__campaign__region__parent").get(pk=objection.pk)
        _city(user, stored.publicity.creation,
              _("Only the city's water bureau records the publicity and its objections."))
        if not stored.is_open:
            raise TransitionRefused(_("This objection was settled on %(date)s.") % {
                "date": date_format(stored.settled_on)})
        if settled_on < stored.received_on:
            raise TransitionRefused(_("An objection cannot be settled before it was received (%(date)s).") % {
                "date": date_format(stored.received_on)})
        stored.settlement, stored.settled_on, stored.settled_by = settlement.strip(), settled_on, user
        return _save(stored, user)


# --- 报上级复核, 命名, 复核 -------------------------------------------------------------------------


def report_upward(creation, *, user, reported_on, reported_document, version):
    """Report the county upward for re-examination (refused while the publicity runs or an
    objection is open)."""
    with transaction.atomic():
        stored = _locked(creation, version)
        # Written without a history row of their own: the step's save records them with the stage.
        Creation.objects.filter(pk=stored.pk).update(reported_on=reported_on,
                                                     reported_document=reported_document.strip())
        return stages.advance(stored, user=user, to=Stage.REPORTED, on=reported_on, version=version,
                              document=reported_document.strip())


def naming_record(creation, *, user, named_batch, named_on, named_document, version):
    """Record the naming (batch, date, document number) and enter 命名 (refused while an
    objection is open)."""
    with transaction.atomic():
        stored = _locked(creation, version)
        Creation.objects.filter(pk=stored.pk).update(named_batch=named_batch.strip(), named_on=named_on,
                                                     named_document=named_document.strip())
        return stages.advance(stored, user=user, to=Stage.NAMED, on=named_on, version=version,
                              document=named_document.strip())


def recheck_record(creation, *, user, checked_on, outcome, document, note, version):
    """Record a re-check of a named county: 复核通过 keeps the name, 撤销命名 revokes it and
    needs the findings."""
    revoke = outcome == Recheck.Outcome.REVOKED
    if revoke and not note.strip():
        raise TransitionRefused(_("Give the re-check's findings: a name is not revoked without them."))
    with transaction.atomic():
        stored = _locked(creation, version)
        _save(Recheck(creation=stored, checked_on=checked_on, outcome=outcome, document=document.strip(),
                      note=note.strip()), user)
        return stages.advance(stored, user=user, to=Stage.REVOKED if revoke else Stage.RECHECKED, on=checked_on,
                              version=version, document=document.strip(), reason=note.strip() if revoke else "")
