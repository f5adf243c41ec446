from django.db import migrations
from django.utils import timezone


def create(apps, schema_editor):
    from referrals.default_checklist import NAME, create_default_checklist

    Template = apps.get_model("referrals", "ChecklistTemplate")
    if not Template.objects.filter(name=NAME).exists():
        create_default_checklist(
            Template,
            apps.get_model("referrals", "ChecklistQuestion"),
            apps.get_model("referrals", "ChecklistOption"),
            timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
