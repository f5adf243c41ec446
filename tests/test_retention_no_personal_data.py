"""After anonymisation the case still counts, and no page, pack or download shows its people."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from actions.models import Action
from cmarac.cases.models import Case
from cmarac.governance.retention_services import retention_apply
from meetings.models import MeetingPack
from meetings.packs import pack_build, pack_read
from referrals.models import Referral
from tests.private_files import stored
from tests.retention_builders import PERSONAL, at, full_case

pytestmark = pytest.mark.django_db


def leaks(text: str) -> list[str]:
    return [word for word in PERSONAL if word in text]


def pdf_text(pack: MeetingPack) -> str:
    reader = PdfReader(io.BytesIO(pack_read(pack)))
    return "\n".join(page.extract_text() for page in reader.pages)


def build_pack(meeting, person) -> MeetingPack:
    return pack_build(str(MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=person).pk))


@pytest.fixture
def anonymised(co_chair, coordinator, housing, housing_lead, police_referrer, settings, tmp_path,
               django_capture_on_commit_callbacks):  # fmt: skip
    """The full case, with a pack made while it held everything, then anonymised when due."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    with at(2026, 3, 20):
        built = full_case(
            co_chair=co_chair,
            coordinator=coordinator,
            housing=housing,
            housing_lead=housing_lead,
            police_referrer=police_referrer,
        )
        old_pack = build_pack(built.meeting, co_chair)
    assert leaks(pdf_text(old_pack))  # the test's words are really there before
    built.old_pack = old_pack
    assert stored(old_pack)
    with at(2032, 4, 1), django_capture_on_commit_callbacks(execute=True):
        assert retention_apply().anonymised == [built.case.reference]
    return built


def test_the_packs_holding_it_are_deleted_file_and_record(anonymised) -> None:
    assert not MeetingPack.objects.filter(meeting=anonymised.meeting).exists()
    assert not stored(anonymised.old_pack)


def test_it_still_counts_in_reports(anonymised, housing) -> None:
    closed = Case.objects.filter(status="closed", risk_level="high", lead_agency=housing)
    assert list(closed.values_list("reference", flat=True)) == [anonymised.case.reference]
    assert Action.objects.filter(case__in=closed, status="completed", owner=housing).count() == 1
    assert Referral.objects.filter(case__in=closed, status="accepted", risk_level="high").count() == 1
    assert anonymised.case.subjects.count() == 2


def test_no_page_shows_its_people(anonymised, co_chair, coordinator, housing_lead, as_user) -> None:
    case, meeting, item, action = anonymised.case, anonymised.meeting, anonymised.item, anonymised.action
    referral = Referral.objects.get(case=case)
    pages = {
        co_chair: [
            reverse("cases:detail", args=[case.reference]),
            reverse("cases:list") + "?status=closed",
            reverse("meetings:detail", args=[meeting.pk]),
            reverse("meetings:agenda", args=[meeting.pk]),
            reverse("meetings:run", args=[meeting.pk]),
            reverse("meetings:run", args=[meeting.pk]) + f"?item={item.pk}",
            reverse("meetings:minutes", args=[meeting.pk]),
            reverse("actions:list") + "?status=completed",
            reverse("actions:detail", args=[action.pk]),
        ],
        coordinator: [
            reverse("referrals:detail", args=[referral.reference]),
            reverse("audit:trail") + f"?case={case.reference}",
        ],
        housing_lead: [
            reverse("meetings:information", args=[meeting.pk, item.pk]),
            reverse("cases:detail", args=[case.reference]),
        ],
    }
    with at(2032, 4, 2):
        for person, urls in pages.items():
            client = as_user(person)
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200, url
                assert case.reference in response.content.decode() or "?" in url or "information" in url, url
                assert leaks(response.content.decode()) == [], url


def test_no_download_shows_its_people(anonymised, co_chair, as_user) -> None:
    with at(2032, 4, 2):
        response = as_user(co_chair).get(reverse("actions:export"), {"case": anonymised.case.reference})
        text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["case reference"] for row in rows] == [anonymised.case.reference]
    assert leaks(text) == []


def test_a_pack_made_afterwards_shows_none_of_its_people(anonymised, co_chair) -> None:
    with at(2032, 4, 2):
        pack = build_pack(anonymised.meeting, co_chair)
    text = pdf_text(pack)
    assert anonymised.case.reference in text
    assert leaks(text) == []


def test_the_case_page_says_it_was_anonymised_and_it_cannot_be_reopened(anonymised, co_chair, as_user) -> None:
    from django.core.exceptions import ValidationError

    from cmarac.cases.services import case_reopen

    with at(2032, 4, 2):
        html = as_user(co_chair).get(reverse("cases:detail", args=[anonymised.case.reference])).content.decode()
        assert "This case was anonymised on 1 April 2032" in html
        assert reverse("cases:reopen", args=[anonymised.case.reference]) not in html
        with pytest.raises(ValidationError):
            case_reopen(case=anonymised.case, by=co_chair, reason="New incident")
