"""Records of processing: each agency's information sharing agreement, lapses shown to the
coordinator, and the co-chairs told once per lapse."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import Agency
from cmarac.governance.sharing import sharing_lapses_notify, sharing_state
from cmarac.governance.sharing_models import SharingLapseNotice
from tests.conftest import CAST
from tests.factories.accounts import AgencyFactory
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

SHARING = reverse("governance:sharing")


def dated(agency: Agency, *, renew_by: date | None, signed_on: date | None = None) -> Agency:
    agency.sharing_agreement_signed_on = signed_on or (renew_by - timedelta(days=365) if renew_by else None)
    agency.confidentiality_statement_signed_on = agency.sharing_agreement_signed_on
    agency.sharing_agreement_renew_by = renew_by
    agency.save()
    return agency


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def lapsed(police: Agency, today: date) -> Agency:
    return dated(police, renew_by=today - timedelta(days=3))


@pytest.fixture
def due_soon(housing: Agency, today: date) -> Agency:
    return dated(housing, renew_by=today + timedelta(days=30))


@pytest.mark.parametrize("person", CAST)
def test_the_auditor_and_coordinators_see_the_agreements(person, request, as_user) -> None:
    response = as_user(request.getfixturevalue(person)).get(SHARING)
    assert response.status_code == (200 if person in ("auditor", "coordinator") else 403)


def test_each_agency_with_its_dates_and_state(lapsed, due_soon, fire, today, auditor, as_user) -> None:
    dated(fire, renew_by=today + timedelta(days=31))
    AgencyFactory(name="Unsigned Agency")
    html = as_user(auditor).get(SHARING).content.decode()
    assert f"{lapsed.sharing_agreement_renew_by:%-d %B %Y}" in html
    assert f"{due_soon.confidentiality_statement_signed_on:%-d %B %Y}" in html
    assert html.count(">Lapsed<") == 1
    assert html.count(">Due within 30 days<") == 1
    assert html.count(">In force<") == 1
    assert html.count(">Not signed<") == 1
    assert "The agreement of 1 agency has lapsed" in html


def test_the_state_on_the_boundaries(police: Agency, today: date) -> None:
    assert not sharing_state(dated(police, renew_by=today), today).lapsed
    assert sharing_state(dated(police, renew_by=today), today).due_soon
    assert sharing_state(dated(police, renew_by=today - timedelta(days=1)), today).lapsed
    assert not sharing_state(dated(police, renew_by=today + timedelta(days=31)), today).due_soon


def test_the_page_takes_the_same_queries_however_many_agencies(auditor, as_user, django_assert_num_queries) -> None:
    client = as_user(auditor)
    AgencyFactory()
    # session, user, OTP device, roles, agencies; the session saved (savepoint, update, release)
    with django_assert_num_queries(8):
        client.get(SHARING)
    AgencyFactory.create_batch(5)
    with django_assert_num_queries(8):
        client.get(SHARING)


def test_the_coordinators_home_page_names_lapsed_agencies(lapsed, due_soon, coordinator, co_chair, as_user) -> None:
    html = as_user(coordinator).get(reverse("home")).content.decode()
    assert "Information sharing agreement lapsed: Partnership Policing Team." in html
    assert "Council Housing." not in html
    assert "agreement lapsed" not in as_user(co_chair).get(reverse("home")).content.decode()


def test_inactive_agencies_are_left_out(lapsed, coordinator, as_user) -> None:
    lapsed.is_active = False
    lapsed.save()
    assert "agreement lapsed" not in as_user(coordinator).get(reverse("home")).content.decode()


def test_the_co_chairs_are_told_once_per_lapse(lapsed, due_soon, co_chair, coordinator, today) -> None:
    assert sharing_lapses_notify(today=today) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [co_chair.email]
    assert "Partnership Policing Team" in message.body
    assert "Council Housing" not in message.body
    assert reverse("governance:sharing") in message.body
    # Again: nothing new to tell.
    assert sharing_lapses_notify(today=today) == 0
    assert len(mail.outbox) == 1
    # Signed again, then lapsed again: a new lapse, told again.
    dated(lapsed, renew_by=today - timedelta(days=1))
    assert sharing_lapses_notify(today=today) == 1
    assert len(mail.outbox) == 2
    assert SharingLapseNotice.objects.count() == 2


def test_nothing_is_marked_told_while_there_is_nobody_to_tell(lapsed, today) -> None:
    assert sharing_lapses_notify(today=today) == 0
    assert not SharingLapseNotice.objects.exists()


def test_a_failed_email_is_tried_again(lapsed, co_chair, today, monkeypatch) -> None:
    from cmarac.governance import sharing

    def failing(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(sharing, "send_mail", failing)
    with pytest.raises(OSError, match="mail server down"):
        sharing_lapses_notify(today=today)
    assert not SharingLapseNotice.objects.exists()
    monkeypatch.undo()
    assert sharing_lapses_notify(today=today) == 1


def test_the_command_and_the_daily_job(lapsed, co_chair, settings, capsys) -> None:
    call_command("sharing_notify_lapses")
    assert "1 lapsed agreement told to the co-chairs" in capsys.readouterr().out
    call_command("sharing_notify_lapses")
    assert "0 lapsed agreements" in capsys.readouterr().out
    assert len(mail.outbox) == 1
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "governance.notify_lapsed_sharing_agreements" in tasks
    from cmarac.governance.tasks import notify_lapsed_sharing_agreements

    assert notify_lapsed_sharing_agreements.delay().get() == 0


def test_changing_the_dates_in_the_admin_is_audited(police: Agency, coordinator, client) -> None:
    from auditlog.models import LogEntry

    verified_login(client, coordinator)
    url = reverse("admin:accounts_agency_change", args=[police.pk])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form.initial.get(name) is None else form.initial[name] for name in form.fields}
    data.update(
        lead="", deputy="", sharing_agreement_signed_on="2026-01-05", confidentiality_statement_signed_on="2026-01-06",
        sharing_agreement_renew_by="2027-01-05",
    )  # fmt: skip
    data["members_see_cases"] = "on"
    data["is_active"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    police.refresh_from_db()
    assert police.sharing_agreement_renew_by == date(2027, 1, 5)
    entry = LogEntry.objects.get_for_object(police).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == coordinator
    assert "sharing_agreement_renew_by" in entry.changes


def test_the_coordinator_is_sent_to_the_agencies_pages_to_change_the_dates(coordinator, auditor, as_user) -> None:
    """Coordinators keep agencies in the service (manage:agencies); the page sent them to the
    Django admin, under the name of the service's own pages."""
    html = as_user(coordinator).get(SHARING).content.decode()
    assert reverse("manage:agencies") in html
    assert reverse("admin:accounts_agency_changelist") not in html
    assert reverse("manage:agencies") not in as_user(auditor).get(SHARING).content.decode()
