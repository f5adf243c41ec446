"""Packs that read well and can be read by everyone: the same pages however many processes lay
them out, no blank page, nothing outside the page's content box, dates kept on one line, tagged
PDF with a title and language through the join (ADR 0025), and deletion counted from the meeting."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from actions.services import action_set, action_update
from meetings import services
from meetings.models import AgendaItem, MeetingPack
from meetings.packs import pack_build
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.meetings import MeetingFactory
from tests.private_files import pdf_copy as pack_path
from tests.services import require

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
MADE_AT = datetime(2026, 12, 1, 9, 30, tzinfo=LONDON)
A4_WIDTH, MARGIN = 595.28, 16 / 25.4 * 72  # points: the page and its left and right margins


@pytest.fixture(autouse=True)
def poppler() -> None:
    require(shutil.which("pdftotext") and shutil.which("pdfinfo"), "pdftotext and pdfinfo (poppler-utils)")


@pytest.fixture
def agenda(co_chair, housing, settings, tmp_path):
    """Four cases with long text and actions: enough sections for four parts."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    meeting = MeetingFactory(starts_at=datetime(2026, 12, 10, 10, tzinfo=LONDON))
    long_text = "Neighbours report visits late at night and a smashed window; officers could not gain entry. " * 12
    for name in ("Alder", "Birch", "Cedar", "Damson"):
        # Long text in every last column, so a table wider than the page would show.
        person = PersonFactory(given_name=name, family_name="Testperson", vulnerabilities=long_text[:200])
        case = CaseFactory(summary=long_text, subjects=[(person, "victim")])
        item = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
        services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
        action = action_set(
            case=case, owner=housing, description=long_text[:300], by=co_chair, due_on=date(2026, 12, 9)
        )
        action_update(action=action, by=co_chair, status="in-progress", text=long_text[:200], revision=None)
    return meeting


def build(meeting, person, kind="pack") -> MeetingPack:
    pack = MeetingPack.objects.create(meeting=meeting, kind=kind, recipient=person)
    return pack_build(str(pack.pk), now=MADE_AT)


def run(*command: str | Path) -> str:
    return subprocess.run(  # noqa: S603 - poppler's own tools, on a file this test made
        [str(part) for part in command], capture_output=True, text=True, check=True
    ).stdout


def page_words(path: Path, page: int, recipient: str) -> list[str]:
    """The words of one page, less its furniture: the markings, the recipient line, the page
    number and the recipient's watermark."""
    text = run("pdftotext", "-raw", "-f", str(page), "-l", str(page), path, "-")
    furniture = ("OFFICIAL-SENSITIVE", "Prepared for", "Page ")
    lines = [line for line in text.splitlines() if not any(mark in line for mark in furniture)]
    watermark = set(f"{recipient} · 1 Dec 2026 09:30".split())
    return [word for line in lines for word in line.split() if word not in watermark]


@pytest.mark.parametrize("processes", [1, 2, 3, 4])
def test_no_blank_page_and_the_same_pages_however_many_processes(agenda, co_chair, settings, processes) -> None:
    settings.PACK_RENDER_PROCESSES = processes
    one_part = _pages_in_one_process(agenda, co_chair, settings)
    settings.PACK_RENDER_PROCESSES = processes
    pack = build(agenda, co_chair)
    path = pack_path(pack)
    assert pack.pages == one_part
    for page in range(1, pack.pages + 1):
        assert page_words(path, page, co_chair.full_name), f"page {page} of {pack.pages} is blank"


def _pages_in_one_process(meeting, person, settings) -> int:
    settings.PACK_RENDER_PROCESSES = 1
    return build(meeting, person).pages


@pytest.mark.parametrize("processes", [1, 4])
def test_nothing_is_outside_the_page_box_and_dates_do_not_wrap(agenda, co_chair, settings, processes) -> None:
    settings.PACK_RENDER_PROCESSES = processes
    path = pack_path(build(agenda, co_chair))
    boxes = run("pdftotext", "-bbox", path, "-")
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes)
    assert words
    outside = [(word, float(left), float(right)) for left, right, word in words
               if float(left) < MARGIN - 0.5 or float(right) > A4_WIDTH - MARGIN + 0.5]  # fmt: skip
    assert outside == []
    text = run("pdftotext", "-layout", path, "-")
    assert text.count("9 Dec 2026") >= 8  # each action's due date, in its case and in the action log, whole


