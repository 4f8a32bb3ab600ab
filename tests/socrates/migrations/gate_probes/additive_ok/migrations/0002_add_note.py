from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("probe_additive_ok", "0001_initial")]

    operations = [
        migrations.AddField(model_name="widget", name="note", field=models.TextField(null=True)),
        migrations.AddField(
            model_name="widget",
            name="rank",
            field=models.IntegerField(db_default=0),
        ),
    ]
