from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cmarac.core"
    label = "core"
    verbose_name = "Core"
