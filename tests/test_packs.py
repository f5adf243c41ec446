"""Meeting packs as PDF: need to know in print, markings on every page, escaping, no fetching."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from meetings import services
from meetings.models import MeetingPack
from meetings.packs import pack_build, pack_read, pack_request, packs_remove_expired
from meetings.printing import layout, refusing_url_fetcher
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.meetings import MeetingFactory, moved_to_the_past
from tests.private_files import stored, stored_names
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def page_texts(pack: MeetingPack) -> list[str]:
    reader = PdfReader(io.BytesIO(pack_read(pack)))
    return [page.extract_text() for page in reader.pages]


@pytest.fixture
def agenda(co_chair, housing, fire, settings, tmp_path):
    """A meeting of three cases: housing is invited to the first, fire to the second, nobody to the third."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    meeting = MeetingFactory()
    cases = [
        CaseFactory(subjects=[(PersonFactory(given_name=name, family_name="Testperson"), "victim")])
        for name in ("Alder", "Birch", "Cedar")
    ]
    items = [services.agenda_add_item(meeting=meeting, case=c, item_type="new", by=co_chair) for c in cases]
    services.invite_agency_to_item(item=items[0], agency=housing, by=co_chair)
    services.invite_agency_to_item(item=items[1], agency=fire, by=co_chair)
    return meeting, cases


def build(meeting, person) -> MeetingPack:
    pack = MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=person)
    return pack_build(str(pack.pk), now=datetime(2026, 12, 1, 9, 30, tzinfo=LONDON))


@pytest.mark.parametrize("processes", [1, 2])
def test_a_co_chair_gets_every_item_marked_on_every_page(agenda, co_chair, processes, settings, caplog) -> None:
    settings.PACK_RENDER_PROCESSES = processes
    meeting, cases = agenda
    with caplog.at_level("INFO", logger="meetings.packs"):
        pack = build(meeting, co_chair)
    # Laid out by forked processes when asked (the suite's process has no other threads yet).
    assert f"laid out by {processes} process" in caplog.text
    assert (pack.status, pack.items) == ("ready", 3)
    pages = page_texts(pack)
    text = "\n".join(pages)
    for case in cases:
        assert case.reference in text
    for name in ("Alder", "Birch", "Cedar"):
        assert name in text
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, number
        assert f"Page {number} of {len(pages)}" in page
        assert co_chair.full_name in page  # the recipient on every page
    assert pack.pages == len(pages)


def test_the_contents_give_the_page_each_part_starts_on(agenda, co_chair) -> None:
    meeting, cases = agenda
    pack = build(meeting, co_chair)
    pages = page_texts(pack)
    # As laid out: each entry's page number is at the right of its line (painted before the text).
    contents = PdfReader(io.BytesIO(pack_read(pack))).pages[0].extract_text(extraction_mode="layout")
    # The contents number the items as this person sees them; an item's section, shared by every
    # pack that holds it, is headed by its case and type alone (ADR 0037).
    entries = [("Agenda", "Agenda"), *((f"{n}. {case.reference}: New case", f"{case.reference}: New case")
               for n, case in enumerate(cases, start=1)), ("Action log", "Action log")]  # fmt: skip
    for entry, heading in entries:
        listed = re.search(rf"{re.escape(entry)} +(\d+)\n", contents)
        assert listed, entry
        page = int(listed[1])
        assert 1 < page <= len(pages)
        assert pages[page - 1].startswith(heading), heading  # the page opens with that part


def test_an_agency_lead_gets_only_their_agencys_items(agenda, housing_lead) -> None:
    meeting, cases = agenda
    pack = build(meeting, housing_lead)
    text = "\n".join(page_texts(pack))
    assert cases[0].reference in text
    assert cases[1].reference not in text
    assert cases[2].reference not in text
    assert "Birch" not in text
    assert "Cedar" not in text
    assert "Council Housing" in text  # the recipient's agency in the marking


def test_user_text_cannot_inject_html_or_css(agenda, co_chair, settings, tmp_path) -> None:
    meeting, cases = agenda
    cases[0].summary = '<style>body { display: none }</style><img src="http://127.0.0.1:9/x.png">Visible'
    cases[0].save()
    text = "\n".join(page_texts(build(meeting, co_chair)))
    assert "<style>body { display: none }</style>" in text.replace("\n", "")
    assert cases[2].reference in text  # the rest of the pack still rendered


def test_weasyprint_fetches_nothing() -> None:
    fetcher = refusing_url_fetcher()
    from weasyprint import HTML

    html = '<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="file:///etc/passwd"><p>Hello</p>'
    HTML(string=html, url_fetcher=fetcher).render()
    assert fetcher.refused  # it was asked, and refused
    document = layout(html)  # the packs' own layout refuses the same way, and still lays out
    assert document.write_pdf().startswith(b"%PDF")
    assert len(document.pages) == 1


