"""The GOV.UK date input (cmarac.core.forms.GovukDateField): day, month and year boxes, the Design
System's error messages, the parts in error marked, and the error summary linking to the first of
them; and the pages that ask for a date read the three boxes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from cmarac.cases.models import Person
from cmarac.core.forms import GovukDateField

pytestmark = pytest.mark.django_db


class BirthForm(forms.Form):
    born = GovukDateField(label="Date of birth", when="past", example_offset=None)


class DueForm(forms.Form):
    due = GovukDateField(label="Due date", required=False, when="today_or_future")


def parts(prefix: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{prefix}_day": day, f"{prefix}_month": month, f"{prefix}_year": year}


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "first_invalid"),
    [
        ("", "", "", "Enter the date of birth", "day"),
        ("12", "", "1985", "Date of birth must include a month", "month"),
        ("", "", "1985", "Date of birth must include a day and month", "day"),
        ("12", "3", "", "Date of birth must include a year", "year"),
        ("31", "2", "1985", "Date of birth must be a real date", "day"),
        ("12", "13", "1985", "Date of birth must be a real date", "month"),
        ("1x", "3", "1985", "Date of birth must be a real date", "day"),
        ("\u0663", "3", "1985", "Date of birth must be a real date", "day"),  # an Arabic-Indic digit
        ("12", "3", "85", "Date of birth: the year must include 4 numbers", "year"),
        ("12", "3", "2999", "Date of birth must be in the past", "day"),
    ],
)
def test_each_problem_has_the_design_system_message_and_marks_its_part(day, month, year, message, first_invalid):
    form = BirthForm(parts("born", day, month, year))
    assert not form.is_valid()
    assert form.errors["born"] == [message]
    assert form["born"].id_for_label == f"id_born_{first_invalid}"


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [("27", "3", "1985"), ("27", "03", "1985"), (" 27 ", "Mar", "1985"), ("27", "march", "1985")],
)
def test_a_real_date_is_read_with_leading_zeros_spaces_and_month_names(day, month, year):
    form = BirthForm(parts("born", day, month, year))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["born"] == date(1985, 3, 27)


def test_an_optional_date_left_empty_is_none_and_rules_apply_to_a_given_one():
    empty = DueForm(parts("due", "", "", ""))
    assert empty.is_valid()
    assert empty.cleaned_data == {"due": None}
    past = DueForm(parts("due", "1", "1", "2000"))
    assert past.errors["due"] == ["Due date must be today or in the future"]
    today = timezone.localdate()
    assert DueForm(parts("due", str(today.day), str(today.month), str(today.year))).is_valid()


def test_an_older_link_with_one_iso_date_is_still_read():
    assert BirthForm({"born": "1985-03-27"}).is_valid()
    assert BirthForm({"born": "1985-13-27"}).errors["born"] == ["Date of birth must be a real date"]


def render(form: forms.Form) -> str:
    template = Template(
        '{% include "includes/error_summary.html" with form=form %}{% include "includes/field.html" with field=field %}'
    )
    return template.render(Context({"form": form, "field": form["born"]}))


def error_marked(html: str) -> list[str]:
    return re.findall(r'class="govuk-input govuk-date-input__input[^"]*govuk-input--error" id="(\w+)"', html)


def test_the_date_input_is_three_labelled_boxes_in_a_fieldset_with_an_example():
    html = render(BirthForm(initial={"born": date(1985, 3, 27)}))
    assert '<fieldset class="govuk-fieldset" role="group" aria-describedby="id_born-hint">' in html
    assert "For example, 27 3 1985." in html
    for part, value, width in (("day", 27, 2), ("month", 3, 2), ("year", 1985, 4)):
        label = f'<label class="govuk-label govuk-date-input__label" for="id_born_{part}">{part.capitalize()}</label>'
        assert label in html
        assert (
            f'class="govuk-input govuk-date-input__input govuk-input--width-{width}" id="id_born_{part}" '
            f'name="born_{part}" type="text" inputmode="numeric" value="{value}"'
        ) in html
    assert 'type="date"' not in html
    assert error_marked(html) == []


def test_a_part_in_error_is_marked_alone_and_the_summary_links_to_it():
    form = BirthForm(parts("born", "12", "", "1985"))
    form.is_valid()
    html = render(form)
    assert '<a href="#id_born_month">Date of birth must include a month</a>' in html
    assert error_marked(html) == ["id_born_month"]
    assert 'aria-describedby="id_born-hint id_born-error"' in html
    assert 'value="12"' in html  # what was typed is kept
    assert 'value="1985"' in html


def test_a_whole_date_error_marks_all_three_and_links_to_the_day():
    form = BirthForm(parts("born", "12", "3", "2999"))
    form.is_valid()
    html = render(form)
    assert '<a href="#id_born_day">Date of birth must be in the past</a>' in html
    assert error_marked(html) == ["id_born_day", "id_born_month", "id_born_year"]


def test_no_form_of_the_service_uses_the_browser_date_input():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for pattern in ("*/**/forms*.py", "templates/**/*.html")
        for path in root.glob(pattern)
        if ".venv" not in path.parts
        and "admin" not in path.name
        and re.search(r"""type["']?\s*[:=]\s*["']date["']|forms\.DateInput|forms\.DateField\(""", path.read_text())
    ]
    assert offenders == []


PERSON = {
    "role": "victim",
    "given_name": "Wren",
    "family_name": "Oakridge",
    "gender": "not-known",
    "postcode": "db4 1ax",
}


def test_a_case_subject_date_of_birth_is_saved_from_the_three_boxes(housing_case, coordinator, as_user):
    client = as_user(coordinator)
    url = reverse("cases:subject-add", args=[housing_case.reference])
    page = client.get(url).content.decode()
    assert 'name="date_of_birth_month"' in page
    response = client.post(url, {**PERSON, **parts("date_of_birth", "27", "3", "1985")})
    assert response.status_code == 302
    assert Person.objects.get(given_name="Wren").date_of_birth == date(1985, 3, 27)


def test_a_case_subject_with_half_a_date_of_birth_saves_nothing(housing_case, coordinator, as_user):
    before = Person.objects.count()
    response = as_user(coordinator).post(
        reverse("cases:subject-add", args=[housing_case.reference]),
        {**PERSON, **parts("date_of_birth", "27", "", "1985")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_date_of_birth_month">Date of birth must include a month</a>' in html
    assert Person.objects.count() == before


def test_the_audit_trail_filters_by_dates_given_in_three_boxes(auditor, as_user):
    client = as_user(auditor)
    response = client.get(
        reverse("audit:trail"), {**parts("date_from", "2", "5", "2026"), **parts("date_to", "1", "5", "2026")}
    )
    assert response.context["form"].cleaned_data["date_from"] == date(2026, 5, 2)
    assert "The end date must be the same as or after the start date" in response.content.decode()
    response = client.get(reverse("audit:trail"), parts("date_from", "2", "", "2026"))
    assert '<a href="#id_date_from_month">Start date must include a month</a>' in response.content.decode()
