from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("probe_type_change", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="widget", name="code", field=models.IntegerField()),
    ]