def test_minutes_are_limited_the_same_way(agenda, co_chair, housing_lead) -> None:
    meeting, cases = agenda
    meeting = moved_to_the_past(meeting)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    services.minutes_circulate(meeting=meeting, by=co_chair)  # agencies read minutes once circulated
    pack = MeetingPack.objects.create(meeting=meeting, kind="minutes", recipient=housing_lead)
    pages = page_texts(pack_build(str(pack.pk)))
    text = "\n".join(pages)
    assert cases[0].reference in text
    assert cases[1].reference not in text
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, number
        assert f"Page {number} of {len(pages)}" in page
        assert housing_lead.full_name in page


def test_who_may_request(
    agenda, co_chair, housing_lead, fire_lead, police_referrer, django_capture_on_commit_callbacks
):
    meeting, _ = agenda
    with django_capture_on_commit_callbacks(execute=True):
        pack = pack_request(meeting=meeting, kind="pack", recipient=housing_lead)
    pack.refresh_from_db()
    assert pack.status == "ready"  # built inline: no broker in this run
    with pytest.raises(ValidationError):
        pack_request(meeting=meeting, kind="pack", recipient=police_referrer)
    from meetings.packs import may_request_pack

    assert may_request_pack(co_chair, meeting)


def test_expired_packs_are_removed(agenda, co_chair) -> None:
    from datetime import timedelta

    meeting, _ = agenda
    pack = build(meeting, co_chair)
    assert stored(pack)
    assert packs_remove_expired(now=pack.expires_at - timedelta(minutes=1)) == 0
    assert stored(pack)
    assert packs_remove_expired(now=pack.expires_at) == 1
    assert not stored(pack)
    assert not MeetingPack.objects.filter(pk=pack.pk).exists()


@pytest.mark.parametrize("count", [3, 12])
def test_pack_queries_do_not_grow_with_items(count, co_chair, housing, settings, tmp_path,
                                             django_assert_num_queries) -> None:  # fmt: skip
    from meetings.packs import pack_context

    settings.PRIVATE_FILES_DIR = tmp_path
    meeting = MeetingFactory()
    from actions.services import action_set, action_update

    for _ in range(count):
        item = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
        services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
        action = action_set(case=item.case, owner=housing, description="Visit", by=co_chair,
                            due_on=datetime(2026, 12, 9, tzinfo=LONDON).date())  # fmt: skip
        action_update(action=action, by=co_chair, status="in-progress", text="Booked", revision=None)
    pack = MeetingPack.objects.select_related("meeting", "recipient__agency").get(
        pk=MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=co_chair).pk
    )
    # role groups, items (with case and leads), subjects with people, accepted referrals (their
    # answers only when there are some), agency information, invitations with agencies, earlier
    # items, actions (with case, owner, officer, item), their updates with authors
    with django_assert_num_queries(9):
        context = pack_context(pack, datetime(2026, 12, 1, tzinfo=LONDON))
        assert len(context["items"]) == count


# --- Pages ---------------------------------------------------------------------------


