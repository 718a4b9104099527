"""Forms of ``reports``."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedForm

from .models import COMPONENTS, ScoreWeights

WEIGHT_KEYS = [key for key, _label, _default in COMPONENTS]
REQUIRED_TOTAL = 100  # what ScoreWeights.clean demands of the weights


class ScoreWeightsForm(VersionedForm):
    """The weights of the scorecard's parts and where the bands start, in the words of the
    page: 良好 from __ points, 一般 from __ points, 较差 below. The rules are the model's."""

    class Meta:
        model = ScoreWeights
        fields = [*WEIGHT_KEYS, "green_from", "amber_from"]
        labels = {"green_from": _("Good: at least"), "amber_from": _("Fair: at least")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, _default in COMPONENTS:
            self.fields[key].label = label
            # data-weight marks the inputs static/js/weights.js adds up as the user types.
            self.fields[key].widget.attrs.update({"data-weight": "", "min": 0, "max": REQUIRED_TOTAL})
        for key in ("green_from", "amber_from"):
            self.fields[key].widget.attrs.update({"min": 1, "max": 100})
        self.fields["amber_from"].widget.attrs["data-fair-from"] = ""

    def weight_fields(self):
        """The bound weight fields in the scorecard's order."""
        return [self[key] for key in WEIGHT_KEYS]

    def weight_total(self):
        """The sum of the weights as entered (bound) or stored; None when one is not a number."""
        try:
            return sum(int(self[key].value()) for key in WEIGHT_KEYS)
        except (TypeError, ValueError):
            return None

    @staticmethod
    def total_messages():
        """The running-total sentences, the same on the server and in the browser."""
        return {
            "ok": gettext("Total %(total)s — as required."),
            "under": gettext("Total %(total)s — %(gap)s short of 100."),
            "over": gettext("Total %(total)s — %(gap)s over 100."),
            "unknown": gettext("Total: enter a whole number for every part."),
        }

    def total_state(self):
        """(key of total_messages, the sentence) for the weights as they stand."""
        total = self.weight_total()
        if total is None:
            state = "unknown"
        elif total == REQUIRED_TOTAL:
            state = "ok"
        else:
            state = "under" if total < REQUIRED_TOTAL else "over"
        text = self.total_messages()[state] % {"total": total, "gap": abs(REQUIRED_TOTAL - (total or 0))}
        return state, text
