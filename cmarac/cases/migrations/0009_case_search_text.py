from collections import defaultdict

from django.db import migrations, models

# The case search matches one text per case (cmarac/cases/search.py, ADR 0026): on PostgreSQL a
# trigram GIN index serves it. SQLite has no such index and searches by scanning, which is correct
# and fine at its sizes.
INDEX = "case_search_text_trgm"
BATCH = 2000


def fill_search_text(apps, schema_editor):
    """The search text of every existing case, as cmarac.cases.search.search_text_for writes it
    (repeated here: a migration does not import the code it may outlive)."""
    Case = apps.get_model("cases", "Case")
    CaseSubject = apps.get_model("cases", "CaseSubject")
    last = 0
    while True:
        cases = list(Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "reference")[:BATCH])
        if not cases:
            return
        last = cases[-1][0]
        people = defaultdict(list)
        subjects = (
            CaseSubject.objects.filter(case_id__in=[pk for pk, _ in cases])
            .order_by("pk")
            .values_list("case_id", "person__given_name", "person__family_name", "person__aliases", "person__postcode")
        )
        for case_id, given_name, family_name, aliases, postcode in subjects:
            people[case_id] += [given_name, family_name, aliases, postcode.replace(" ", "")]
        for pk, reference in cases:
            text = "\n".join(part.upper() for part in [reference, *people[pk]] if part)
            Case.objects.filter(pk=pk).update(search_text=text)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_case USING gin (search_text gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_case_involvement_agency_new"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
