from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("probe_additive_ok", "0002_add_note")]

    operations = [
        AddIndexConcurrently(
            model_name="widget", index=models.Index(fields=["rank"], name="probe_widget_rank_idx")
        ),
    ]