def test_asking_building_and_downloading_a_pack(agenda, housing_lead, co_chair, fire_lead, as_user,
                                                django_capture_on_commit_callbacks) -> None:  # fmt: skip
    from auditlog.models import LogEntry
    from django.test import Client
    from django.urls import reverse

    meeting, _ = agenda
    client = as_user(housing_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:pack-ask", args=[meeting.pk]), {"kind": "pack"})
    pack = MeetingPack.objects.get(recipient=housing_lead)
    assert response["Location"] == reverse("meetings:pack", args=[pack.pk])
    assert client.get(reverse("meetings:pack", args=[pack.pk]), {"format": "json"}).json()["status"] == "ready"
    page = client.get(reverse("meetings:pack", args=[pack.pk])).content.decode()
    assert "Download the PDF" in page
    download = client.get(reverse("meetings:pack-download", args=[pack.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert LogEntry.objects.filter(actor=housing_lead, additional_data__pack=str(pack.pk)).exists()

    # Nobody else can reach it, a co-chair included: 404, the same as a pack that does not exist.
    for other in (co_chair, fire_lead):
        other_client = Client()
        verified_login(other_client, other)
        assert other_client.get(reverse("meetings:pack", args=[pack.pk])).status_code == 404
        assert other_client.get(reverse("meetings:pack-download", args=[pack.pk])).status_code == 404


def test_packs_are_private_files_not_static_ones(agenda, co_chair, settings) -> None:
    """In the private storage (the database by default), which has no URL; nothing on the disk."""
    from cmarac.core.files import private_storage
    from meetings.packs import pack_stored_name

    meeting, _ = agenda
    pack = build(meeting, co_chair)
    assert stored_names("packs") == [pack_stored_name(pack)]
    with pytest.raises(NotImplementedError):
        private_storage().url(pack_stored_name(pack))
    assert not settings.PRIVATE_FILES_DIR.exists() or not any(settings.PRIVATE_FILES_DIR.rglob("*.pdf"))


def test_an_expired_pack_cannot_be_downloaded(agenda, co_chair, as_user) -> None:
    from django.urls import reverse
    from django.utils import timezone

    meeting, _ = agenda
    pack = build(meeting, co_chair)
    MeetingPack.objects.filter(pk=pack.pk).update(expires_at=timezone.now())
    assert as_user(co_chair).get(reverse("meetings:pack-download", args=[pack.pk])).status_code == 404


def test_people_who_may_not_ask_are_told_so(agenda, police_referrer, as_user) -> None:
    from django.urls import reverse

    meeting, _ = agenda
    response = as_user(police_referrer).post(reverse("meetings:pack-ask", args=[meeting.pk]), {"kind": "pack"})
    assert response.status_code == 302
    assert not MeetingPack.objects.exists()


def test_a_failed_build_is_recorded_and_leaves_no_file(agenda, co_chair, monkeypatch, settings) -> None:
    from meetings import packs

    def failing(*args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(packs, "print_pdf", failing)
    meeting, _ = agenda
    pack = MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=co_chair)
    with pytest.raises(RuntimeError):
        pack_build(str(pack.pk))
    pack.refresh_from_db()
    assert pack.status == "failed"
    assert pack.finished_at is not None
    assert not pack.file_name
    assert stored_names("packs") == []  # nothing half-made is kept


def test_approved_minutes_show_the_actions_as_agreed_not_as_they_are_now(
    agenda, co_chair, housing, housing_lead, as_user
):
    """The page and the PDF of approved minutes: each action's status and due date at approval."""
    from datetime import date

    from django.urls import reverse

    from actions.services import action_set, action_update
    from meetings.models import AgendaItem

    meeting, cases = agenda
    meeting = moved_to_the_past(meeting)
    item = AgendaItem.objects.get(meeting=meeting, case=cases[0])
    action = action_set(case=cases[0], owner=housing, description="Fit a door alarm", by=co_chair,
                        due_on=date(2031, 1, 9), agenda_item=item)  # fmt: skip
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    services.minutes_circulate(meeting=meeting, by=co_chair)
    services.minutes_approve(meeting=meeting, by=co_chair)
    # Later progress belongs to the action log and the next meeting, not to these minutes.
    action_update(action=action, by=housing_lead, status="completed", text="Fitted", revision=None)
    action.refresh_from_db()
    assert action.status == "completed"

    page = as_user(co_chair).get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert "Fit a door alarm" in page
    assert "9 January 2031" in page
    assert "Not started" in page
    assert "Completed" not in page

    pack = MeetingPack.objects.create(meeting=meeting, kind="minutes", recipient=co_chair)
    text = "\n".join(page_texts(pack_build(str(pack.pk))))
    assert "as at approval" in text
    assert "Fit a door alarm" in text
    assert "9 Jan 2031" in text
    assert "Not started" in text
    assert "Completed" not in text


def test_a_pack_stops_downloading_once_its_recipient_loses_access_another_way(
    agenda, co_chair, housing, housing_lead, as_user, django_capture_on_commit_callbacks
):
    """The download re-checks every item against the recipient's access now (here the agency is
    made inactive, which ends its people's access without touching the case): the file is deleted
    and the pack page says why, with a way to ask for a new one."""
    from django.urls import reverse

    from meetings.models import AgendaItem

    meeting, cases = agenda
    pack = build(meeting, housing_lead)
    assert pack.item_ids == [AgendaItem.objects.get(meeting=meeting, case=cases[0]).pk]
    client = as_user(housing_lead)
    download = reverse("meetings:pack-download", args=[pack.pk])
    assert client.get(download).status_code == 200
    type(housing).objects.filter(pk=housing.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the withdrawal commits
        response = client.get(download)
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:pack", args=[pack.pk])
    pack.refresh_from_db()
    assert (pack.status, pack.withdrawn_reason) == ("withdrawn", "access-changed")
    assert not stored(pack)
    page = client.get(response["Location"]).content.decode()
    assert "you no longer have access to a case in it" in page
    assert client.get(download).status_code == 404
