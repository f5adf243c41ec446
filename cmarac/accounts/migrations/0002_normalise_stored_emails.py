"""Store every email address trimmed and lower case, as sign-in and the lockout now compare them.

The case-insensitive unique constraint (0001) means no two accounts can differ only by case; if a
database somehow holds such a pair (or a pair that differs only by surrounding spaces), the
migration stops and names the accounts by id rather than choosing which one keeps the address.
"""

from collections import defaultdict

from django.db import migrations


def normalise_stored_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    by_address = defaultdict(list)
    for pk, email in User.objects.values_list("pk", "email"):
        by_address[email.strip().lower()].append((pk, email))
    clashes = {address: rows for address, rows in by_address.items() if len(rows) > 1}
    if clashes:
        ids = sorted(pk for rows in clashes.values() for pk, _ in rows)
        raise RuntimeError(
            "Accounts whose email addresses differ only by case or spaces must be merged or changed "
            f"before this migration can run: user ids {ids}"
        )
    for address, [(pk, email)] in by_address.items():
        if email != address:
            User.objects.filter(pk=pk).update(email=address)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(normalise_stored_emails, migrations.RunPython.noop)]
