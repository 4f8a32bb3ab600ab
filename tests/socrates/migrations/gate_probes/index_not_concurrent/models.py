from django.db import models


class Widget(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        indexes = [models.Index(fields=["name"], name="probe_widget_name_idx")]

    def __str__(self):
        return f"widget {self.pk}"
