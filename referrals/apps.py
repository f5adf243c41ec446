from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from referrals import models

        for model in (models.Referral, models.ReferralSubject, models.ReferralAnswer, models.ChecklistTemplate):
            auditlog.register(model)
