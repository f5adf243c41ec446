"""Corrections of approved minutes (ADR 0020): only a co-chair, only with a reason, as a record of
their own; the approved text stays and the minutes page and PDF show the correction as such.
The lock on ordinary edits still holds."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from cmarac.core.audit import NOT_RECORDED
from meetings import services
from meetings.models import Meeting, MeetingPack, MinutesCorrection
from meetings.packs import pack_build, pack_read
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")

APPROVED_DISCUSSION = "Housing to visit weekly; the door was repaired."
CORRECTED_DISCUSSION = "Housing to visit fortnightly; the door was not yet repaired."
REASON = "The visit frequency was minuted wrongly"
GENERAL = "Apologies from probation. Matters arising: none."


@pytest.fixture
def approved(co_chair, housing_case, housing, fire_case, settings, tmp_path):
    """Approved minutes of two items: the housing case (housing invited), the fire case (nobody)."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    meeting = MeetingFactory(starts_at=datetime(2026, 3, 12, 10, tzinfo=LONDON))  # held: its day has come
    item = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    other = services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    for each in (item, other):
        services.item_minutes_record(item=each, by=co_chair, revision=None, discussion=APPROVED_DISCUSSION,
                                     risk_level="high", lead_agency=None, lead_officer=None,
                                     decision="review-next")  # fmt: skip
    services.meeting_minutes_save(meeting=meeting, by=co_chair, revision=None, general_minutes=GENERAL)
    services.minutes_circulate(meeting=meeting, by=co_chair)
    services.minutes_approve(meeting=meeting, by=co_chair)
    meeting.refresh_from_db()
    item.refresh_from_db()
    other.refresh_from_db()
    return meeting, item, other


def correct(meeting, item, by, **changes):
    fields = {"kind": "discussion", "text": CORRECTED_DISCUSSION, "reason": REASON, "revision": None}
    return services.minutes_correct(meeting=meeting, item=item, by=by, **{**fields, **changes})


def pdf_text(meeting, person, kind="minutes") -> str:
    pack = MeetingPack.objects.create(meeting=meeting, kind=kind, recipient=person)
    reader = PdfReader(io.BytesIO(pack_read(pack_build(str(pack.pk)))))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


# --- The service ---------------------------------------------------------------------


def test_a_co_chair_corrects_and_the_approved_text_stays(approved, co_chair) -> None:
    meeting, item, _ = approved
    revision = meeting.minutes_revision
    correction = correct(meeting, item, co_chair, revision=revision)
    assert (correction.field, correction.text, correction.reason, correction.made_by) == (
        "discussion", CORRECTED_DISCUSSION, REASON, co_chair,
    )  # fmt: skip
    item.refresh_from_db()
    assert item.discussion == APPROVED_DISCUSSION  # the approved record is untouched
    assert Meeting.objects.get(pk=meeting.pk).minutes_revision == revision + 1
    # Audited, with no content: the field corrected and when, never the text or the reason.
    entry = LogEntry.objects.get_for_object(correction).get(action=LogEntry.Action.CREATE)
    assert entry.changes["field"][1] == "discussion"
    assert entry.changes["text"][1] == NOT_RECORDED
    assert entry.changes["reason"][1] == NOT_RECORDED
    assert CORRECTED_DISCUSSION not in str(entry.changes)
    assert REASON not in str(entry.changes)


def test_general_minutes_and_the_reason_can_be_corrected(approved, co_chair) -> None:
    meeting, item, _ = approved
    general = correct(meeting, None, co_chair, kind="general-minutes", text="Apologies from probation and fire.")
    detail = correct(meeting, item, co_chair, kind="decision-detail", text="Reviewed next month at high risk.")
    assert (general.item, detail.item) == (None, item)
    assert Meeting.objects.get(pk=meeting.pk).general_minutes == GENERAL


@pytest.mark.parametrize("person", ["coordinator", "housing_lead", "fire_lead", "auditor", "administrator"])
def test_only_a_co_chair_may_correct(approved, person, request) -> None:
    meeting, item, _ = approved
    with pytest.raises(PermissionDenied):
        correct(meeting, item, request.getfixturevalue(person))
    assert not MinutesCorrection.objects.exists()


def test_minutes_not_yet_approved_are_changed_directly_not_corrected(co_chair) -> None:
    meeting = MeetingFactory()
    item = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    with pytest.raises(ValidationError, match="Only approved minutes"):
        correct(meeting, item, co_chair)
    assert not MinutesCorrection.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"text": ""}, "text"),
        ({"text": APPROVED_DISCUSSION}, "text"),  # nothing to correct
    ],
)
def test_a_correction_needs_a_reason_and_a_change(approved, co_chair, changes, field) -> None:
    meeting, item, _ = approved
    with pytest.raises(ValidationError) as error:
        correct(meeting, item, co_chair, **changes)
    assert field in error.value.error_dict
    assert not MinutesCorrection.objects.exists()


