from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cmarac.web"
    label = "web"
    verbose_name = "Service pages and demo data"
