"""What an agency reads of the minutes on the page, its minutes PDF holds; the attendance (agencies,
apologies, guests, and who came in place of whom) is the same list in the minutes and the pack."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from meetings import services
from meetings.models import Attendance, Meeting, MeetingPack
from meetings.packs import pack_build, pack_read, pack_request
from tests.factories.accounts import AgencyStaffFactory
from tests.factories.meetings import MeetingFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
GENERAL = "Matters arising: the October actions were all reviewed. Apologies from probation."


@pytest.fixture
def deputy(housing, housing_lead):
    person = AgencyStaffFactory(email="deputy@housing.example", full_name="Devon Deputy", agency=housing)
    housing.deputy = person
    housing.save(update_fields=["deputy"])
    return person


@pytest.fixture
def held(co_chair, housing_case, housing, fire_case, settings, tmp_path) -> Meeting:
    """A held meeting: the housing case (housing invited) and the fire case (nobody invited)."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    meeting = MeetingFactory(starts_at=datetime(2026, 3, 12, 10, tzinfo=LONDON))  # held: its day has come
    item = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    services.meeting_minutes_save(meeting=meeting, by=co_chair, revision=None, general_minutes=GENERAL)
    meeting.refresh_from_db()
    return meeting


def pdf(meeting, person, kind="minutes") -> str:
    pack = MeetingPack.objects.create(meeting=meeting, kind=kind, recipient=person)
    reader = PdfReader(io.BytesIO(pack_read(pack_build(str(pack.pk)))))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_text(client, meeting) -> str:
    html = client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- The general minutes in an agency's PDF --------------------------------------------


def test_an_agency_reads_the_general_minutes_in_its_pdf_as_on_the_page(held, co_chair, housing_lead, as_user):
    services.minutes_circulate(meeting=held, by=co_chair)
    assert GENERAL in page_text(as_user(housing_lead), held)
    assert GENERAL in pdf(held, housing_lead)


def test_before_circulation_an_agency_reads_neither(held, housing_lead, as_user, housing_case):
    page = page_text(as_user(housing_lead), held)
    assert GENERAL not in page
    assert housing_case.reference not in page
    text = pdf(held, housing_lead)
    assert GENERAL not in text
    assert housing_case.reference not in text
    assert "The minutes have not been circulated yet." in text
    with pytest.raises(ValidationError, match="not been circulated"):
        pack_request(meeting=held, kind="minutes", recipient=housing_lead)


def test_an_agency_with_no_item_reads_no_minutes_on_either(held, co_chair, fire_lead, as_user):
    services.minutes_circulate(meeting=held, by=co_chair)
    assert GENERAL not in page_text(as_user(fire_lead), held)
    assert GENERAL not in pdf(held, fire_lead)


# --- One attendance list, in the minutes and the pack ----------------------------------


@pytest.fixture
def attendance(held, housing, police, deputy, housing_lead, co_chair):
    services.attendance_record(meeting=held, agency=housing, status="attended", attendee=deputy,
                               deputising_for=housing_lead)  # fmt: skip
    services.attendance_record(meeting=held, agency=police, status="apologies")
    services.guest_add(meeting=held, name="Gale Guestwick", organisation="Victim Support Hub")
    services.minutes_circulate(meeting=held, by=co_chair)
    return held


EXPECTED = [
    "Council Housing Attended Devon Deputy (for Harper Housing)",
    "Partnership Policing Team Sent apologies",
    "Victim Support Hub Guest Gale Guestwick",
]


@pytest.mark.parametrize("person", ["co_chair", "housing_lead"])
def test_the_minutes_and_the_pack_print_the_same_attendance(attendance, person, request, as_user):
    reader = request.getfixturevalue(person)
    minutes, pack = pdf(attendance, reader), pdf(attendance, reader, kind="pack")
    page = page_text(as_user(reader), attendance)
    for line in EXPECTED:
        assert line in minutes, (line, "minutes PDF")
        assert line in pack, (line, "pack")
        assert line in page, (line, "minutes page")

    def table(text: str) -> str:  # the attendance as printed: from its heading to what follows it
        start = text.index("Agency or organisation Attendance Who")
        return text[start : text.index("Gale Guestwick", start)]

    assert table(minutes) == table(pack)


def test_guests_are_in_the_minutes_as_in_the_pack(held, co_chair, as_user):
    services.guest_add(meeting=held, name="Gale Guestwick", organisation="Victim Support Hub")
    services.minutes_circulate(meeting=held, by=co_chair)
    for text in (pdf(held, co_chair), pdf(held, co_chair, kind="pack"), page_text(as_user(co_chair), held)):
        assert "Victim Support Hub Guest Gale Guestwick" in text


