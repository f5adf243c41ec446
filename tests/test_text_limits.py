"""Every text field a person types is bounded, with a GOV.UK message: the database takes any length."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from django.urls import reverse

from cmarac.cases.forms import PersonForm
from cmarac.cases.models import Person
from meetings.forms import AgencyInformationForm
from referrals.forms import SubjectForm
from referrals.models import Referral

FORM_MODULES = [
    "actions.forms",
    "cmarac.accounts.forms",
    "cmarac.audit.forms",
    "cmarac.cases.forms",
    "meetings.forms",
    "referrals.forms",
    "referrals.forms_triage",
]

# Model TextFields, bounded when the form is made (cmarac.core.forms.limit_text).
BOUNDED_WHEN_MADE = {
    (PersonForm, "address"): 500,
    (PersonForm, "vulnerabilities"): 2000,
    (SubjectForm, "address"): 500,
    (SubjectForm, "vulnerabilities"): 2000,
    (AgencyInformationForm, "research_summary"): 10_000,
    (AgencyInformationForm, "known_risks"): 5_000,
    (AgencyInformationForm, "current_involvement"): 5_000,
}


def every_form() -> list[type[forms.BaseForm]]:
    found = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name
        ]
    return found


@pytest.mark.parametrize("form_class", every_form(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_declared_text_field_has_a_limit(form_class) -> None:
    unbounded = [
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.CharField)
        and field.max_length is None
        and (form_class, name) not in BOUNDED_WHEN_MADE
        and not isinstance(field.widget, forms.PasswordInput)
    ]
    assert unbounded == []


def made(form_class):
    if form_class is SubjectForm:
        return SubjectForm(referral=Referral(revision=0))
    return form_class()


@pytest.mark.parametrize(
    ("form_class", "name"), list(BOUNDED_WHEN_MADE), ids=lambda value: getattr(value, "__name__", value)
)
def test_model_text_fields_are_bounded_with_a_govuk_message(form_class, name) -> None:
    limit = BOUNDED_WHEN_MADE[(form_class, name)]
    form = made(form_class)
    field = form.fields[name]
    assert field.max_length == limit
    assert field.widget.attrs["maxlength"] == str(limit)
    with pytest.raises(forms.ValidationError) as error:
        field.clean("x" * (limit + 1))
    assert error.value.messages == [f"{field.label[0].upper()}{field.label[1:]} must be {limit:,} characters or fewer"]
    assert field.clean("x" * limit) == "x" * limit


@pytest.mark.django_db
def test_a_megabyte_address_is_refused_and_nothing_is_saved(coordinator, housing_case, as_user) -> None:
    people = Person.objects.count()
    response = as_user(coordinator).post(
        reverse("cases:subject-add", args=[housing_case.reference]),
        {"role": "victim", "given_name": "Ada", "address": "1 High Street " * 75_000},
    )
    assert response.status_code == 200
    assert "Address must be 500 characters or fewer" in response.content.decode()
    assert Person.objects.count() == people