def test_a_stale_correction_is_refused(approved, co_chair) -> None:
    meeting, item, _ = approved
    shown = meeting.minutes_revision
    correct(meeting, item, co_chair, revision=shown)
    with pytest.raises(services.StaleEdit):
        correct(meeting, item, co_chair, revision=shown, text="Another reading")
    assert MinutesCorrection.objects.count() == 1


def test_an_item_of_another_meeting_cannot_be_corrected_here(approved, co_chair) -> None:
    meeting, item, _ = approved
    elsewhere = services.agenda_add_item(meeting=MeetingFactory(), case=CaseFactory(), item_type="new", by=co_chair)
    with pytest.raises(ValidationError):
        correct(meeting, elsewhere, co_chair)
    with pytest.raises(ValidationError):
        correct(meeting, None, co_chair)  # an item's field with no item
    with pytest.raises(ValidationError):
        correct(meeting, item, co_chair, kind="general-minutes")
    assert not MinutesCorrection.objects.exists()


def test_the_lock_on_ordinary_edits_still_holds_after_a_correction(approved, co_chair) -> None:
    meeting, item, _ = approved
    correct(meeting, item, co_chair)
    with pytest.raises(ValidationError):
        services.meeting_minutes_save(meeting=meeting, by=co_chair, revision=None, general_minutes="Late edit")
    with pytest.raises(ValidationError):
        services.item_minutes_record(item=item, by=co_chair, revision=None, discussion="Late", risk_level="",
                                     lead_agency=None, lead_officer=None, decision="")  # fmt: skip
    item.refresh_from_db()
    assert item.discussion == APPROVED_DISCUSSION


# --- The pages -----------------------------------------------------------------------

EVERYONE = ["coordinator", "co_chair", "housing_lead", "fire_lead", "police_referrer", "auditor", "administrator"]


def correction_urls(meeting, item, correction) -> list[str]:
    return [
        reverse("meetings:correct-general", args=[meeting.pk]),
        reverse("meetings:correct-discussion", args=[meeting.pk, item.pk]),
        reverse("meetings:correct-decision", args=[meeting.pk, item.pk]),
        reverse("meetings:correction", args=[meeting.pk, correction.pk]),
    ]


@pytest.mark.parametrize("person", [*EVERYONE, None])
def test_only_co_chairs_open_the_correction_pages(approved, co_chair, person, request, as_user) -> None:
    meeting, item, _ = approved
    made = correct(meeting, item, co_chair)
    client = as_user(request.getfixturevalue(person) if person else None)
    for url in correction_urls(meeting, item, made):
        response = client.get(url)
        if person is None:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        else:
            # The coordinator runs the minutes but does not correct approved ones: 403, like everyone else.
            assert response.status_code == (200 if person == "co_chair" else 403), url
        posted = client.post(url, {"text": "x", "reason": "y", "revision": "0"}).status_code
        if person == "co_chair":
            assert posted in (200, 405)  # a stale revision: refused on the form
        else:
            assert posted in ((302, 405) if person is None else (403, 405))
    assert MinutesCorrection.objects.count() == 1


def test_an_item_or_correction_of_another_meeting_is_not_found(approved, co_chair, as_user) -> None:
    meeting, item, _ = approved
    other_meeting = MeetingFactory()
    elsewhere = services.agenda_add_item(meeting=other_meeting, case=CaseFactory(), item_type="new", by=co_chair)
    made = correct(meeting, item, co_chair)
    client = as_user(co_chair)
    assert client.get(reverse("meetings:correct-discussion", args=[meeting.pk, elsewhere.pk])).status_code == 404
    assert client.get(reverse("meetings:correction", args=[other_meeting.pk, made.pk])).status_code == 404
    assert client.get(reverse("meetings:correct-general", args=[999_999])).status_code == 404