# --- Who deputised for whom --------------------------------------------------------------


def test_attendance_records_who_came_in_place_of_whom(held, housing, deputy, housing_lead) -> None:
    record = services.attendance_record(meeting=held, agency=housing, status="attended", attendee=deputy,
                                        deputising_for=housing_lead)  # fmt: skip
    assert (record.attendee, record.deputising_for) == (deputy, housing_lead)
    # By name, for someone without an account, in place of the lead.
    record = services.attendance_record(meeting=held, agency=housing, status="attended", attendee_name="Sam Stand-in",
                                        deputising_for=housing_lead)  # fmt: skip
    assert (record.attendee, record.attendee_name, record.deputising_for) == (None, "Sam Stand-in", housing_lead)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "attended", "deputising_for": "fire_lead"}, "must work for Council Housing"),
        ({"status": "attended", "deputising_for": "deputy"}, "in place of themselves"),
        ({"status": "apologies", "deputising_for": "housing_lead"}, "Only someone who attended"),
    ],
)
def test_only_someone_of_the_same_agency_who_attended_deputises(held, housing, deputy, request, fields, message):
    for_whom = request.getfixturevalue(fields["deputising_for"])
    with pytest.raises(ValidationError, match=message):
        services.attendance_record(meeting=held, agency=housing, status=fields["status"], attendee=deputy,
                                   deputising_for=for_whom)  # fmt: skip
    assert not Attendance.objects.exists()


def test_who_deputised_is_locked_once_the_minutes_are_approved(held, co_chair, housing, deputy, housing_lead):
    services.minutes_circulate(meeting=held, by=co_chair)
    services.minutes_approve(meeting=held, by=co_chair)
    with pytest.raises(ValidationError, match="approved and locked"):
        services.attendance_record(meeting=Meeting.objects.get(pk=held.pk), agency=housing, status="attended",
                                   attendee=deputy, deputising_for=housing_lead)  # fmt: skip
    assert not Attendance.objects.exists()


def attendance_post(meeting, housing, **fields) -> dict:
    data = {"action": "attendance", "revision": meeting.attendance_revision}
    data.update({f"agency-{housing.pk}-{name}": value for name, value in fields.items()})
    return data


def test_the_attendance_page_records_a_deputy_and_is_audited(held, co_chair, housing, deputy, housing_lead, as_user):
    client = as_user(co_chair)
    url = reverse("meetings:attendance", args=[held.pk])
    page = client.get(url).content.decode()
    assert f'name="agency-{housing.pk}-deputising_for"' in page
    assert "Attending in place of" in page
    response = client.post(url, attendance_post(held, housing, status="attended", attendee=deputy.pk,
                                                deputising_for=housing_lead.pk))  # fmt: skip
    assert response.status_code == 302
    record = Attendance.objects.get(meeting=held, agency=housing)
    assert record.deputising_for == housing_lead
    entry = LogEntry.objects.get_for_object(record).get(action=LogEntry.Action.CREATE)
    assert entry.actor == co_chair
    assert entry.changes["deputising_for"][1] == str(housing_lead.pk)
    # Shown as "X (for Y)" on the minutes.
    assert "Devon Deputy (for Harper Housing)" in page_text(client, held)


def test_the_attendance_page_refuses_a_deputy_for_someone_of_another_agency(
    held, co_chair, housing, deputy, fire_lead, as_user
) -> None:
    client = as_user(co_chair)
    url = reverse("meetings:attendance", args=[held.pk])
    response = client.post(url, attendance_post(held, housing, status="attended", attendee=deputy.pk,
                                                deputising_for=fire_lead.pk))  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Select someone who works for Council Housing" in page
    assert not Attendance.objects.exists()


def test_a_stale_attendance_form_with_a_deputy_changes_nothing(
    held, co_chair, housing, deputy, housing_lead, as_user
) -> None:
    client = as_user(co_chair)
    url = reverse("meetings:attendance", args=[held.pk])
    data = attendance_post(held, housing, status="attended", attendee=deputy.pk, deputising_for=housing_lead.pk)
    services.attendance_take(meeting=held, records=[(housing, {"status": "apologies"})], revision=None)
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Someone else saved changes here" in page
    assert "Devon Deputy (for Harper Housing)" in page  # what differs: this person's entry
    record = Attendance.objects.get(meeting=held, agency=housing)
    assert (record.status, record.deputising_for) == ("apologies", None)
