"""What keeps pages cheap without changing them (ADR 0039): the cached template loader, select
options, whole fields and summary rows written in one pass, and choices read without model
instances. Each test compares the fast path with what Django (or the template it replaced) writes."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Engine, Template, engines
from django.utils.safestring import mark_safe

from cmarac.accounts.models import Agency
from cmarac.core.forms import GovukDateField, NamedChoiceField
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
        for include in ("status_tag", "overdue_tag"):
            shown = _squeezed(render_to_string(f"actions/includes/{include}.html", {"action": action}))
            assert shown in page, (action.pk, include)
        # latest_update.html was the case's actions' include: it is kept under tests/field_template/.
        old = OLD_CASE_ACTION_ROWS.engine.get_template("actions/includes/latest_update.html")
        assert _squeezed(old.render(Context({"action": action}))) in page, (action.pk, "latest_update")
    assert page.count(">Overdue</strong>") == 1
    assert "Visited &lt;twice&gt; &amp; called" in page
    assert "No updates yet" in page


# --- Fields written in Python show what includes/field.html showed ----------------------------

# The template and its includes as they were (tests/field_template/), in an engine of their own;
# includes/field_error.html, still used by radios_reveal.html, is the service's own.
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
OLD_FIELD = Engine(
    dirs=[str(Path(__file__).parent / "field_template"), str(TEMPLATES)],
    libraries={"govuk_fields": "cmarac.core.templatetags.govuk_fields"},
).get_template("includes/field.html")
NEW_FIELD = engines["django"].from_string('{% include "includes/field.html" %}')


def _tags(html: str) -> str:
    """The HTML with the whitespace between and around tags taken out, which the tag leaves out."""
    return re.sub(r"\s*(<[^>]*>)\s*", r"\1", re.sub(r"\s+", " ", str(html))).strip()


class EveryWidget(forms.Form):
    name = forms.CharField(label="Full <name>", help_text="As on a passport & visa", max_length=20)
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "x"}))
    count = forms.IntegerField(required=False, min_value=0)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    agree = forms.BooleanField(required=False, help_text="Tick to agree")
    colour = forms.ChoiceField(choices=[("", "None"), ("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)
    tags = forms.MultipleChoiceField(
        choices=[("a", "A & B"), ("c", "C")], widget=forms.CheckboxSelectMultiple, required=False
    )
    pick = forms.ChoiceField(choices=[("", "Any"), ("1", "One")], required=False)
    picks = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two")], required=False)
    maybe = forms.NullBooleanField(required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    upload = forms.FileField(required=False)
    when = GovukDateField(name="Date", required=False)
    split = forms.SplitDateTimeField(required=False)
    fixed = forms.CharField(required=False, disabled=True, initial="Kept")


OPTION_SETS = [
    {},
    {"label_size": "m", "input_classes": "govuk-input--width-20", "choices_classes": "govuk-radios--inline"},
    {"label_is_page_heading": True, "field_label": "Asked <here>", "field_hint": "A hint & more"},
    {"input_type": "search", "input_spellcheck": "false", "input_autocomplete": "off", "hide_optional": True},
    {"extra_error": "Enter <both> parts"},
]
POSTED = [
    None,
    {"name": "<Ann>", "email": "not an email", "count": "-1", "agree": "on", "colour": "g", "tags": ["a", "c"],
     "pick": "1", "picks": ["1", "2"], "maybe": "true", "notes": "Line & <one>", "secret": "s3cret",
     "when_day": "31", "when_month": "2", "when_year": "2026", "split_0": "2026-01-01", "split_1": "xx"},
    {"name": "Ann", "colour": "", "when_day": "1", "when_month": "", "when_year": "2020"},
]  # fmt: skip


@pytest.mark.parametrize("options", OPTION_SETS)
@pytest.mark.parametrize("data", POSTED)
def test_every_field_writes_what_the_template_wrote(data: dict | None, options: dict) -> None:
    form = EveryWidget(data)
    form.is_valid()
    for name in form.fields:
        context = {"field": form[name], **options}
        assert _tags(NEW_FIELD.render(context)) == _tags(OLD_FIELD.render(Context(context))), name


def test_a_field_escapes_what_it_is_given() -> None:
    form = EveryWidget({"name": '"><script>', "notes": "</textarea><b>"})
    form.is_valid()
    html = NEW_FIELD.render({"field": form["name"], "extra_error": "<i>x</i>"})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "Full &lt;name&gt;" in html
    assert "<i>" not in html
    assert "</textarea><b>" not in NEW_FIELD.render({"field": form["notes"]})
    assert NEW_FIELD.render({}).strip() == ""  # no field: nothing


# --- Summary list rows written in Python show what includes/summary_list_row.html showed -------

OLD_ROW = Engine(dirs=[str(Path(__file__).parent / "field_template")]).get_template("includes/summary_list_row.html")
NEW_ROW = engines["django"].from_string('{% include "includes/summary_list_row.html" %}')
ROWS = [
    {"row_key": "Agency", "row_value": "Borough <Housing> & Care"},
    {"row_key": "Summary", "row_value": mark_safe("Line one<br>line two")},
    {"row_key": "Count", "row_value": 0},
    {"row_key": "Count", "row_value": 1234},
    {"row_key": "Flag", "row_value": False},
    {"row_key": "Nothing", "row_value": None},
    {"row_key": "Nothing", "row_value": "", "row_empty": "Not <recorded>"},
    {"row_key": "Nothing"},
    {"row_key": "When", "row_value": date(2026, 12, 1)},
    {"row_key": "Moment", "row_value": datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("UTC"))},
    {"row_key": "People", "row_values": ["Ann <A>", "Bob & co"]},
    {"row_key": "People", "row_values": ["Only one"]},
    {"row_key": "People", "row_values": [], "row_value": "fallback"},
    {"row_key": "Email", "row_value": "a@b.example", "row_action_url": "/change/?x=1&y=<2>"},
    {"row_key": "Email", "row_value": "x", "row_action_url": "/c/", "row_action_text": "Edit",
     "row_action_hidden": "the <email>"},
    {"row_key": "Email", "row_value": "x", "row_no_actions": True},
    {"row_key": "Email", "row_value": "x", "row_no_actions": True, "row_action_url": "/c/"},
    {"row_key": None, "row_value": None, "row_action_url": "/c/"},
    {"row_value": "no key", "row_action_url": "/c/"},
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS)
def test_every_summary_row_writes_what_the_template_wrote(row: dict) -> None:
    assert _tags(NEW_ROW.render(row)) == _tags(OLD_ROW.render(Context(row)))


@pytest.mark.parametrize("row", ROWS)
def test_the_summary_row_tag_given_values_writes_what_the_include_given_them_wrote(row: dict) -> None:
    given = " ".join(f"{name}=v.{name}" for name in row)
    tag = engines["django"].from_string(f"{{% load govuk_fields %}}{{% govuk_summary_row {given} %}}")
    include = engines["django"].from_string(f'{{% include "includes/summary_list_row.html" with {given} %}}')
    # The include wrote a line break before and after the row, which a <dl> does not show.
    assert tag.render({"v": row}) == include.render({"v": row}).strip()
    # A value not given is read from the context around it, as the include read it.
    outer = {"v": row, "row_no_actions": True, "row_empty": "From <outside>"}
    assert tag.render(outer) == include.render(outer).strip()


def test_the_summary_row_tags_values_do_not_outlive_the_row() -> None:
    page = engines["django"].from_string(
        '{% load govuk_fields %}{% govuk_summary_row row_key="A" row_value="x" %}[{{ row_key }}{{ row_value }}]'
    )
    assert page.render({}).endswith("[]")


# --- The action list's rows written in Python show what the template loop showed ---------------

OLD_ACTION_ROWS = Engine(
    dirs=[str(Path(__file__).parent / "field_template")], builtins=["cmarac.core.templatetags.govuk_dates"]
).get_template("actions/action_rows.html")
NEW_ACTION_ROWS = engines["django"].from_string("{% load action_rows %}{% action_rows actions today %}")


def _as_shown(html: str) -> str:
    """The HTML as a browser lays it out: runs of whitespace are one space, and none counts at the
    edges of a table's rows and cells or of lists and their items. Spaces between inline elements
    and text stay."""
    html = re.sub(r"\s+", " ", str(html))
    return re.sub(r"\s*(</?(?:tr|td|th|ul|li)(?=[\s>])[^>]*>)\s*", r"\1", html).strip()


def _actions_of_every_kind(case, housing, police, co_chair, housing_lead) -> list:  # type: ignore[no-untyped-def]
    """Four actions on the case: overdue with an officer and two updates (markup in its text),
    due today, due in nine days, and completed long ago."""
    from datetime import timedelta

    from django.utils import timezone

    from actions import services
    from actions.models import Action
    from tests.factories.accounts import AgencyStaffFactory
    from tests.factories.actions import ActionFactory, CompletedActionFactory

    today = timezone.localdate()
    officer = AgencyStaffFactory(agency=housing, full_name="Officer <Olu> & Co")
    made = [
        ActionFactory(case=case, owner=housing, by=co_chair, due_on=today - timedelta(days=3),
                      description="Visit & check the <door> " + "long " * 30, officer=officer),
        ActionFactory(case=case, owner=police, by=co_chair, due_on=today, description='Say "hello"'),
        ActionFactory(case=case, owner=housing, by=co_chair, due_on=today + timedelta(days=9)),
        CompletedActionFactory(case=case, owner=housing, by=co_chair, due_on=today - timedelta(days=40)),
    ]  # fmt: skip
    for text in ("Visited <twice> & called; " + "then wrote again " * 10, "The newest update"):
        made[0].refresh_from_db()
        services.action_update(
            action=made[0], by=housing_lead, status=Action.Status.IN_PROGRESS, revision=made[0].revision, text=text
        )
    return made


@pytest.mark.django_db
def test_the_action_lists_rows_written_in_python_show_what_the_loop_showed(
    housing_case, housing, police, co_chair, housing_lead
) -> None:
    from django.utils import timezone

    from actions.models import Action
    from actions.selectors import action_list_rows

    today = timezone.localdate()
    made = _actions_of_every_kind(housing_case, housing, police, co_chair, housing_lead)
    ids = [action.pk for action in made]
    rows = action_list_rows(ids)
    assert [a.pk for a in rows] == ids
    assert {a.is_overdue(today) for a in rows} == {True, False}
    assert {bool(a.latest_update) for a in rows} == {True, False}
    assert {a.officer_name is None for a in rows} == {True, False}
    assert rows[0].latest_update[0] == "The newest update"
    # The loop was given model instances with `overdue` and `latest_update` set by the view.
    instances = list(Action.objects.select_related("case", "owner", "officer").order_by("pk"))
    for action in instances:
        action.overdue = action.is_overdue(today)
        action.latest_update = action.updates.order_by("-at", "-pk").first()
    assert [a.pk for a in instances] == ids
    new = NEW_ACTION_ROWS.render({"actions": rows, "today": today})
    assert _as_shown(new) == _as_shown(OLD_ACTION_ROWS.render(Context({"actions": instances})))
    assert new.count("<tr ") == 4
    assert "&lt;door&gt;" in new
    assert "Officer &lt;Olu&gt; &amp; Co" in new
    assert "<door>" not in new
    assert NEW_ACTION_ROWS.render({"actions": [], "today": today}) == ""


@pytest.mark.parametrize("prefix", ["/", "/partnership/"])
def test_a_path_maker_gives_what_reverse_gives(prefix: str) -> None:
    from django.urls import reverse, set_script_prefix

    from cmarac.core.paths import path_maker

    set_script_prefix(prefix)
    try:
        for name, keys in [("cases:detail", ["CM-2026-0001", "cm-1", "A B", "x%y", "é"]),
                           ("actions:detail", [1, 7039512468, 123456789012])]:  # fmt: skip
            path = path_maker(name)
            for key in keys:
                assert path(key) == reverse(name, args=[key]), (name, key)
    finally:
        set_script_prefix("/")


# --- The case list's rows written in Python show what the template loop showed -----------------

OLD_CASE_ROWS = Engine(
    dirs=[str(Path(__file__).parent / "field_template")], builtins=["cmarac.core.templatetags.govuk_dates"]
).get_template("cases/case_rows.html")
NEW_CASE_ROWS = engines["django"].from_string("{% load case_rows %}{% case_rows cases %}")


@pytest.mark.django_db
def test_the_case_lists_rows_written_in_python_show_what_the_loop_showed(housing) -> None:
    from cmarac.cases.models import Case, CaseSubject
    from cmarac.cases.selectors import cases_by_ids
    from tests.factories.cases import CaseFactory, PersonFactory

    made = [CaseFactory(risk_level=risk) for risk in ("high", "medium", "standard", "high")]
    flags = [
        {"is_repeat": True, "asb_case_review_threshold_reached": True, "lead_agency": housing},
        {"asb_case_review_potential": True},
        {"is_repeat": True, "asb_case_review_potential": True, "status": "closed", "closed_on": date(2026, 1, 5)},
        {},
    ]
    for case, changes in zip(made, flags, strict=True):
        Case.objects.filter(pk=case.pk).update(**changes)
    CaseSubject.objects.filter(case=made[3]).delete()
    CaseSubject.objects.create(
        case=made[0], person=PersonFactory(given_name="Ann <A>", family_name="O'Neil & Co"), role="victim"
    )
    ids = [case.pk for case in made]
    rows = cases_by_ids(ids)
    assert [case.pk for case in rows] == ids
    assert len(rows[3].subjects) == 0
    assert max(len(case.subjects) for case in rows) >= 2
    assert {case.lead_agency_name is None for case in rows} == {True, False}
    # The loop was given model instances, its subjects and their people prefetched.
    instances = Case.objects.select_related("lead_agency").prefetch_related("subjects__person").order_by("pk")
    assert [case.pk for case in instances] == ids
    new = NEW_CASE_ROWS.render({"cases": rows})
    assert _as_shown(new) == _as_shown(OLD_CASE_ROWS.render(Context({"cases": instances})))
    assert new.count("<tr ") == len(made) == Case.objects.count()
    assert "Ann &lt;A&gt; O&#x27;Neil &amp; Co" in new
    assert NEW_CASE_ROWS.render({"cases": []}) == ""


# --- The meetings list's rows written in Python show what the template loop showed -------------

OLD_MEETING_ROWS = Engine(
    dirs=[str(Path(__file__).parent / "field_template")], builtins=["cmarac.core.templatetags.govuk_dates"]
).get_template("meetings/includes/meeting_rows.html")
NEW_MEETING_ROWS = engines["django"].from_string(
    "{% load meeting_rows %}{% meeting_rows meetings is_coordinator changeable %}"
)


@pytest.mark.django_db
@pytest.mark.parametrize("is_coordinator", [True, False])
def test_the_meetings_lists_rows_written_in_python_show_what_the_loop_showed(is_coordinator: bool) -> None:
    from datetime import timedelta

    from meetings.models import Meeting
    from meetings.views.helpers import CHANGEABLE
    from tests.factories.meetings import MeetingFactory

    made = [
        MeetingFactory(venue="Room <2> & annexe"),
        MeetingFactory(venue="", online_link="https://meet.example/abc", kind="extraordinary", status="held"),
        MeetingFactory(venue="", status="agenda-published"),
        MeetingFactory(venue="", status="cancelled"),
    ]
    Meeting.objects.filter(pk=made[0].pk).update(starts_at=made[0].starts_at.replace(month=7, hour=12, minute=0))
    Meeting.objects.filter(pk=made[3].pk).update(starts_at=made[3].starts_at + timedelta(minutes=35))
    meetings = list(Meeting.objects.filter(pk__in=[m.pk for m in made]).order_by("pk"))
    for n, meeting in enumerate(meetings):
        meeting.visible_items = n * 7
    context = {"meetings": meetings, "is_coordinator": is_coordinator, "changeable": CHANGEABLE}
    new = NEW_MEETING_ROWS.render(context)
    assert _as_shown(new) == _as_shown(OLD_MEETING_ROWS.render(Context(context)))
    assert new.count("<tr ") == 4
    assert "Room &lt;2&gt; &amp; annexe" in new
    assert ("/change/" in new) is is_coordinator


# --- A meeting page's agenda rows written in Python show what the template loop showed ----------

OLD_AGENDA_ROWS = Engine(
    dirs=[str(Path(__file__).parent / "field_template")], builtins=["cmarac.core.templatetags.govuk_dates"]
).get_template("meetings/includes/agenda_rows.html")
NEW_AGENDA_ROWS = engines["django"].from_string("{% load meeting_rows %}{% agenda_rows rows meeting is_chair %}")


@pytest.mark.django_db
@pytest.mark.parametrize("is_chair", [True, False])
def test_a_meeting_pages_agenda_rows_written_in_python_show_what_the_loop_showed(
    is_chair: bool, housing, police
) -> None:
    from django.urls import reverse

    from meetings.models import AgendaItem
    from tests.factories.accounts import AgencyFactory
    from tests.factories.cases import CaseFactory
    from tests.factories.meetings import MeetingFactory

    meeting = MeetingFactory()
    odd = AgencyFactory(name="Tenants <&> Residents")
    items = [
        AgendaItem.objects.create(meeting=meeting, case=CaseFactory(), item_type=kind, minutes_allotted=minutes)
        for kind, minutes in (("new", 10), ("review", 0), ("new", 25))
    ]
    rows = [
        {"item": items[0], "invitations": [{"agency": housing, "shared": True}, {"agency": odd, "shared": False}],
         "own_invitation": {"agency": housing, "shared": True}},
        {"item": items[1], "invitations": [{"agency": police, "shared": False}],
         "own_invitation": {"agency": police, "shared": False}},
        {"item": items[2], "invitations": [], "own_invitation": None},
    ]  # fmt: skip
    context = {"rows": rows, "meeting": meeting, "is_chair": is_chair}
    new = NEW_AGENDA_ROWS.render(context)
    assert _as_shown(new) == _as_shown(OLD_AGENDA_ROWS.render(Context(context)))
    assert new.count("<tr ") == 3
    assert ("Tenants &lt;&amp;&gt; Residents" in new) is is_chair
    assert ("View what agencies shared" in new) is is_chair
    assert new.count("Share what your agency holds") == 2
    assert reverse("meetings:information", args=[meeting.pk, items[1].pk]) in new
    assert reverse("cases:detail", args=[items[2].case.reference]) in new
    assert NEW_AGENDA_ROWS.render({"rows": [], "meeting": meeting, "is_chair": is_chair}) == ""


# --- A case's timeline written in Python shows what the template loop showed -------------------


def _blocks_as_shown(html: str) -> str:
    """As _as_shown, and no whitespace counts at the edges of blocks (divisions, paragraphs, headings)."""
    return re.sub(r"\s*(</?(?:div|p|h3)(?=[\s>])[^>]*>)\s*", r"\1", _as_shown(html))


OLD_TIMELINE = Engine(
    dirs=[str(Path(__file__).parent / "field_template")], builtins=["cmarac.core.templatetags.govuk_dates"]
).get_template("cases/timeline.html")
NEW_TIMELINE = engines["django"].from_string("{% load case_timeline %}{% case_timeline events %}")


@pytest.mark.django_db
def test_a_cases_timeline_written_in_python_shows_what_the_loop_showed(co_chair) -> None:
    from cmarac.cases.models import CaseEvent
    from cmarac.cases.selectors import case_page_history
    from tests.factories.cases import CaseFactory

    case = CaseFactory()
    london = ZoneInfo("Europe/London")
    made = [
        # An actor and a description of several lines holding markup; summer time; midday.
        (
            "discussed",
            "First line <b>&</b>\nsecond line\n\nafter a blank",
            co_chair,
            datetime(2026, 7, 1, 12, 0, tzinfo=london),
        ),
        ("risk-changed", "", co_chair, datetime(2026, 1, 5, 9, 30, tzinfo=london)),  # no description
        ("added-to-agenda", "By nobody", None, datetime(2025, 12, 31, 0, 0, tzinfo=london)),  # no actor; midnight
    ]
    for kind, description, actor, moment in made:
        CaseEvent.objects.create(case=case, kind=kind, description=description, actor=actor, occurred_at=moment)
    events = case_page_history(case)["events"]
    assert len(events) >= len(made)
    new = NEW_TIMELINE.render({"events": events})
    assert _blocks_as_shown(new) == _blocks_as_shown(OLD_TIMELINE.render(Context({"events": events})))
    assert new.count('class="moj-timeline__item"') == len(events)
    assert "First line &lt;b&gt;&amp;&lt;/b&gt;<br>second line<br><br>after a blank" in new
    assert '<time datetime="2026-07-01T12:00:00+01:00">1 July 2026 at midday</time>' in new
    assert new.count("moj-timeline__byline") == sum(1 for event in events if event["actor"])
    assert new.count("moj-timeline__description") == sum(1 for event in events if event["description"])
    assert NEW_TIMELINE.render({"events": []}) == ""


# --- A table of one case's actions written in Python shows what the template loop showed --------

OLD_CASE_ACTION_ROWS = Engine(
    dirs=[str(Path(__file__).parent / "field_template"), str(TEMPLATES)],
    builtins=["cmarac.core.templatetags.govuk_dates"],
).get_template("actions/case_action_rows.html")
NEW_CASE_ACTION_ROWS = engines["django"].from_string(
    "{% load action_rows %}{% case_action_rows actions show_review review_next %}"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("show_review", "review_next"), [(False, ""), (True, ""), (True, "/meetings/3/screen/?item=7&x=a b")]
)
def test_a_cases_actions_written_in_python_show_what_the_loop_showed(
    housing_case, housing, police, co_chair, housing_lead, show_review: bool, review_next: str
) -> None:
    from django.db.models import Prefetch
    from django.utils import timezone

    from actions.models import Action, ActionUpdate
    from actions.selectors import action_table_rows

    today = timezone.localdate()
    made = _actions_of_every_kind(housing_case, housing, police, co_chair, housing_lead)
    case_actions = Action.objects.filter(case=housing_case).order_by("pk")
    rows = action_table_rows(case_actions)
    assert [row.pk for row in rows] == [action.pk for action in made]
    assert {row.is_overdue(today) for row in rows} == {True, False}
    assert {row.is_open for row in rows} == {True, False}
    # The loop read model instances, their owner and officer joined and updates prefetched.
    updates = Prefetch("updates", queryset=ActionUpdate.objects.order_by("-at", "-pk"))
    instances = list(case_actions.select_related("owner", "officer").prefetch_related(updates))
    context = {"show_review": show_review, "review_next": review_next}
    new = NEW_CASE_ACTION_ROWS.render({**context, "actions": rows})
    assert _as_shown(new) == _as_shown(OLD_CASE_ACTION_ROWS.render(Context({**context, "actions": instances})))
    assert new.count("<tr ") == 4
    assert new.count(">Review<") == (3 if show_review else 0)
    assert "The newest update" in new
    assert "Visit &amp; check the &lt;door&gt;" in new
    assert "Officer &lt;Olu&gt; &amp; Co" in new
    assert NEW_CASE_ACTION_ROWS.render({**context, "actions": []}) == ""


# --- The triage list's rows written in Python show what the template loop showed ---------------

OLD_REFERRAL_ROWS = Engine(
    dirs=[str(Path(__file__).parent / "field_template"), str(TEMPLATES)],
    builtins=["cmarac.core.templatetags.govuk_dates"],
).get_template("referrals/triage_rows.html")
NEW_REFERRAL_ROWS = engines["django"].from_string("{% load referral_rows %}{% referral_rows referrals tab %}")


@pytest.mark.django_db
@pytest.mark.parametrize("tab", ["waiting", "decided"])
def test_the_triage_lists_rows_written_in_python_show_what_the_loop_showed(tab, police_referrer, coordinator) -> None:
    from referrals import services
    from referrals.lists import triage_rows
    from referrals.models import Referral, ReferralSubject
    from tests.referral_builders import submitted_referral

    made = [submitted_referral(police_referrer) for _ in range(4)]
    Referral.objects.filter(pk=made[0].pk).update(is_repeat=True, is_late=True, score=21, risk_level="high")
    Referral.objects.filter(pk=made[1].pk).update(accepted_as_urgent=True, risk_level="medium")
    Referral.objects.filter(pk=made[2].pk).update(referring_agency=None, meeting_date=None)
    ReferralSubject.objects.filter(referral=made[3]).delete()
    ReferralSubject.objects.filter(referral=made[0]).update(given_name="Ann <A>", family_name="O'Neil & Co")
    services.referral_accept(referral=made[1], by=coordinator)
    services.referral_decline(referral=made[3], by=coordinator, reason="Not for the panel.")
    ids = [referral.pk for referral in made]
    rows = triage_rows(ids)
    assert [referral.pk for referral in rows] == ids
    # The loop was given whole instances, their agency and subjects read with them.
    instances = Referral.objects.select_related("referring_agency").prefetch_related("subjects").order_by("pk")
    new = NEW_REFERRAL_ROWS.render({"referrals": rows, "tab": tab})
    assert _as_shown(new) == _as_shown(OLD_REFERRAL_ROWS.render(Context({"referrals": instances, "tab": tab})))
    assert new.count("<tr ") == len(made)
    assert "Ann &lt;A&gt; O&#x27;Neil &amp; Co" in new
    assert ("Accepted, " in new) is (tab == "decided")
    assert NEW_REFERRAL_ROWS.render({"referrals": [], "tab": tab}) == ""


# truncate_chars (cmarac/core/text.py) against Django's truncatechars filter, which the action rows
# used: short, exact, one over and long text, combining characters, emoji, text already ending in
# an ellipsis, and a language whose ellipsis Django translates differently.
TRUNCATED = [
    "", "a", "a" * 59, "a" * 60, "a" * 61, "a" * 200, "e\u0301" * 50, "é" * 81, "…" * 90, "x…", "ab…cd" * 30,
    "\U0001f600" * 85, "a" * 78 + "…", "a" * 79 + "…b", "Housing officers could not gain entry " * 4,
]  # fmt: skip


@pytest.mark.parametrize("language", ["en-gb", "fr", "ja"])
@pytest.mark.parametrize("length", [-1, 0, 1, 2, 3, 60, 80, 100])
def test_truncate_chars_cuts_text_as_django_does(language, length) -> None:
    from django.template.defaultfilters import truncatechars
    from django.utils import translation

    from cmarac.core.text import truncate_chars

    with translation.override(language):
        for text in TRUNCATED:
            assert truncate_chars(text, length) == truncatechars(text, length), (text, length)
