"""The core's one model: the bytes of generated files kept in the database (cmarac.core.files)."""

from __future__ import annotations

from django.db import models


class StoredFile(models.Model):
    """One file of the private storage when that storage is the database (the default): every web
    and worker machine that reaches the database reaches the file. Never served by URL."""

    name = models.CharField(max_length=255, unique=True)
    content = models.BinaryField()
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
