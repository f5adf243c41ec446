"""What keeps pages cheap without changing them (ADR 0039): the cached template loader, select
options written in one pass, and choices read without model instances. Each test compares the
fast path with what Django (or the template it replaced) writes."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Template, engines

from cmarac.accounts.models import Agency
from cmarac.core.forms import NamedChoiceField
from cmarac.core.templatetags.govuk_fields import select_options
from tests.factories.accounts import AgencyFactory

# The loop includes/field.html used before select_options, kept here to compare against.
OLD_LOOP = Template(
    "{% for option in field.subwidgets %}\n"
    "        <option value=\"{{ option.data.value|default_if_none:''|stringformat:'s' }}\""
    "{% if option.data.selected %} selected{% endif %}>{{ option.data.label }}</option>\n"
    "      {% endfor %}"
)


def old_options(field: forms.BoundField) -> str:
    return OLD_LOOP.render(Context({"field": field}))


def test_templates_are_parsed_once_per_process() -> None:
    loaders = engines["django"].engine.loaders
    assert loaders[0][0] == "django.template.loaders.cached.Loader"


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("a", "Apple & pear"), ("b", "<Banana>")], required=False)
    grouped = forms.ChoiceField(
        choices=[("", "Any"), ("Fruit", [("a", "Apple"), ("b", "Banana")]), ("c", "Cherry")], required=False
    )
    many = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two"), ("3", "Three")], required=False)
    maybe = forms.NullBooleanField(required=False)
    repeated = forms.ChoiceField(choices=[("x", "First x"), ("x", "Second x")], required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b", "grouped": "b", "many": ["1", "3"], "maybe": "true", "repeated": "x"},
        {"plain": "zzz", "grouped": "", "many": [], "maybe": "false"},
    ],
)
def test_select_options_write_what_the_template_loop_wrote(data: dict | None) -> None:
    form = Choices(data)
    for name in form.fields:
        assert select_options(form[name]) == old_options(form[name]), name


def test_the_options_escape_labels_and_values() -> None:
    html = select_options(Choices()["plain"])
    assert "Apple &amp; pear" in html
    assert "&lt;Banana&gt;" in html


class AgencyChoice(forms.Form):
    named = NamedChoiceField(queryset=Agency.objects.none(), required=False, empty_label="Any agency")
    model = forms.ModelChoiceField(queryset=Agency.objects.none(), required=False, empty_label="Any agency")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in ("named", "model"):
            self.fields[name].queryset = Agency.objects.filter(is_active=True)


@pytest.mark.django_db
def test_named_choices_offer_and_accept_what_a_model_choice_field_does() -> None:
    agency, other_agency, _ = AgencyFactory(name="Borough <Housing> & Care"), AgencyFactory(), AgencyFactory()
    Agency.objects.filter(pk=other_agency.pk).update(is_active=False)
    form = AgencyChoice({"named": str(agency.pk), "model": str(agency.pk)})
    assert select_options(form["named"]) == select_options(form["model"])
    assert select_options(form["named"]) == old_options(form["model"])
    assert f'value="{agency.pk}" selected>' in select_options(form["named"])
    assert f'value="{other_agency.pk}"' not in select_options(form["named"])
    assert form.is_valid()
    assert form.cleaned_data["named"] == agency
    refused = AgencyChoice({"named": str(other_agency.pk)})
    assert not refused.is_valid()
    assert "named" in refused.errors


# --- List rows written out in the loop show what the includes showed -------------------------


def _squeezed(text: str) -> str:
    return " ".join(text.split()).replace("> <", "><")


@pytest.mark.django_db
def test_the_action_lists_rows_show_what_the_tag_includes_show(
    housing_case, housing, co_chair, housing_lead, as_user
) -> None:
    from datetime import timedelta

    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import timezone

    from actions import services
    from actions.models import Action
    from tests.factories.actions import ActionFactory

    today = timezone.localdate()
    late = ActionFactory(case=housing_case, owner=housing, by=co_chair, due_on=today - timedelta(days=3))
    quiet = ActionFactory(case=housing_case, owner=housing, by=co_chair, due_on=today + timedelta(days=3))
    services.action_update(
        action=late, by=housing_lead, status=Action.Status.IN_PROGRESS, text="Visited <twice> & called",
        revision=late.revision,
    )  # fmt: skip
    page = _squeezed(as_user(co_chair).get(reverse("actions:list")).content.decode())
    for action in Action.objects.filter(pk__in=[late.pk, quiet.pk]).prefetch_related("updates"):
        for include in ("status_tag", "overdue_tag", "latest_update"):
            shown = _squeezed(render_to_string(f"actions/includes/{include}.html", {"action": action}))
            assert shown in page, (action.pk, include)
    assert page.count(">Overdue</strong>") == 1
    assert "Visited &lt;twice&gt; &amp; called" in page
    assert "No updates yet" in page
