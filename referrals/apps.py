from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from cmarac.core.audit import audit_register
        from referrals import models

        # The trail names the fields that changed; it keeps values only of codes and system times.
        audit_register(
            models.Referral,
            shown=[
                "reference",
                "status",
                "issue_types",
                "hate_crime_strand",
                "consent",
                "sharing_basis",
                "scored_level",
                "raised_level",
                "risk_level",
                "submitted_at",
                "meeting_date",
                "decided_at",
                "created_at",
                "updated_at",
            ],
        )
        audit_register(models.ReferralSubject, shown=["role"])
        audit_register(models.ReferralAnswer, shown=["score"])
        # Checklist versions, their questions and answers are the partnership's configuration, not
        # case data: the trail keeps their values, so it shows what each version asked and scored.
        for model in (models.ChecklistTemplate, models.ChecklistQuestion, models.ChecklistOption):
            audit_register(model, shown=[field.name for field in model._meta.concrete_fields])
