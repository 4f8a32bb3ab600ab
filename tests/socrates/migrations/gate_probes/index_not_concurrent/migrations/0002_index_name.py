from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("probe_index_not_concurrent", "0001_initial")]

    operations = [
        migrations.AddIndex(
            model_name="widget", index=models.Index(fields=["name"], name="probe_widget_name_idx")
        ),
    ]
