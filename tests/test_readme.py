"""The README's promises hold: its links, commands and addresses exist, and what it says the demo
shows is what the demo shows (each number is read from the README, so the two cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.web.demo import PEOPLE
from cmarac.web.demo_cases import CASES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
WORDS = {"none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13}  # fmt: skip


def number(word: str) -> int:
    return int(word) if word.isdigit() else WORDS[word.lower()]


def test_every_link_in_the_readme_is_to_a_file_in_the_repository() -> None:
    links = re.findall(r"\]\(([^)#]+)\)", README)
    local = [link for link in links if not link.startswith(("http://", "https://", "mailto:"))]
    assert local
    for link in local:
        assert (ROOT / link).exists(), link


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    named = set(re.findall(r"(?:`|^)make ([a-z][a-z-]*)", README, flags=re.MULTILINE))
    assert {"run", "test"} <= named
    assert named <= targets, named - targets


def test_every_address_the_readme_names_is_a_page_of_the_service() -> None:
    paths = set(re.findall(r"`(/[a-z][a-z/-]*/)`", README))
    assert "/manage/role-requests/" in paths
    for path in paths:
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"the README names {path}, which is not a page")


def test_every_package_on_the_readme_map_exists() -> None:
    block = README.split("## Map", 1)[1].split("```")[1]
    top = re.findall(r"^([a-z][a-z_.]*/?)\s", block, flags=re.MULTILINE)
    nested = re.findall(r"^  ([a-z]+)/\s", block, flags=re.MULTILINE)
    assert "cmarac/" in top
    for name in top:
        assert (ROOT / name).exists(), name
    for name in nested:
        assert (ROOT / "cmarac" / name).is_dir(), name


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded_demo")
@pytest.mark.xdist_group("seeded-demo-readme")
class TestWhatTheReadmeSaysOfTheDemo:
    """Checked against the demo partnership, seeded once for the class."""

    def test_the_demo_sign_ins_are_the_demo_people(self) -> None:
        table = README.split("## Demo sign-ins", 1)[1].split("##", 1)[0]
        emails = re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE)
        assert sorted(emails) == sorted(person.email for person in PEOPLE)
        assert User.objects.filter(email__in=emails, is_active=True).count() == len(emails)

    def test_what_the_readme_says_each_demo_person_sees_is_what_the_demo_shows(self) -> None:
        from cmarac.cases.models import Case
        from meetings.models import AgendaItem, Meeting

        said = re.search(
            r"a dozen\s+invented cases spread across agencies: the housing lead sees (\w+) of them,"
            r" the fire lead\s+(\w+), a co-chair all (\w+), the referrer (\w+)\.",
            README,
        )
        assert said, "the README no longer says what each demo person sees"
        dozen = Case.objects.filter(summary__in=[case.summary for case in CASES])
        assert dozen.count() == len(CASES) == 12

        def sees(email: str) -> int:
            return dozen.visible_to(User.objects.get(email=email)).count()

        seen = [sees(f"{who}@demo.cmarac.test") for who in ("lead.housing", "lead.fire", "chair.police", "referrer")]
        assert seen == [number(word) for word in said.groups()]

        on_agenda = re.search(r"(\w+) cases are already on it", README)
        assert on_agenda
        upcoming = Meeting.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
        assert AgendaItem.objects.filter(meeting=upcoming).count() == number(on_agenda.group(1))
        before = Meeting.objects.filter(starts_at__lt=upcoming.starts_at).order_by("-starts_at").first()
        assert before.status == Meeting.Status.HELD  # "already held, with its minutes circulated but not yet approved"
        assert before.minutes_status == Meeting.MinutesStatus.CIRCULATED
