"""Page titles end up in browser history, bookmarks and window lists: they name cases, referrals,
meetings and subjects by reference, id or date, never by a person's name."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from meetings import services as meeting_services
from referrals.views.form import TASKS
from tests.factories.actions import ActionFactory
from tests.factories.meetings import MeetingFactory
from tests.factories.referrals import alleged_perpetrator, victim
from tests.referral_builders import complete_referral, submitted_referral
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

# Names no page heading, label or reference could contain by chance.
REFERRAL_PEOPLE = [victim("Oriel", "Fennimore"), alleged_perpetrator("Tamsin", "Wrexley")]
SKIPPED = {
    "logout",
    "healthz",
    "password-reset-confirm",
    "meetings:calendar",
    "meetings:pack",
    "meetings:pack-download",
}
EVERY_CASE_PAGE = {
    "cases:detail",
    "cases:close",
    "cases:subject-add",
    "cases:subject-edit",
    "cases:subject-remove",
    "actions:new",
    "actions:detail",
    "actions:review",
    "meetings:agenda",
    "meetings:agenda-item",
    "meetings:information",
    "meetings:run",
    "meetings:item-minutes",
    "meetings:minutes",
    "meetings:detail",
    "meetings:change",
    "meetings:cancel",
    "referrals:detail",
    "referrals:subjects",
    "referrals:subject-add",
    "referrals:subject-edit",
    "referrals:subject-remove",
    "referrals:check",
    "referrals:section",
    "referrals:triage",
    "referrals:submitted",
}


def url_patterns(patterns=None, namespace: str | None = None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                yield from url_patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, "a page without a title"
    return match.group(1)


def test_no_page_of_a_case_or_referral_has_a_subjects_name_in_its_title(
    housing_case, housing, co_chair, coordinator, housing_lead, police_referrer, as_user, client
) -> None:
    meeting = MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=ZoneInfo("Europe/London")))
    item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    meeting_services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    action = ActionFactory(case=housing_case, owner=housing, by=co_chair)
    draft = complete_referral(police_referrer, subjects=REFERRAL_PEOPLE)
    sent = submitted_referral(police_referrer, subjects=REFERRAL_PEOPLE)
    case_subject = housing_case.subjects.order_by("pk").first()

    names = {
        part
        for subject in housing_case.subjects.select_related("person")
        for part in (subject.person.given_name, subject.person.family_name)
    } | {person[key] for person in REFERRAL_PEOPLE for key in ("given_name", "family_name")}
    values = {
        "reference": [housing_case.reference],
        "meeting_id": [meeting.pk],
        "item_id": [item.pk],
        "action_id": [action.pk],
        "referral": [draft.reference, sent.reference],
        "section": [task.slug for task in TASKS if task.slug != "subjects"],
        # Governance pages: a retention hold on the case (for the coordinator); exports are the
        # auditor's alone, so an unknown id is enough to prove they answer nobody here.
        "kind": ["case", "pdf"],
        "export_id": [uuid.uuid4()],
        # Second-factor pages hold no case data; an unknown device or person is enough here.
        "device_id": [0],
        "person_id": [0],
        # Manage agencies and users: people, agencies and role requests by id, roles by code.
        "pk": [housing_lead.pk],
        # Corrections of approved minutes are the co-chairs' alone (tested in test_minutes_corrections.py).
        "correction_id": [0],
        "role": ["referrer"],
        # The partnership report's tables (counts only: no title names anyone).
        "key": ["referrals-by-agency"],
        # Risk checklist pages hold no case data: an unknown question is enough here.
        "question": [0],
    }

    opened: set[str] = set()
    for name, pattern in url_patterns():
        if name in SKIPPED:
            continue
        keys = list(pattern.pattern.converters)
        choices: list[dict[str, object]] = [{}]
        for key in keys:
            if key == "subject_id":
                continue
            choices = [{**chosen, key: value} for chosen in choices for value in values[key]]
        if "subject_id" in keys:
            choices = [
                {
                    **chosen,
                    "subject_id": (
                        case_subject.pk
                        if "reference" in chosen
                        else (draft if chosen["referral"] == draft.reference else sent).subjects.first().pk
                    ),
                }
                for chosen in choices
            ]
        for kwargs in choices:
            url = reverse(name, kwargs=kwargs)
            for person in (coordinator, housing_lead, police_referrer):
                verified_login(client, person)
                response = client.get(url, follow=True)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                opened.add(name)
                title = title_of(response.content.decode())
                for part in names:
                    assert part not in title, f"{url} as {person.pk}: {title}"
    assert opened >= EVERY_CASE_PAGE, sorted(EVERY_CASE_PAGE - opened)


def test_subject_pages_are_told_apart_by_reference_and_id(housing_case, coordinator, as_user) -> None:
    subject = housing_case.subjects.order_by("pk").first()
    client = as_user(coordinator)
    edit = client.get(reverse("cases:subject-edit", args=[housing_case.reference, subject.pk])).content.decode()
    add = client.get(reverse("cases:subject-add", args=[housing_case.reference])).content.decode()
    assert title_of(edit).startswith(f"Change subject {subject.pk} of {housing_case.reference}")
    assert title_of(add).startswith(f"Add a subject to {housing_case.reference}")


def test_meeting_pages_are_told_apart_by_date(coordinator, as_user) -> None:
    meeting = MeetingFactory(starts_at=datetime(2030, 12, 12, 10, tzinfo=ZoneInfo("Europe/London")))
    client = as_user(coordinator)
    change = client.get(reverse("meetings:change", args=[meeting.pk])).content.decode()
    cancel = client.get(reverse("meetings:cancel", args=[meeting.pk])).content.decode()
    assert title_of(change).startswith("Change meeting 12 December 2030")
    assert title_of(cancel).startswith("Cancel the meeting on 12 December 2030")
