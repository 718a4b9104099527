"""The audit record of a data-changing management command: one decorator on its ``handle``."""

import functools

from core.audit import Outcome, record_command


def audited(label, *options):
    """Each run of the decorated ``handle`` leaves one AuditEntry saying ``label``, with
    the values of the named ``options`` as its target (name only what identifies the work,
    never a password): succeeded when it returns, failed when it raises (a CommandError
    included, then re-raised), not saved for a ``--dry-run``."""

    def decorate(handle):
        @functools.wraps(handle)
        def run(command, *args, **given):
            name = command.__module__.rsplit(".", 1)[-1]
            target = {option: given[option] for option in options if given.get(option) not in (None, "", [], False)}
            try:
                result = handle(command, *args, **given)
            except BaseException:
                record_command(name, label=label, target=_plain(target), outcome=Outcome.FAILED)
                raise
            outcome = Outcome.UNSAVED if given.get("dry_run") else Outcome.SUCCESS
            record_command(name, label=label, target=_plain(target), outcome=outcome)
            return result

        return run

    return decorate


def _plain(target):
    """Option values as JSON can hold them (a Path as its text)."""
    return {key: value if isinstance(value, bool | int | str | list) else str(value) for key, value in target.items()}
