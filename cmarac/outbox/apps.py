from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "cmarac.outbox"
    label = "outbox"
    verbose_name = "Outbox"
