from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_asb_case_review"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="caseinvolvement",
            index=models.Index(fields=["agency", "created_at"], name="case_involvement_agency_new"),
        ),
    ]
