from django.db import migrations


def fill_names(apps, schema_editor):
    Widget = apps.get_model("probe_runpython_irreversible", "Widget")
    Widget.objects.using(schema_editor.connection.alias).filter(name="").update(name="unnamed")


class Migration(migrations.Migration):
    dependencies = [("probe_runpython_irreversible", "0001_initial")]

    operations = [
        migrations.RunPython(fill_names),
    ]
