"""Entries stored before the trail stopped keeping content lose it now.

From this release the trail stores which fields changed but never the values of fields that can hold
personal or case content (ADR 0010). Entries written before that kept both values: this migration
replaces them with the same marker new entries get, rewrites the descriptions that held a name,
and drops search text from list entries, so a copy of the audit table is no copy of the case file.

It reads the masking rules from the live auditlog registry (the models' registrations), as new
entries do. On PostgreSQL the append-only trigger is lifted for this one rewrite, inside the
migration's transaction, and is back before it commits.
"""

from django.db import migrations

NOT_RECORDED = "(not recorded)"
# Models whose description (str) held a person's name, and the word that now describes them.
RENAMED = {
    ("cases", "person"): "person",
    ("cases", "casesubject"): "subject",
    ("referrals", "referralsubject"): "subject",
    ("referrals", "referralanswer"): "answer",
    ("meetings", "guest"): "guest",
    ("meetings", "confidentialityacknowledgement"): "acknowledgement",
}
ACCESS = 3


def _shown_fields(app_label, model_name):
    """The fields whose values new entries keep: every concrete field the registration does not mask."""
    from auditlog.registry import auditlog
    from django.apps import apps as live_apps

    try:
        model = live_apps.get_model(app_label, model_name)
    except LookupError:
        return set()  # a model that no longer exists: keep no value at all
    if not auditlog.contains(model):
        return set()
    masked = set(auditlog.get_model_fields(model)["mask_fields"])
    return {field.name for field in model._meta.concrete_fields if field.name not in masked}


def forwards(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # Deferred foreign-key checks still pending on the table would block the ALTER: run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE auditlog_logentry DISABLE TRIGGER auditlog_logentry_append_only")
    shown_by_model = {}
    entries = LogEntry.objects.select_related("content_type").order_by("pk")
    for entry in entries.iterator(chunk_size=500):
        content_type = entry.content_type
        key = (content_type.app_label, content_type.model)
        update = {}
        if entry.action == ACCESS:
            criteria = (entry.changes or {}).get("criteria") if isinstance(entry.changes, dict) else None
            if isinstance(criteria, dict) and criteria.get("q"):
                update["changes"] = {**entry.changes, "criteria": {**criteria, "q": NOT_RECORDED}}
        elif isinstance(entry.changes, dict) and entry.changes:
            if key not in shown_by_model:
                shown_by_model[key] = _shown_fields(*key) or set()
            shown = shown_by_model[key]
            redacted = {
                name: values if name in shown else [NOT_RECORDED, NOT_RECORDED]
                for name, values in entry.changes.items()
            }
            if redacted != entry.changes:
                update["changes"] = redacted
        if entry.action != ACCESS and entry.changes_text:
            update["changes_text"] = ""
        if getattr(entry, "serialized_data", None):
            update["serialized_data"] = None
        if key in RENAMED and entry.object_pk:
            description = f"{RENAMED[key]} {entry.object_pk}"
            if entry.object_repr != description:
                update["object_repr"] = description
        if update:
            LogEntry.objects.filter(pk=entry.pk).update(**update)
    if postgres:
        schema_editor.execute("ALTER TABLE auditlog_logentry ENABLE TRIGGER auditlog_logentry_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_entries_are_append_only"),
        ("cases", "0004_alter_caseevent_kind"),
        ("referrals", "0003_referral_meeting"),
        ("meetings", "0002_meeting_packs"),
        ("actions", "0001_initial"),
    ]

    # Content that is gone cannot come back.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
