from django.db import models


class Widget(models.Model):
    name = models.CharField(max_length=100)
    note = models.TextField(null=True)
    rank = models.IntegerField(db_default=0)

    class Meta:
        indexes = [models.Index(fields=["rank"], name="probe_widget_rank_idx")]

    def __str__(self):
        return f"widget {self.pk}"
