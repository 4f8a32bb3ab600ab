from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("probe_lossy_reverse", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "COMMENT ON TABLE probe_lossy_reverse_widget IS 'widgets'",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
