from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("probe_rename_column", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="widget", old_name="title", new_name="name"),
    ]
