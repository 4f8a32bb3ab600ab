from django.db import models


class Widget(models.Model):
    code = models.IntegerField()

    def __str__(self):
        return f"widget {self.pk}"
