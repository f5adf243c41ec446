"""The referrer's side of a referral: start, sections, people, checklist, check answers, send."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cmarac.cases.models import RiskLevel
from referrals import services
from referrals.models import Referral, ReferralAnswer, ReferralSubject
from tests.factories.accounts import ReferrerFactory, UserFactory
from tests.factories.referrals import (
    CompleteDraftReferralFactory,
    DraftReferralFactory,
    SubmittedReferralFactory,
    add_subjects,
    answer_checklist,
    victim,
)
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def url(name: str, referral: Referral, **kwargs: object) -> str:
    return reverse(f"referrals:{name}", kwargs={"referral": referral.reference, **kwargs})


def section_url(referral: Referral, section: str) -> str:
    return url("section", referral, section=section)


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def page_of(response) -> str:
    return response.content.decode()


# --- Starting --------------------------------------------------------------------------


def test_the_start_page_explains_the_criteria_and_deadline_and_creates_nothing(police_referrer, as_user) -> None:
    response = as_user(police_referrer).get(reverse("referrals:new"))
    page = page_of(response)
    assert response.status_code == 200
    for text in ("Who you can refer", "professional judgement", "multi-agency approach", "10 days before", "Start now"):
        assert text in page, text
    assert not Referral.objects.exists()


def test_start_now_creates_a_draft_with_the_referrers_details(police_referrer, police, as_user) -> None:
    response = as_user(police_referrer).post(reverse("referrals:new"))
    referral = Referral.objects.get()
    assert response["Location"] == referral.get_absolute_url()
    assert (referral.status, referral.referrer, referral.referring_agency) == ("draft", police_referrer, police)
    assert referral.contact_email == police_referrer.email


def test_a_person_without_an_agency_is_told_they_need_one(auditor, as_user) -> None:
    client = as_user(auditor)
    for response in (client.get(reverse("referrals:new")), client.post(reverse("referrals:new"))):
        assert response.status_code == 403
        assert "You need an agency on your account" in page_of(response)
    assert not Referral.objects.exists()


# --- Sections --------------------------------------------------------------------------

SECTION_INPUT = {
    "referrer": (
        {"contact_phone": "020 7946 0000", "contact_email": "robin@police.example"},
        {"contact_phone": "020 7946 0000", "contact_email": "robin@police.example"},
    ),
    "concerns": (
        {
            "issue_types": ["hate-crime", "other"],
            "hate_crime_strand": "religion",
            "other_issue": "Graffiti on the door",
            "concerns": "Abuse shouted at the victim",
            "chronology": "Since March",
            "actions_taken": "Warning letter",
            "request_of_panel": "An action plan",
        },
        {
            "issue_types": ["hate-crime", "other"],
            "hate_crime_strand": "religion",
            "other_issue": "Graffiti on the door",
            "concerns": "Abuse shouted at the victim",
            "request_of_panel": "An action plan",
        },
    ),
    "criteria": (
        {
            "criteria": ["criterion_escalation", "criterion_professional_judgement"],
            "professional_judgement_reasons": "X",
        },
        {
            "criterion_escalation": True,
            "criterion_professional_judgement": True,
            "professional_judgement_reasons": "X",
            "criterion_multi_agency": False,
        },
    ),
    "consent": (
        {"consent": "not-asked", "unsafe_to_ask": "on", "sharing_basis": "prevent-crime", "sharing_justification": "J"},
        {"consent": "not-asked", "unsafe_to_ask": True, "sharing_basis": "prevent-crime", "sharing_justification": "J"},
    ),
}


@pytest.mark.parametrize("section", SECTION_INPUT)
def test_each_section_saves_and_returns_to_the_task_list(section, police_referrer, police, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    data, expected = SECTION_INPUT[section]
    if section == "referrer":
        data = {**data, "referring_agency": police.pk}
    client = as_user(police_referrer)
    assert client.get(section_url(referral, section)).status_code == 200
    response = client.post(section_url(referral, section), {**data, "revision": referral.revision})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert response["Location"] == referral.get_absolute_url()
    saved = fresh(referral)
    for name, value in expected.items():
        assert getattr(saved, name) == value, name
    assert saved.revision == referral.revision + 1


def test_a_change_link_from_check_answers_returns_there(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    response = as_user(police_referrer).post(
        section_url(referral, "concerns") + "?from=check", {"concerns": "Noise", "revision": referral.revision}
    )
    assert response["Location"] == url("check", referral)


@pytest.mark.parametrize(
    ("section", "data", "message"),
    [
        ("referrer", {"contact_email": "not-an-email", "referring_agency": ""}, "Enter an email address in the"),
        ("referrer", {"contact_phone": "", "contact_email": ""}, "Enter a phone number or an email address"),
        ("concerns", {"issue_types": ["hate-crime"], "concerns": "Abuse"}, "Select what the hate crime is motivated"),
        ("concerns", {"issue_types": ["other"], "concerns": "Abuse"}, "Enter what else is happening"),
        ("concerns", {"issue_types": ["not-a-choice"]}, "Select the issues from the list"),
        (
            "criteria",
            {"criteria": ["criterion_professional_judgement"], "professional_judgement_reasons": "  "},
            "Enter the reasons for your professional judgement",
        ),
        ("consent", {"consent": "no"}, "Select the lawful basis for sharing without consent"),
        ("consent", {"consent": "no", "sharing_basis": "public-task"}, "Enter why sharing without consent is"),
        ("consent", {"consent": "yes", "unsafe_to_ask": "on"}, "if it was unsafe to ask for consent"),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(section, data, message, police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    response = as_user(police_referrer).post(section_url(referral, section), {**data, "revision": referral.revision})
    assert response.status_code == 200
    page = page_of(response)
    assert "govuk-error-summary" in page
    assert message in page.replace("&#x27;", "'")
    assert "<title>Error: " in page
    saved = fresh(referral)
    assert saved.revision == referral.revision  # nothing saved
    assert (saved.issue_types, saved.consent, saved.criterion_professional_judgement) == ([], "", False)


def test_hate_crime_strand_and_other_are_kept_only_with_their_issue(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer, hate_crime_strand="race", other_issue="Old")
    response = as_user(police_referrer).post(
        section_url(referral, "concerns"),
        {"issue_types": ["noise"], "hate_crime_strand": "religion", "other_issue": "x", "revision": referral.revision},
    )
    assert response.status_code == 302
    saved = fresh(referral)
    assert (saved.issue_types, saved.hate_crime_strand, saved.other_issue) == (["noise"], "", "")


def test_professional_judgement_reasons_are_dropped_when_it_is_unticked(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(
        referrer=police_referrer, criterion_professional_judgement=True, professional_judgement_reasons="Because"
    )
    as_user(police_referrer).post(
        section_url(referral, "criteria"),
        {"criteria": ["criterion_multi_agency"], "professional_judgement_reasons": "Because", "revision": 1},
    )
    saved = fresh(referral)
    assert (saved.criterion_multi_agency, saved.criterion_professional_judgement) == (True, False)
    assert saved.professional_judgement_reasons == ""


def test_consent_yes_clears_the_basis_for_sharing_without_it(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(
        referrer=police_referrer, consent="no", sharing_basis="prevent-crime", sharing_justification="J"
    )
    as_user(police_referrer).post(
        section_url(referral, "consent"),
        {"consent": "yes", "sharing_basis": "prevent-crime", "sharing_justification": "J", "revision": 1},
    )
    saved = fresh(referral)
    assert (saved.consent, saved.sharing_basis, saved.sharing_justification) == ("yes", "", "")


def test_criteria_show_the_high_risk_criterion_from_the_score_not_as_an_input(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    page = page_of(client.get(section_url(referral, "criteria")))
    assert "Your checklist is not scored yet: no question has been answered." in page
    assert "criterion_high_risk" not in page
    answer_checklist(referral, "high")
    page = page_of(client.get(section_url(referral, "criteria")))
    assert f"Your checklist score is {fresh(referral).score}: high risk" in page
    # Posting the field anyway changes nothing: the server sets it from the score.
    client.post(section_url(referral, "criteria"), {"criterion_high_risk": "", "revision": fresh(referral).revision})
    assert fresh(referral).criterion_high_risk is True


def test_an_unknown_section_is_not_found(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    assert as_user(police_referrer).get(section_url(referral, "triage-notes")).status_code == 404


# --- A stale form is refused ----------------------------------------------------------


def test_a_stale_form_is_refused_keeps_the_entry_and_can_be_saved_again(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    shown = client.get(section_url(referral, "concerns")).context["form"]["revision"].value()

    # The same referral saved in another tab after this page was shown.
    services.referral_update(referral=referral, by=police_referrer, revision=None, fields={"concerns": "From tab 2"})

    mine = {"concerns": "From tab 1", "request_of_panel": "Help", "revision": shown}
    response = client.post(section_url(referral, "concerns"), mine)
    assert response.status_code == 200
    page = page_of(response)
    assert "govuk-error-summary" in page
    assert "changed somewhere else" in page
    assert fresh(referral).concerns == "From tab 2"  # nothing overwritten
    form = response.context["form"]
    assert form["concerns"].value() == "From tab 1"  # their entry is kept
    assert int(form["revision"].value()) == fresh(referral).revision

    mine["revision"] = form["revision"].value()
    assert client.post(section_url(referral, "concerns"), mine).status_code == 302
    assert fresh(referral).concerns == "From tab 1"


def test_a_stale_send_is_refused(police_referrer, as_user) -> None:
    referral = CompleteDraftReferralFactory(referrer=police_referrer)
    shown = referral.revision
    services.referral_update(referral=referral, by=police_referrer, revision=None, fields={"concerns": "Newer"})
    response = as_user(police_referrer).post(url("check", referral), {"revision": shown})
    assert response.status_code == 200
    assert "changed somewhere else" in page_of(response)
    assert fresh(referral).status == Referral.Status.DRAFT


# --- People ---------------------------------------------------------------------------

PERSON = {"role": "victim", "given_name": "Wren", "family_name": "Oakridge", "gender": "not-known", "postcode": "n78qt"}


def test_adding_changing_and_removing_people(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    assert "Add a person" in page_of(client.get(url("subjects", referral)))

    response = client.post(url("subject-add", referral), {**PERSON, "revision": referral.revision})
    assert response["Location"] == url("subjects", referral)
    wren = ReferralSubject.objects.get(referral=referral)
    assert (wren.full_name, wren.postcode, wren.role) == ("Wren Oakridge", "N7 8QT", "victim")

    child = {**PERSON, "role": "child", "given_name": "Kit", "date_of_birth": "2018-04-01", "revision": ""}
    child["revision"] = fresh(referral).revision
    client.post(url("subject-add", referral), child)
    page = page_of(client.get(url("subjects", referral)))
    assert "You have added 2 people" in page
    assert "Do you need to add another person?" in page
    assert "Kit Oakridge (child in household)" in page

    changed = {**PERSON, "given_name": "Wrenna", "revision": fresh(referral).revision}
    assert client.post(url("subject-edit", referral, subject_id=wren.pk), changed).status_code == 302
    assert ReferralSubject.objects.get(pk=wren.pk).given_name == "Wrenna"

    assert "Are you sure you want to remove Wrenna Oakridge?" in page_of(
        client.get(url("subject-remove", referral, subject_id=wren.pk))
    )
    response = client.post(url("subject-remove", referral, subject_id=wren.pk), {"revision": fresh(referral).revision})
    assert response["Location"] == url("subjects", referral)
    assert list(referral.subjects.values_list("given_name", flat=True)) == ["Kit"]


def test_add_another_yes_goes_to_add_and_no_to_the_task_list(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    add_subjects(referral, [victim("Ada")])
    client = as_user(police_referrer)
    assert client.post(url("subjects", referral), {"add_another": "yes"})["Location"] == url("subject-add", referral)
    assert client.post(url("subjects", referral), {"add_another": "no"})["Location"] == referral.get_absolute_url()
    response = client.post(url("subjects", referral), {})
    assert "Select yes if you need to add another person" in page_of(response)


def test_a_person_needs_a_first_name_and_a_role(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    response = as_user(police_referrer).post(
        url("subject-add", referral), {"given_name": "", "gender": "not-known", "revision": referral.revision}
    )
    page = page_of(response).replace("&#x27;", "'")
    assert "Enter the person's first name" in page
    assert "Select the person's role" in page
    assert not ReferralSubject.objects.exists()


def test_a_person_of_another_referral_is_not_found(police_referrer, as_user) -> None:
    mine = DraftReferralFactory(referrer=police_referrer)
    other = DraftReferralFactory(referrer=police_referrer)
    (theirs,) = add_subjects(other, [victim("Ada")])
    client = as_user(police_referrer)
    assert client.get(url("subject-edit", mine, subject_id=theirs.pk)).status_code == 404
    assert client.post(url("subject-remove", mine, subject_id=theirs.pk), {"revision": 0}).status_code == 404
    assert ReferralSubject.objects.filter(pk=theirs.pk).exists()


# --- The checklist --------------------------------------------------------------------


def _checklist_post(referral: Referral, label: str, count: int | None = None) -> dict[str, object]:
    data: dict[str, object] = {"revision": fresh(referral).revision, "raised_level": "keep"}
    for question in list(referral.checklist.questions.prefetch_related("options"))[:count]:
        data[f"q{question.pk}"] = next(o.pk for o in question.options.all() if o.label == label)
    return data


def test_the_checklist_is_grouped_by_section_and_saves_a_part_answered_draft(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    page = page_of(client.get(section_url(referral, "checklist")))
    for section in referral.checklist.questions.values_list("section", flat=True).distinct():
        assert f'<h2 class="govuk-heading-m">{section}</h2>' in page.replace("&#x27;", "'")

    response = client.post(section_url(referral, "checklist"), _checklist_post(referral, "Yes", count=3))
    assert response.status_code == 302
    saved = fresh(referral)
    assert ReferralAnswer.objects.filter(referral=referral).count() == 3
    assert saved.score == sum(ReferralAnswer.objects.filter(referral=referral).values_list("score", flat=True))
    task_list = page_of(client.get(referral.get_absolute_url()))
    assert f"Score {saved.score}" in task_list
    assert "In progress" in task_list


def test_saving_the_checklist_can_show_the_score_on_the_page(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    response = client.post(section_url(referral, "checklist"), {**_checklist_post(referral, "Yes"), "show_score": "1"})
    assert response["Location"].startswith(section_url(referral, "checklist"))
    saved = fresh(referral)
    assert (saved.scored_level, saved.criterion_high_risk) == (RiskLevel.HIGH, True)
    page = page_of(client.get(response["Location"]))
    assert f"Your checklist score is {saved.score}: high risk" in page


def test_raising_the_level_needs_a_reason_and_cannot_keep_or_lower_it(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    data = {**_checklist_post(referral, "No"), "raised_level": "high", "level_raised_reason": ""}
    response = client.post(section_url(referral, "checklist"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["level_raised_reason"] == ["Enter why you are raising the risk level"]
    assert not ReferralAnswer.objects.filter(referral=referral).exists()  # nothing saved

    answer_checklist(referral, "high")
    data = {**_checklist_post(referral, "Yes"), "raised_level": "medium", "level_raised_reason": "Worried"}
    response = client.post(section_url(referral, "checklist"), data)
    assert "raised_level" in response.context["form"].errors
    assert "govuk-error-summary" in page_of(response)

    referral = DraftReferralFactory(referrer=police_referrer)
    data = {**_checklist_post(referral, "No"), "raised_level": "high", "level_raised_reason": "Weapon seen"}
    assert client.post(section_url(referral, "checklist"), data).status_code == 302
    saved = fresh(referral)
    assert (saved.scored_level, saved.raised_level, saved.risk_level) == ("standard", "high", "high")


# --- The task list --------------------------------------------------------------------


def _statuses(client, referral: Referral) -> dict[str, str]:
    tasks = client.get(referral.get_absolute_url()).context["tasks"]
    return {item["task"].slug: item["status"] for item in tasks}


def test_the_task_list_shows_each_sections_status(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    assert _statuses(client, referral) == {
        "referrer": "Completed",  # filled in from the account
        "subjects": "Not started",
        "concerns": "Not started",
        "checklist": "Not started",
        "criteria": "Not started",
        "consent": "Not started",
    }
    page = page_of(client.get(referral.get_absolute_url()))
    assert "Cannot start yet" in page
    assert url("check", referral) not in page

    services.referral_update(referral=referral, by=police_referrer, revision=None, fields={"concerns": "Abuse"})
    add_subjects(referral, [victim("Ada")])
    answer_checklist(referral, "standard", count=2)
    statuses = _statuses(client, referral)
    assert (statuses["concerns"], statuses["subjects"], statuses["checklist"]) == (
        "Incomplete",
        "Completed",
        "In progress",
    )

    complete = CompleteDraftReferralFactory(referrer=police_referrer)
    assert set(_statuses(client, complete).values()) == {"Completed"}
    assert url("check", complete) in page_of(client.get(complete.get_absolute_url()))


def test_a_referral_sent_back_shows_the_coordinators_question(police_referrer, coordinator, as_user) -> None:
    referral = SubmittedReferralFactory(referrer=police_referrer)
    services.referral_request_information(referral=referral, by=coordinator, question="Is there a dog at the flat?")
    response = as_user(police_referrer).get(referral.get_absolute_url())
    page = page_of(response)
    assert "More information requested" in page
    assert "Is there a dog at the flat?" in page
    assert "tasks" in response.context  # the referrer can change it again


# --- Check answers and sending ---------------------------------------------------------


def test_check_answers_lists_everything_with_change_links(police_referrer, as_user) -> None:
    referral = CompleteDraftReferralFactory(
        referrer=police_referrer,
        issue_types=["hate-crime"],
        hate_crime_strand="disability",
        criterion_professional_judgement=True,
        professional_judgement_reasons="The victim is very isolated",
        consent="no",
        sharing_basis="vital-interests",
        sharing_justification="To protect the victim",
    )
    response = as_user(police_referrer).get(url("check", referral))
    page = page_of(response).replace("&#x27;", "'")
    subjects = list(referral.subjects.all())
    for text in (
        police_referrer.full_name,
        referral.referring_agency.name,
        referral.contact_email,
        *(subject.full_name for subject in subjects),
        "Alleged perpetrator",
        "Hate crime",
        "Disability",
        referral.concerns,
        referral.chronology,
        referral.actions_taken,
        referral.request_of_panel,
        "The victim is very isolated",
        "To protect someone's vital interests",
        "To protect the victim",
        *referral.checklist.questions.values_list("text", flat=True),
        f"{fresh(referral).score}",
        "Accept and send",
        "the information you have given is accurate",
        "you are sharing it lawfully",
    ):
        assert text in page, text
    assert section_url(referral, "concerns") + "?from=check" in page
    assert url("subject-edit", referral, subject_id=subjects[0].pk) + "?from=check" in page
    assert LogEntry.objects.filter(additional_data__what="Referral check answers").exists()


def test_sending_moves_the_referral_to_submitted_with_a_meeting_date(police_referrer, as_user) -> None:
    referral = CompleteDraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    response = client.post(url("check", referral), {"revision": referral.revision})
    assert response["Location"] == url("submitted", referral)
    saved = fresh(referral)
    assert saved.status == Referral.Status.SUBMITTED
    assert saved.meeting_date is not None
    assert saved.submitted_at is not None
    page = page_of(client.get(url("submitted", referral)))
    assert "Referral sent" in page
    assert referral.reference in page
    assert saved.meeting_date.astimezone(LONDON).strftime("%-d %B %Y") in page
    assert "What happens next" in page


def test_sending_an_incomplete_referral_lists_the_sections_to_finish(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    response = as_user(police_referrer).post(url("check", referral), {"revision": referral.revision})
    assert response.status_code == 200
    page = page_of(response)
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    assert f'href="{url("subjects", referral)}"' in page
    assert f'href="{section_url(referral, "checklist")}"' in page
    assert "People involved: Add at least one person" in page
    assert fresh(referral).status == Referral.Status.DRAFT


def test_a_late_referral_says_so_on_the_confirmation(police_referrer, as_user) -> None:
    # The second Thursday of June 2031 is the 12th; its deadline is 10:00 on 2 June.
    referral = SubmittedReferralFactory(referrer=police_referrer, submitted_at=datetime(2031, 6, 5, 9, tzinfo=LONDON))
    assert referral.is_late
    page = page_of(as_user(police_referrer).get(url("submitted", referral)))
    assert "Thursday 10 July 2031" in page
    assert "arrived after the deadline" in page


def test_after_sending_the_edit_pages_lead_to_the_summary(police_referrer, as_user) -> None:
    referral = SubmittedReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    subject = referral.subjects.first()
    for path in _edit_paths(referral, subject.pk):
        response = client.post(path, {"revision": referral.revision, "concerns": "Changed"})
        assert response["Location"] == referral.get_absolute_url(), path
    assert fresh(referral).concerns != "Changed"
    response = client.get(referral.get_absolute_url())
    assert "tasks" not in response.context
    assert "Submitted" in page_of(response)


# --- My referrals ---------------------------------------------------------------------


def test_my_referrals_shows_only_mine_newest_first(police_referrer, as_user) -> None:
    older = SubmittedReferralFactory(referrer=police_referrer, subjects=[victim("Orla", "Quaintance")])
    newer = DraftReferralFactory(referrer=police_referrer)
    someone_elses = SubmittedReferralFactory(subjects=[victim("Hidden", "Person")])
    response = as_user(police_referrer).get(reverse("referrals:mine"))
    page = page_of(response)
    assert [r.reference for r in response.context["referrals"]] == [newer.reference, older.reference]
    assert "Orla Quaintance" in page
    assert someone_elses.reference not in page
    assert "Hidden Person" not in page
    entry = LogEntry.objects.filter(additional_data__what="My referrals").latest("pk")
    assert entry.changes["shown"] == [newer.reference, older.reference]


@pytest.mark.parametrize("rows", [2, 20])
def test_my_referrals_query_count_does_not_grow_with_rows(rows, police_referrer, as_user, django_assert_num_queries):
    for _ in range(rows):
        CompleteDraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    # 1 session, 2 user with their agency (page header), 3 their second-factor device, 4 the user's
    # roles (navigation), 5 count of referrals (paginator), 6 the page of referrals, 7 their subjects
    # (one prefetch for all rows), 8 the audit log entry, 9-11 the session saved on every
    # request (sliding timeout), in its savepoint
    with django_assert_num_queries(11):
        response = client.get(reverse("referrals:mine"))
    assert len(response.context["referrals"]) == rows


def test_a_sent_referral_s_page_counts_its_answers_from_what_it_reads(
    police_referrer, as_user, django_assert_num_queries
) -> None:
    referral = SubmittedReferralFactory(referrer=police_referrer)
    questions = referral.checklist.questions.count()
    assert referral.answers.count() == questions > 0
    ReferralAnswer.objects.filter(referral=referral, question=referral.checklist.questions.last()).delete()
    client = as_user(police_referrer)
    # 1 session, 2 user with their agency, 3 second-factor device, 4 roles, 5 the referral, 6 the
    # audit log entry, 7 its people, 8 its answers, 9 the checklist's questions, 10-12 the session
    # saved. The questions answered are counted from 8 and 9, not asked again (two counts more).
    with django_assert_num_queries(12):
        response = client.get(reverse("referrals:detail", args=[referral.reference]))
    assert response.context["answered_text"] == f"{questions - 1} of {questions}"
    assert f"{questions - 1} of {questions}" in response.content.decode()


# --- Who may see what -----------------------------------------------------------------


def _edit_paths(referral: Referral, subject_id: int) -> list[str]:
    return [
        *(section_url(referral, section) for section in ("referrer", "concerns", "criteria", "consent", "checklist")),
        url("subjects", referral),
        url("subject-add", referral),
        url("subject-edit", referral, subject_id=subject_id),
        url("subject-remove", referral, subject_id=subject_id),
        url("check", referral),
    ]


def _all_paths(referral: Referral, subject_id: int) -> list[str]:
    return [url("detail", referral), url("submitted", referral), *_edit_paths(referral, subject_id)]


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_another_referrer_gets_not_found_on_every_page(state, police_referrer, housing_lead, as_user) -> None:
    factory = DraftReferralFactory if state == "draft" else SubmittedReferralFactory
    referral = factory(referrer=police_referrer)
    (subject,) = add_subjects(referral, [victim("Ada")]) if state == "draft" else referral.subjects.all()[:1]
    client = as_user(housing_lead)
    for path in _all_paths(referral, subject.pk):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"revision": fresh(referral).revision}).status_code == 404, path
    assert fresh(referral).status == state
    assert ReferralSubject.objects.filter(pk=subject.pk).exists()
    assert LogEntry.objects.filter(additional_data__refused=True).count() == 2 * len(_all_paths(referral, 0))


def test_a_missing_reference_is_not_found_like_someone_elses(police_referrer, as_user) -> None:
    assert as_user(police_referrer).get(reverse("referrals:detail", args=["RF-2000-9999"])).status_code == 404


def test_nobody_sees_another_persons_draft(police_referrer, co_chair, coordinator, client) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    for person in (co_chair, coordinator):
        verified_login(client, person)
        assert client.get(referral.get_absolute_url()).status_code == 404


def test_a_co_chair_sees_a_sent_referral_read_only_and_cannot_edit_it(police_referrer, co_chair, as_user) -> None:
    referral = SubmittedReferralFactory(referrer=police_referrer)
    subject = referral.subjects.first()
    client = as_user(co_chair)
    response = client.get(referral.get_absolute_url())
    assert response.status_code == 200
    page = page_of(response)
    assert "tasks" not in response.context
    assert subject.full_name in page
    assert url("triage", referral) in page
    assert "Change<span" not in page
    for path in _edit_paths(referral, subject.pk):
        assert client.get(path).status_code == 403, path
        assert client.post(path, {"revision": referral.revision}).status_code == 403, path
    assert fresh(referral).revision == referral.revision
    entry = LogEntry.objects.filter(additional_data__what="Referral page").latest("pk")
    assert (entry.actor, entry.additional_data["referral"]) == (co_chair, referral.reference)


def test_the_referrer_sees_the_decision_and_the_case_they_may_see(police_referrer, coordinator, as_user) -> None:
    declined = SubmittedReferralFactory(referrer=police_referrer)
    services.referral_decline(referral=declined, by=coordinator, reason="Not ASB: a civil boundary dispute")
    accepted = SubmittedReferralFactory(referrer=police_referrer)
    case = services.referral_accept(referral=accepted, by=coordinator)
    client = as_user(police_referrer)
    assert "Not ASB: a civil boundary dispute" in page_of(client.get(declined.get_absolute_url()))
    page = page_of(client.get(accepted.get_absolute_url()))
    assert "Accepted" in page
    assert case.get_absolute_url() not in page  # a referrer without agency membership does not see cases
    assert url("triage", accepted) not in page


def test_user_text_is_escaped(police_referrer, as_user) -> None:
    referral = CompleteDraftReferralFactory(
        referrer=police_referrer, concerns="<script>alert(1)</script>", subjects=[victim("<b>Bold</b>")]
    )
    client = as_user(police_referrer)
    for path in (url("check", referral), url("subjects", referral), reverse("referrals:mine")):
        page = page_of(client.get(path))
        assert "<script>alert(1)</script>" not in page
        assert "<b>Bold</b>" not in page


def test_a_new_referrer_without_roles_but_with_an_agency_may_refer(as_user) -> None:
    practitioner = UserFactory(roles=())
    response = as_user(practitioner).post(reverse("referrals:new"))
    assert response.status_code == 302
    assert Referral.objects.get().referrer == practitioner


def test_the_referrer_section_keeps_an_agency_made_inactive_since(as_user) -> None:
    referrer = ReferrerFactory()
    referral = DraftReferralFactory(referrer=referrer)
    agency = referrer.agency
    agency.is_active = False
    agency.save(update_fields=["is_active"])
    response = as_user(referrer).post(
        section_url(referral, "referrer"),
        {"contact_email": "a@b.example", "referring_agency": agency.pk, "revision": referral.revision},
    )
    assert response.status_code == 302


def test_a_stale_person_form_is_refused_and_keeps_the_entry(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    shown = referral.revision
    add_subjects(referral, [victim("Ada")])  # added in another tab
    response = as_user(police_referrer).post(url("subject-add", referral), {**PERSON, "revision": shown})
    assert response.status_code == 200
    assert "changed somewhere else" in page_of(response)
    assert response.context["form"]["given_name"].value() == "Wren"
    assert list(referral.subjects.values_list("given_name", flat=True)) == ["Ada"]


def test_a_referral_sent_back_can_be_changed_and_sent_again(police_referrer, coordinator, as_user) -> None:
    referral = SubmittedReferralFactory(referrer=police_referrer)
    services.referral_request_information(referral=referral, by=coordinator, question="Which flat?")
    client = as_user(police_referrer)
    revision = fresh(referral).revision
    data = {"concerns": "Flat 4", "request_of_panel": "Plan", "issue_types": ["drugs"], "revision": revision}
    assert client.post(section_url(referral, "concerns"), data).status_code == 302
    response = client.post(url("check", referral), {"revision": fresh(referral).revision})
    assert response["Location"] == url("submitted", referral)
    assert (fresh(referral).status, fresh(referral).concerns) == (Referral.Status.SUBMITTED, "Flat 4")


def test_pages_with_personal_data_are_audited(police_referrer, as_user) -> None:
    referral = CompleteDraftReferralFactory(referrer=police_referrer)
    subject = referral.subjects.first()
    client = as_user(police_referrer)
    for path in (
        referral.get_absolute_url(),
        section_url(referral, "concerns"),
        url("subjects", referral),
        url("subject-edit", referral, subject_id=subject.pk),
        url("check", referral),
    ):
        before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=police_referrer).count()
        client.get(path)
        after = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=police_referrer).count()
        assert after == before + 1, path
