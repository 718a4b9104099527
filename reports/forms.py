"""Forms of ``reports``."""

from core.forms import VersionedForm

from .models import ScoreWeights


class ScoreWeightsForm(VersionedForm):
    class Meta:
        model = ScoreWeights
        fields = ["completeness", "on_time", "progress", "indicators", "carriers", "returns", "cooperation",
                  "green_from", "amber_from"]
