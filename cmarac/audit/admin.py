from auditlog.models import LogEntry
from django.contrib import admin

# The audit trail is read at /audit/, where it cannot be edited; the admin does not offer it at all.
if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
