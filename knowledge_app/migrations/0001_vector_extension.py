"""Phase 5, step 1: enable pgvector in socrates_specs."""

from django.db import migrations
from pgvector.django import VectorExtension


class Migration(migrations.Migration):
    initial = True

    dependencies = [("specs_app", "0004_generated_projects")]

    operations = [VectorExtension(hints={"target_db": "specs"})]
