"""Recovery codes stored before this change were the codes themselves: store their digests instead
(cmarac.accounts.second_factor_services.recovery_code_digest), so the codes people hold keep working
and the database no longer holds a usable code."""

from django.db import migrations


def digest_existing_codes(apps, schema_editor):
    from cmarac.accounts.second_factor_services import recovery_code_digest

    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().iterator():
        StaticToken.objects.filter(pk=token.pk).update(token=recovery_code_digest(token.token))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_sessions"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(digest_existing_codes, migrations.RunPython.noop)]
