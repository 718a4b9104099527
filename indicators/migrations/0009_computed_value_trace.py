from django.db import migrations


class Migration(migrations.Migration):
    """The stored lineage becomes ``trace``: from here on it names its input rows by
    reference (``indicators.lineage``). Lineages stored before read back unchanged, and
    the next recompute stores them in the new form."""

    dependencies = [("indicators", "0008_points_several_standards_judgements")]

    operations = [migrations.RenameField("computedvalue", "lineage", "trace")]
