"""Expand/contract: the model stops reading `legacy`; the column stays (nullable), so code
released before this migration keeps working, and nothing is dropped. The gate accepts it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("probe_state_only_remove", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="widget", name="legacy")],
            database_operations=[],
        ),
    ]