def test_a_co_chair_corrects_through_the_pages_and_everyone_who_may_reads_it(
    approved, co_chair, coordinator, housing_lead, fire_lead, as_user
) -> None:
    meeting, item, other = approved
    client = as_user(co_chair)
    minutes_url = reverse("meetings:minutes", args=[meeting.pk])
    url = reverse("meetings:correct-discussion", args=[meeting.pk, item.pk])
    assert url in client.get(minutes_url).content.decode()  # offered on the minutes
    form = client.get(url)
    assert form.context["form"]["text"].value() == APPROVED_DISCUSSION
    assert item.case.reference in form.content.decode()
    assert LogEntry.objects.filter(additional_data__what="Minutes correction").exists()  # the view is audited

    response = client.post(url, {"text": CORRECTED_DISCUSSION, "reason": REASON,
                                  "revision": form.context["form"]["revision"].value()})  # fmt: skip
    made = MinutesCorrection.objects.get()
    # Audited as made by this co-chair, through the page.
    assert LogEntry.objects.get_for_object(made).get(action=LogEntry.Action.CREATE).actor == co_chair
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:correction", args=[meeting.pk, made.pk])
    done = client.get(response["Location"]).content.decode()
    assert "Correction recorded" in done
    assert "govuk-panel--confirmation" in done

    for person in (co_chair, coordinator, housing_lead):
        page = flat(as_user(person).get(minutes_url).content.decode())
        assert CORRECTED_DISCUSSION in page, person
        assert "Corrected" in page
        assert REASON in page
        assert co_chair.full_name in page
        assert "Superseded text" in page
        assert "As approved" in page
        assert APPROVED_DISCUSSION in page
        if person != co_chair:
            assert url not in page  # only co-chairs are offered to correct
    # Need to know: the fire brigade reads no item minutes at this meeting, corrected or not.
    fire_page = as_user(fire_lead).get(minutes_url).content.decode()
    assert CORRECTED_DISCUSSION not in fire_page
    assert REASON not in fire_page
    # The other item was not corrected.
    other_card = flat(as_user(co_chair).get(minutes_url).content.decode()).split(other.case.reference)[-1]
    assert CORRECTED_DISCUSSION not in other_card


def test_bad_input_gets_an_error_summary_and_saves_nothing(approved, co_chair, as_user) -> None:
    meeting, item, _ = approved
    client = as_user(co_chair)
    url = reverse("meetings:correct-discussion", args=[meeting.pk, item.pk])
    revision = meeting.minutes_revision
    for data, message in [
        ({"text": CORRECTED_DISCUSSION, "reason": ""}, "Enter why the minutes need correcting"),
        ({"text": APPROVED_DISCUSSION, "reason": REASON}, "The corrected text is the same"),
        ({"text": "", "reason": REASON}, "Enter the corrected text"),
    ]:
        response = client.post(url, {**data, "revision": revision})
        page = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in page
        assert message in page
        assert response.context["form"].errors
    assert not MinutesCorrection.objects.exists()


def test_a_stale_form_is_refused_with_the_text_saved_now(approved, co_chair, as_user) -> None:
    meeting, item, _ = approved
    client = as_user(co_chair)
    url = reverse("meetings:correct-discussion", args=[meeting.pk, item.pk])
    shown = meeting.minutes_revision
    correct(meeting, item, co_chair, revision=shown)  # someone else corrected it meanwhile
    response = client.post(url, {"text": "My reading", "reason": "Mine", "revision": shown})
    page = flat(response.content.decode())
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Someone else saved changes here" in page
    assert CORRECTED_DISCUSSION in page  # what reads now
    assert response.context["form"]["revision"].value() == str(shown + 1)
    assert MinutesCorrection.objects.count() == 1


