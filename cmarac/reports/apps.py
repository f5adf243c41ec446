from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cmarac.reports"
    label = "reports"
    verbose_name = "Partnership report"
