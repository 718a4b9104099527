"""A county's creation record: documents filed under its stages, and the city sending it
back to an earlier stage."""

from django.utils.translation import gettext as _

from core import evidence
from core.workflow import TransitionRefused

from .. import stages
from ..models import Stage
from ..selectors_creation import document_stages


def send_back(creation, *, user, to, reason, version):
    """Return ``creation`` to the earlier stage ``to`` with the reason (the city's step);
    refused, with nothing written, without a reason or by anyone else."""
    return stages.return_to(creation, user=user, to=to, reason=reason, version=version)


def document_stage(user, creation, stage):
    """The stage a document is filed under, if ``user`` may file one there now; otherwise
    TransitionRefused saying who files what."""
    allowed = document_stages(user, creation)
    if not allowed:
        raise TransitionRefused(_("The county's water bureau files documents while the county plans its creation "
                                  "and assesses itself; the city's water bureau files them at every stage."))
    if stage not in allowed:
        raise TransitionRefused(_("A document can be filed under %(stages)s only.") % {
            "stages": "、".join(str(Stage(allowed_stage).label) for allowed_stage in allowed)})
    return stage


def document_attach(request, creation, *, stage, back):
    """Attach the posted file to ``creation`` under ``stage`` through the one evidence
    helper (which says how it went)."""
    return evidence.attach(request, creation.documents, back=back, fields={"stage": stage})
