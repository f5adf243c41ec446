"""Each case's search text: what the case search matches (ADR 0026, amended).

A case is found by its reference or by any of its subjects' first names, last names, other names
or postcodes (without spaces). Matching those through the subjects and people of every case the
person may see cost most of a search page at 100,000 cases: a common name matched thousands of
people, whose cases then had to be gathered and sorted. So each case carries the text its search
matches, in capitals, one field to a line (a search term holds no whitespace, so it never matches
across two fields), and on PostgreSQL one trigram index serves it: the list's own order is walked
and stops at the page's cases.

The text is kept here, whenever a case is created, a subject is added, changed or removed, or a
person's details change (the signals below, so every path that saves a record keeps it), and by
`refresh_search_text` where records are changed in bulk (anonymisation). It holds personal data
as the person records do: it goes when they go, is never shown, and the audit trail keeps no
value of it (masked, as every text field of a case).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from cmarac.cases.models import Case, CaseSubject, Person

SEPARATOR = "\n"
# A subject's fields the search matches, in the order search_text_for takes them.
SEARCHED_FIELDS = ("given_name", "family_name", "aliases", "postcode")


def search_text_for(reference: str, people: Iterable[Sequence[str]]) -> str:
    """The search text of a case with this reference and these subjects' (first name, last name,
    other names, postcode)."""
    parts = [reference]
    for given_name, family_name, aliases, postcode in people:
        parts += [given_name, family_name, aliases, postcode.replace(" ", "")]
    return SEPARATOR.join(part.upper() for part in parts if part)


def search_term(term: str) -> str:
    """A typed search term as the search text holds it."""
    return "".join(term.split()).upper()


def refresh_search_text(case_ids: Iterable[int]) -> None:
    """Work out again the search text of these cases from their subjects, saving it where it
    changed (without touching the case's other fields or its time of last change)."""
    ids = set(case_ids)
    if not ids:
        return
    people: dict[int, list[Sequence[str]]] = defaultdict(list)
    person_fields = [f"person__{name}" for name in SEARCHED_FIELDS]
    subjects = CaseSubject.objects.filter(case_id__in=ids).order_by("pk").values_list("case_id", *person_fields)
    for case_id, *fields in subjects:
        people[case_id].append(fields)
    for pk, reference, saved in Case.objects.filter(pk__in=ids).values_list("pk", "reference", "search_text"):
        text = search_text_for(reference, people[pk])
        if text != saved:
            Case.objects.filter(pk=pk).update(search_text=text)


# Fixtures loaded with loaddata (raw saves) are kept too: a subject or person saved after its case
# brings the case's text up to date, whatever order the records arrive in.


def _case_saved(sender: Any, instance: Case, created: bool, **kwargs: Any) -> None:
    if created:
        refresh_search_text([instance.pk])


def _subject_changed(sender: Any, instance: CaseSubject, **kwargs: Any) -> None:
    refresh_search_text([instance.case_id])


def _person_saved(sender: Any, instance: Person, created: bool, **kwargs: Any) -> None:
    if not created:
        refresh_search_text(CaseSubject.objects.filter(person=instance).values_list("case_id", flat=True))


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_case_saved, sender=Case, dispatch_uid="cases.search.case_saved")
    post_save.connect(_subject_changed, sender=CaseSubject, dispatch_uid="cases.search.subject_saved")
    post_delete.connect(_subject_changed, sender=CaseSubject, dispatch_uid="cases.search.subject_deleted")
    post_save.connect(_person_saved, sender=Person, dispatch_uid="cases.search.person_saved")
