"""Risk checklist pages (/manage/checklists/): co-chairs and coordinators read, coordinators edit."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from referrals import checklists as services
from referrals.checklists import Answer
from referrals.models import ChecklistOption, ChecklistQuestion, ChecklistTemplate
from tests.conftest import CAST
from tests.referral_builders import complete_referral

pytestmark = pytest.mark.django_db

READERS = {"coordinator", "co_chair"}
COORDINATORS = {"coordinator"}


@pytest.fixture
def current() -> ChecklistTemplate:
    return services.checklist_current()


@pytest.fixture
def draft(current: ChecklistTemplate, coordinator) -> ChecklistTemplate:
    return services.checklist_new_version(template=current, by=coordinator)


def _url(name: str, *args: Any) -> str:
    return reverse(f"checklists:{name}", args=args)


def _question_form(question: ChecklistQuestion | None, revision: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"revision": revision, "section": "", "text": "", "help_text": ""}
    if question is not None:
        data |= {"section": question.section, "text": question.text, "help_text": question.help_text}
        for n, option in enumerate(question.options.all(), start=1):
            data |= {f"answer_{n}_label": option.label, f"answer_{n}_score": option.score}
    return data | changes


NEW_QUESTION = {"section": "S", "text": "Q?", "answer_1_label": "Yes", "answer_1_score": 1}


def _snapshot(template: ChecklistTemplate) -> list[Any]:
    template.refresh_from_db()
    rows: list[Any] = [(template.status, template.medium_from, template.high_from, template.introduction)]
    for question in services.checklist_questions(template):
        rows.append((question.pk, question.order, question.section, question.text, question.help_text))
        rows.extend((o.pk, o.order, o.label, o.score) for o in question.options.all())
    return rows


# --- Access -------------------------------------------------------------------------------------


@pytest.fixture
def pages(current, draft) -> list[tuple[str, set[str]]]:
    question = draft.questions.first()
    return [
        (_url("list"), READERS),
        (_url("version", current.pk), READERS),
        (_url("version", draft.pk), READERS),
        (_url("new"), COORDINATORS),
        (_url("thresholds", draft.pk), COORDINATORS),
        (_url("question-add", draft.pk), COORDINATORS),
        (_url("question", draft.pk, question.pk), COORDINATORS),
        (_url("question-remove", draft.pk, question.pk), COORDINATORS),
        (_url("publish", draft.pk), COORDINATORS),
        (_url("discard", draft.pk), COORDINATORS),
    ]


@pytest.mark.parametrize("person", CAST)
def test_every_page_is_for_co_chairs_and_coordinators_only(person: str, request, pages, as_user) -> None:
    client = as_user(request.getfixturevalue(person))
    for url, allowed in pages:
        response = client.get(url)
        assert response.status_code == (200 if person in allowed else 403), url
        if response.status_code == 200:
            assert response.content.decode().count("OFFICIAL-SENSITIVE") >= 2, url


@pytest.mark.parametrize("person", [person for person in CAST if person not in COORDINATORS])
def test_only_coordinators_change_anything(person: str, request, draft, as_user) -> None:
    client = as_user(request.getfixturevalue(person))
    question = draft.questions.first()
    before = _snapshot(draft)
    posts = [
        (_url("thresholds", draft.pk), {"revision": 0, "medium_from": 2, "high_from": 3}),
        (_url("question-add", draft.pk), _question_form(None, 0, **NEW_QUESTION)),
        (_url("question", draft.pk, question.pk), _question_form(question, 0, text="Changed?")),
        (_url("question-move", draft.pk, question.pk), {"revision": 0, "direction": "down"}),
        (_url("question-remove", draft.pk, question.pk), {"revision": 0}),
        (_url("publish", draft.pk), {"revision": 0}),
        (_url("discard", draft.pk), {"revision": 0}),
    ]  # fmt: skip
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.post(_url("new"), {"revision": 1}).status_code == 403
    assert _snapshot(draft) == before
    assert ChecklistTemplate.objects.count() == 2


def test_signed_out_people_are_sent_to_sign_in(client: Client, pages) -> None:
    for url, _ in pages:
        assert client.get(url).status_code == 302, url


def test_missing_versions_and_questions_answer_404(as_user, coordinator, draft) -> None:
    client = as_user(coordinator)
    question = draft.questions.first()
    other = services.checklist_current().questions.first()  # a question of another version
    for url in [
        _url("version", 999999),
        _url("thresholds", 999999),
        _url("question", draft.pk, 999999),
        _url("question", draft.pk, other.pk),
        _url("question-remove", 999999, question.pk),
    ]:
        assert client.get(url).status_code == 404, url


# --- Published versions never change, by any route ----------------------------------------------


@pytest.mark.parametrize("status", ["published", "retired"])
def test_no_page_edits_a_published_or_earlier_version(status, as_user, coordinator, current) -> None:
    template = current
    if status == "retired":
        draft = services.checklist_new_version(template=current, by=coordinator)
        services.checklist_publish(template=draft, by=coordinator, revision=draft.revision)
        template.refresh_from_db()
    client = as_user(coordinator)
    question = template.questions.first()
    before = _snapshot(template)
    routes = [
        (_url("thresholds", template.pk), {"revision": template.revision, "medium_from": 2, "high_from": 3}),
        (_url("question-add", template.pk), _question_form(None, template.revision, **NEW_QUESTION)),
        (_url("question", template.pk, question.pk), _question_form(question, template.revision, text="Changed?")),
        (_url("question-move", template.pk, question.pk), {"revision": template.revision, "direction": "down"}),
        (_url("question-remove", template.pk, question.pk), {"revision": template.revision}),
        (_url("publish", template.pk), {"revision": template.revision}),
        (_url("discard", template.pk), {"revision": template.revision}),
    ]  # fmt: skip
    for url, data in routes:
        if "move" not in url:
            assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    assert _snapshot(template) == before
    page = client.get(_url("version", template.pk)).content.decode()
    assert "Add a question" not in page
    assert "Move up" not in page
    assert "cannot be changed" in page


def test_a_draft_published_while_someone_edits_it_is_not_changed(as_user, coordinator, draft) -> None:
    """The page was fetched as a draft; by the time it is saved, it is published: the service refuses."""
    client = as_user(coordinator)
    question = draft.questions.first()
    services.checklist_publish(template=draft, by=coordinator, revision=draft.revision)
    before = _snapshot(draft)
    ChecklistTemplate.objects.filter(pk=draft.pk).update(status="draft")  # the page's view of it
    from unittest import mock

    real = services._locked_draft

    def published_again(template_id: int, revision: int | None) -> ChecklistTemplate:
        ChecklistTemplate.objects.filter(pk=template_id).update(status="published")
        return real(template_id, revision)

    with mock.patch.object(services, "_locked_draft", published_again):
        response = client.post(_url("question", draft.pk, question.pk), _question_form(question, 2, text="Late?"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "published versions cannot be changed" in page
    assert _snapshot(draft)[1:] == before[1:]  # (the refusal rolled back the publishing, too)


# --- Making, editing, publishing ----------------------------------------------------------------


def test_a_coordinator_makes_edits_and_publishes_a_draft(
    client, as_user, coordinator, current, police_referrer
) -> None:
    before = complete_referral(police_referrer, yes_count=3)
    client = as_user(coordinator)
    response = client.post(_url("new"), {"revision": current.version})
    draft = ChecklistTemplate.objects.get(status="draft")
    assert response.status_code == 302
    assert response["Location"] == _url("version", draft.pk)

    response = client.post(_url("thresholds", draft.pk), {"revision": 0, "medium_from": 1, "high_from": 2})
    assert response.status_code == 302, response.content.decode()[:3000]
    question = draft.questions.order_by("order").first()
    form = _question_form(
        question, 1, text="Has anyone been hurt?", answer_1_score=5, answer_3_label="", answer_3_score=""
    )
    assert client.post(_url("question", draft.pk, question.pk), form).status_code == 302
    answers = {"answer_1_label": "Yes", "answer_1_score": 2, "answer_2_label": "No", "answer_2_score": 0}
    added = _question_form(None, 2, section="Housing", text="Is the tenancy at risk?", **answers)
    assert client.post(_url("question-add", draft.pk), added).status_code == 302
    new_question = draft.questions.get(text="Is the tenancy at risk?")
    assert (
        client.post(_url("question-move", draft.pk, new_question.pk), {"revision": 3, "direction": "up"}).status_code
        == 302
    )
    last = draft.questions.order_by("-order").first()
    assert client.post(_url("question-remove", draft.pk, last.pk), {"revision": 4}).status_code == 302

    page = client.get(_url("publish", draft.pk)).content.decode()
    assert "new referrals use it from now on" in page
    assert f"keep the version they were made with (version {current.version})" in page
    response = client.post(_url("publish", draft.pk), {"revision": 5})
    assert response.status_code == 302

    draft.refresh_from_db()
    question.refresh_from_db()
    assert (draft.status, draft.medium_from, draft.high_from) == ("published", 1, 2)
    assert (question.text, [(o.label, o.score) for o in question.options.all()]) == (
        "Has anyone been hurt?",
        [("Yes", 5), ("No", 0)],
    )
    questions = services.checklist_questions(draft)
    assert questions[-1] == new_question  # moved above the last, which was then removed
    assert last.pk not in [q.pk for q in questions]

    after = complete_referral(police_referrer, yes_count=1)
    before.refresh_from_db()
    assert (before.checklist, after.checklist) == (current, draft)
    assert after.score == 5
    assert after.scored_level == "high"
    # Every change was by the coordinator, in the trail.
    types = [ContentType.objects.get_for_model(m) for m in (ChecklistTemplate, ChecklistQuestion, ChecklistOption)]
    entries = LogEntry.objects.filter(content_type__in=types).exclude(actor=None)
    assert set(entries.values_list("actor", flat=True)) == {coordinator.pk}
    assert entries.filter(content_type=types[1], object_pk=str(last.pk), action=LogEntry.Action.DELETE).exists()
    assert entries.filter(content_type=types[1], action=LogEntry.Action.UPDATE, changes__icontains="hurt").exists()


def test_the_current_version_offers_a_new_draft_to_coordinators(as_user, coordinator, co_chair, current) -> None:
    assert f'href="{_url("new")}"' in as_user(coordinator).get(_url("version", current.pk)).content.decode()
    assert f'href="{_url("new")}"' in as_user(coordinator).get(_url("list")).content.decode()
    assert f'href="{_url("new")}"' not in as_user(co_chair).get(_url("version", current.pk)).content.decode()
    assert f'href="{_url("new")}"' not in as_user(co_chair).get(_url("list")).content.decode()


def test_a_second_draft_is_not_offered(as_user, coordinator, current, draft) -> None:
    client = as_user(coordinator)
    assert _url("new") not in client.get(_url("list")).content.decode()
    assert _url("new") not in client.get(_url("version", current.pk)).content.decode()
    page = client.get(_url("new")).content.decode()
    assert "There is already a draft" in page
    client.post(_url("new"), {"revision": 1})
    assert ChecklistTemplate.objects.filter(status="draft").count() == 1


def test_a_draft_made_from_an_old_page_is_refused(as_user, coordinator, current, draft) -> None:
    services.checklist_publish(template=draft, by=coordinator, revision=draft.revision)
    response = as_user(coordinator).post(_url("new"), {"revision": current.version})  # the page showed version 1
    assert "Someone else changed this draft" in response.content.decode()
    assert not ChecklistTemplate.objects.filter(status="draft").exists()


def test_discarding_a_draft(as_user, coordinator, current, draft) -> None:
    client = as_user(coordinator)
    assert "is deleted" in client.get(_url("discard", draft.pk)).content.decode()
    response = client.post(_url("discard", draft.pk), {"revision": draft.revision})
    assert response.status_code == 302
    assert not ChecklistTemplate.objects.filter(pk=draft.pk).exists()
    current.refresh_from_db()
    assert current.status == "published"


# --- Bad input and stale forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"medium_from": 10, "high_from": 10}, "The high risk score must be more than the medium risk score"),
        ({"medium_from": 0, "high_from": 5}, "Medium risk from score must be a whole number from 1"),
        ({"medium_from": "ten", "high_from": 5}, "Medium risk from score must be a whole number"),
        ({"medium_from": "", "high_from": 5}, "Enter medium risk from score"),
    ],
)
def test_bad_thresholds_show_the_error_summary_and_save_nothing(as_user, coordinator, draft, data, message) -> None:
    before = _snapshot(draft)
    response = as_user(coordinator).post(_url("thresholds", draft.pk), {"revision": 0, **data})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "<title>Error: " in page
    assert message in page
    assert _snapshot(draft) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "Enter the question"),
        ({"section": ""}, "Enter the section"),
        ({"answer_1_score": "-1"}, "Score for answer 1 must be a whole number from 0 to 999"),
        ({"answer_1_score": "2.5"}, "Score for answer 1 must be a whole number"),
        ({"answer_2_score": ""}, "Enter a score for answer 2, 0 or more"),
        ({"answer_1_label": ""}, "Enter the wording of answer 1"),
        ({"answer_2_label": "yes"}, "Answer 2 is worded the same as another answer"),
        (
            {f"answer_{n}_{part}": "" for n in (1, 2, 3) for part in ("label", "score")},
            "Enter at least one answer, with its score",
        ),
    ],
)
def test_bad_questions_show_the_error_summary_and_save_nothing(as_user, coordinator, draft, changes, message) -> None:
    question = draft.questions.first()
    before = _snapshot(draft)
    response = as_user(coordinator).post(
        _url("question", draft.pk, question.pk), _question_form(question, 0, **changes)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert _snapshot(draft) == before


def test_a_stale_question_form_is_refused_and_keeps_what_was_typed(as_user, coordinator, draft) -> None:
    client = as_user(coordinator)
    first, second = services.checklist_questions(draft)[:2]
    assert (
        client.post(_url("question", draft.pk, first.pk), _question_form(first, 0, text="First edit?")).status_code
        == 302
    )
    response = client.post(_url("question", draft.pk, second.pk), _question_form(second, 0, text="Second edit?"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this draft while you were editing it" in page
    assert "Second edit?" in page
    assert 'name="revision" value="1"' in page  # saving again is a deliberate choice
    second.refresh_from_db()
    assert second.text != "Second edit?"


def test_a_stale_threshold_form_shows_what_differs(as_user, coordinator, draft) -> None:
    client = as_user(coordinator)
    assert (
        client.post(_url("thresholds", draft.pk), {"revision": 0, "medium_from": 4, "high_from": 8}).status_code == 302
    )
    response = client.post(_url("thresholds", draft.pk), {"revision": 0, "medium_from": 6, "high_from": 8})
    page = response.content.decode()
    assert "Details that differ" in page
    draft.refresh_from_db()
    assert draft.medium_from == 4


@pytest.mark.parametrize("url_name", ["question-move", "question-remove", "publish", "discard"])
def test_stale_buttons_change_nothing(as_user, coordinator, draft, url_name) -> None:
    client = as_user(coordinator)
    question = services.checklist_questions(draft)[1]
    services.checklist_thresholds_update(
        template=draft, by=coordinator, revision=0, medium_from=3, high_from=9, introduction=""
    )
    before = _snapshot(draft)
    args = (draft.pk, question.pk) if url_name.startswith("question") else (draft.pk,)
    response = client.post(_url(url_name, *args), {"revision": 0, "direction": "up"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Someone else changed this draft" in page
    assert _snapshot(draft) == before


def test_a_move_without_a_direction_is_refused(as_user, coordinator, draft) -> None:
    question = services.checklist_questions(draft)[1]
    before = _snapshot(draft)
    response = as_user(coordinator).post(
        _url("question-move", draft.pk, question.pk), {"revision": 0, "direction": "x"}
    )
    assert "There is a problem" in response.content.decode()
    assert _snapshot(draft) == before


# --- Query counts -------------------------------------------------------------------------------


def _add_questions(draft: ChecklistTemplate, coordinator, count: int) -> None:
    for n in range(count):
        draft.refresh_from_db()
        services.checklist_question_add(
            template=draft,
            by=coordinator,
            revision=draft.revision,
            section=f"Extra {n % 3}",
            text=f"Extra question {n}?",
            help_text="",
            answers=[Answer("Yes", 1), Answer("No", 0), Answer("Not known", 0)],
        )


def test_the_list_query_count_does_not_grow(as_user, coordinator, current, draft, django_assert_num_queries) -> None:
    client = as_user(coordinator)
    client.get(_url("list"))  # the session is created
    # session, user (with their agency, for the header), the second factor's device, user's roles,
    # versions with their question counts, and saving the session (savepoint, update, release)
    with django_assert_num_queries(8):
        client.get(_url("list"))
    services.checklist_discard(template=draft, by=coordinator, revision=draft.revision)
    for _ in range(3):
        newer = services.checklist_new_version(template=services.checklist_current(), by=coordinator)
        _add_questions(newer, coordinator, 2)
        newer.refresh_from_db()
        services.checklist_publish(template=newer, by=coordinator, revision=newer.revision)
    services.checklist_new_version(template=services.checklist_current(), by=coordinator)
    assert ChecklistTemplate.objects.count() == 5
    with django_assert_num_queries(8):
        client.get(_url("list"))


@pytest.mark.parametrize("url_name", ["version", "question"])
def test_the_draft_pages_query_count_does_not_grow(
    as_user, coordinator, draft, url_name, django_assert_num_queries
) -> None:
    client = as_user(coordinator)

    def url() -> str:
        first = services.checklist_questions(draft)[0]
        return _url(url_name, draft.pk) if url_name == "version" else _url(url_name, draft.pk, first.pk)

    address = url()
    client.get(address)
    # version page: session, user (with the header's agency), the second factor's device, user's
    # roles, the version, its questions, their answers, saving the session (3);
    # question page: the same with the question and its answers in place of all questions.
    with django_assert_num_queries(10):
        client.get(address)
    _add_questions(draft, coordinator, 25)
    with django_assert_num_queries(10):
        client.get(address)
    assert draft.questions.count() > 40


# --- Navigation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("person", CAST)
def test_the_home_page_sends_coordinators_to_the_checklist_pages(person: str, request, as_user) -> None:
    page = as_user(request.getfixturevalue(person)).get(reverse("home")).content.decode()
    assert (f'href="{_url("list")}"' in page) is (person in COORDINATORS)
    assert "referrals/checklisttemplate" not in page


def test_the_manage_pages_link_to_the_checklists(as_user, co_chair) -> None:
    page = as_user(co_chair).get(reverse("manage:people")).content.decode()
    assert f'href="{_url("list")}"' in page


def test_the_django_admin_no_longer_edits_checklists(as_user, administrator, coordinator) -> None:
    from django.contrib import admin

    assert not any(model._meta.app_label == "referrals" for model in admin.site._registry)
    assert as_user(coordinator).get("/admin/referrals/checklisttemplate/").status_code == 404