@pytest.mark.parametrize("kind", ["pack", "minutes"])
def test_the_pdf_is_tagged_with_a_title_and_a_language(agenda, co_chair, settings, kind) -> None:
    settings.PACK_RENDER_PROCESSES = 3
    if kind == "minutes":
        with time_machine.travel(agenda.starts_at, tick=False):  # held on its day
            services.confidentiality_confirm(meeting=agenda, by=co_chair)
    path = pack_path(build(agenda, co_chair, kind))
    info = run("pdfinfo", path)
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    title = "Meeting pack: 10 December 2026" if kind == "pack" else "Minutes: 10 December 2026"
    assert re.search(rf"^Title:\s+{title}$", info, re.MULTILINE)
    catalog = PdfReader(io.BytesIO(path.read_bytes())).trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/MarkInfo"]["/Marked"]
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    # The structure covers every part: each case's text is reached through the structure tree.
    structure = run("pdfinfo", "-struct-text", path)
    for case in AgendaItem.objects.filter(meeting=agenda).select_related("case"):
        assert case.case.reference in structure
    assert "H1" in structure
    assert "Page 1 of" not in structure  # the page numbers laid over the pages are artifacts, not text


def test_the_contents_read_each_entry_then_its_page(agenda, co_chair) -> None:
    """A screen reader reads an entry of the contents as its label and its page number, not a
    leader of dots (one "." per dot in the structure tree, as WeasyPrint tags a leader)."""
    structure = run("pdfinfo", "-struct-text", pack_path(build(agenda, co_chair)))
    assert '"."' not in structure
    entry = re.search(r'"Agenda"\s+Link \(inline\)\s+"(\d+)"', structure)
    assert entry
    assert int(entry[1]) > 1


def test_the_contents_links_are_tagged(agenda, co_chair, settings) -> None:
    settings.PACK_RENDER_PROCESSES = 2
    path = pack_path(build(agenda, co_chair))
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    links = [annotation.get_object() for annotation in reader.pages[0]["/Annots"]]
    assert links
    parent_tree = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    keys = {int(parent_tree[index]) for index in range(0, len(parent_tree), 2)}
    for link in links:
        assert int(link["/StructParent"]) in keys
        element = parent_tree[list(parent_tree[::2]).index(link["/StructParent"]) * 2 + 1].get_object()
        assert element["/S"] == "/Link"


def test_a_pack_made_early_lasts_until_after_its_meeting(agenda, co_chair, settings, as_user) -> None:
    """Made 1 December for 10 December: deleted 7 days after the meeting, not after making."""
    settings.PACK_RETENTION_DAYS = 7
    pack = build(agenda, co_chair)
    assert pack.expires_at == agenda.starts_at + timedelta(days=7)
    page = as_user(co_chair).get(reverse("meetings:pack", args=[pack.pk])).content.decode()
    assert "The file will be deleted on 17 December 2026" in page
    assert "kept for 7 days after their meeting" in page


def test_a_pack_made_after_its_meeting_lasts_from_when_it_is_made(agenda, co_chair, settings) -> None:
    settings.PACK_RETENTION_DAYS = 7
    agenda.starts_at = MADE_AT - timedelta(days=20)
    agenda.save(update_fields=["starts_at"])
    pack = build(agenda, co_chair)
    assert pack.expires_at == pack.finished_at + timedelta(days=7)


def test_a_pack_follows_its_meeting_when_the_meeting_moves(agenda, co_chair, coordinator, settings) -> None:
    settings.PACK_RETENTION_DAYS = 7
    pack = build(agenda, co_chair)
    later = agenda.starts_at + timedelta(days=14)
    services.meeting_move(meeting=agenda, starts_at=later, reason="Room not available", by=coordinator)
    pack.refresh_from_db()
    assert pack.expires_at == later + timedelta(days=7)
