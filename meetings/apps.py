from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self) -> None:
        from cmarac.core.audit import audit_register
        from meetings import models

        # The trail names the fields that changed; it keeps values only of codes and system times.
        audit_register(
            models.Meeting,
            shown=[
                "kind",
                "scheduled_for",
                "starts_at",
                "status",
                "minutes_status",
                "minutes_approved_at",
                "confidentiality_confirmed_at",
                "agenda_published_at",
                "created_at",
            ],
        )
        audit_register(
            models.AgendaItem, shown=["item_type", "risk_level_agreed", "decision", "next_review_on", "recorded_at"]
        )
        audit_register(models.AgendaInvitation, shown=["invited_at"])
        audit_register(models.AgencyInformation, shown=["updated_at"])
        audit_register(models.Attendance, shown=["status"])
        audit_register(models.Guest)
        audit_register(models.MinutesCorrection, shown=["field", "made_at"])
        audit_register(models.ConfidentialityAcknowledgement, shown=["acknowledged_at"])
        audit_register(
            models.MeetingPack,
            shown=["kind", "status", "requested_at", "finished_at", "expires_at", "withdrawn_reason", "withdrawn_at"],
        )
        # When an agency's last reason to see a case goes, its people's packs holding it go too.
        from cmarac.cases.hooks import register_access_ended
        from meetings.packs import packs_withdraw_for_case

        register_access_ended("meetings.packs", packs_withdraw_for_case)
