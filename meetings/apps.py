from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from meetings import models

        for model in (
            models.Meeting,
            models.AgendaItem,
            models.AgendaInvitation,
            models.AgencyInformation,
            models.Attendance,
            models.Guest,
            models.ConfidentialityAcknowledgement,
            models.MeetingPack,
        ):
            auditlog.register(model)