def test_minutes_not_approved_send_the_co_chair_back(co_chair, housing_case, as_user) -> None:
    meeting = MeetingFactory()
    item = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="new", by=co_chair)
    response = as_user(co_chair).get(reverse("meetings:correct-discussion", args=[meeting.pk, item.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:minutes", args=[meeting.pk])


def test_ordinary_edits_through_the_pages_are_still_refused(approved, co_chair, as_user) -> None:
    meeting, item, _ = approved
    correct(meeting, item, co_chair)
    client = as_user(co_chair)
    client.post(reverse("meetings:minutes", args=[meeting.pk]),
                {"action": "save", "general_minutes": "Late", "revision": meeting.minutes_revision + 1})  # fmt: skip
    client.post(reverse("meetings:item-minutes", args=[meeting.pk, item.pk]),
                {"discussion": "Late", "decision": "review-next", "revision": item.revision})  # fmt: skip
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert (meeting.general_minutes, item.discussion) == (GENERAL, APPROVED_DISCUSSION)


def test_the_minutes_pdf_shows_the_correction_to_those_who_may_read_it(
    approved, co_chair, housing_lead, fire_lead
) -> None:
    meeting, item, _ = approved
    correct(meeting, item, co_chair)
    correct(meeting, None, co_chair, kind="general-minutes", text="Apologies from probation and the fire brigade.")
    for person in (co_chair, housing_lead):
        text = flat(pdf_text(meeting, person))
        assert CORRECTED_DISCUSSION in text, person
        assert "[Corrected]" in text
        assert REASON in text
        assert co_chair.full_name in text
        assert f"Superseded text (as approved): {APPROVED_DISCUSSION}" in text
        assert "Apologies from probation and the fire brigade." in text
    fire = flat(pdf_text(meeting, fire_lead))  # no item at this meeting: no minutes to read
    assert CORRECTED_DISCUSSION not in fire
    assert "fire brigade." not in fire


def test_a_meeting_pack_made_after_a_correction_reads_as_the_minutes_do(approved, co_chair, housing_lead) -> None:
    meeting, item, _ = approved
    correct(meeting, item, co_chair)
    text = flat(pdf_text(meeting, housing_lead, kind="pack"))
    assert f"[Corrected] {CORRECTED_DISCUSSION}" in text
    assert f"Superseded text (as approved): {APPROVED_DISCUSSION}" in text


def test_a_second_correction_supersedes_the_first(approved, co_chair, as_user) -> None:
    meeting, item, _ = approved
    correct(meeting, item, co_chair)
    correct(meeting, item, co_chair, text="Housing to visit monthly.", reason="Corrected again at the next meeting")
    page = flat(as_user(co_chair).get(reverse("meetings:minutes", args=[meeting.pk])).content.decode())
    assert "Housing to visit monthly." in page
    assert "As approved" in page
    assert APPROVED_DISCUSSION in page
    assert "As corrected on" in page
    assert CORRECTED_DISCUSSION in page
    text = flat(pdf_text(meeting, co_chair))
    assert f"Superseded text (as approved): {APPROVED_DISCUSSION}" in text
    assert CORRECTED_DISCUSSION in text
    assert "Housing to visit monthly." in text


@pytest.mark.parametrize("count", [1, 4])
def test_the_minutes_page_costs_the_same_with_corrections_on_many_items(
    count, co_chair, housing, as_user, django_assert_num_queries
) -> None:
    meeting = MeetingFactory(starts_at=datetime(2026, 3, 12, 10, tzinfo=LONDON))  # held: its day has come
    items = [services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
             for _ in range(count)]  # fmt: skip
    for item in items:
        services.item_minutes_record(item=item, by=co_chair, revision=None, discussion="Said", risk_level="",
                                     lead_agency=None, lead_officer=None, decision="review-next")  # fmt: skip
        services.attendance_record(meeting=meeting, agency=housing, status="apologies")
    services.guest_add(meeting=meeting, name="Gale Guest", organisation="Victim Support")
    services.minutes_circulate(meeting=meeting, by=co_chair)
    services.minutes_approve(meeting=meeting, by=co_chair)
    for item in items:
        correct(meeting, item, co_chair, text="Said better", reason="Wrong")
    client = as_user(co_chair)
    # session, user (with their agency), second-factor device, meeting, roles, items (with case, leads, recorder),
    # corrections (with co-chair), attendance (with agency, attendee, deputy), guests, the audit
    # entry of the list, approver, and the session saved
    # (savepoint, update, release).
    with django_assert_num_queries(MINUTES_PAGE_QUERIES):
        response = client.get(reverse("meetings:minutes", args=[meeting.pk]))
    assert response.status_code == 200
    assert flat(response.content.decode()).count("Said better") == count


MINUTES_PAGE_QUERIES = 14


# --- Retention and subject access ------------------------------------------------------


def test_anonymising_a_case_removes_its_corrections_text_and_reason(approved, co_chair, housing_case) -> None:
    from meetings.retention import anonymise_case_meeting_records

    meeting, item, other = approved
    correct(meeting, item, co_chair)
    correct(meeting, other, co_chair, text="About the fire case", reason="Kept")
    anonymise_case_meeting_records(housing_case)
    assert list(MinutesCorrection.objects.filter(item=item).values_list("text", "reason")) == [("", "")]
    assert MinutesCorrection.objects.get(item=other).text == "About the fire case"


def test_a_subject_access_export_holds_the_corrections_about_them(approved, co_chair, housing_case) -> None:
    from cmarac.governance.subject_access import Subjects
    from meetings.subject_access import collect

    meeting, item, _ = approved
    person = housing_case.subjects.select_related("person").order_by("pk").first().person
    correct(meeting, item, co_chair, text=f"{person.family_name} was visited.")
    correct(meeting, None, co_chair, kind="general-minutes", text=f"Matters arising: {person.family_name}.")
    texts = [p.text for r in collect(Subjects(frozenset({person.pk}), frozenset())) for p in r.passages]
    assert f"{person.family_name} was visited." in texts
    assert f"Matters arising: {person.family_name}." in texts
