"""The demo partnership: both membership lists, a person for every role, safe to run twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.web.demo import AGENCIES, PEOPLE

pytestmark = pytest.mark.django_db


def test_there_is_no_demo_code_where_demo_data_is_not_allowed(settings) -> None:
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("demo_code")


def test_seed_refuses_when_demo_data_is_not_allowed(settings) -> None:
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_demo_people_are_synthetic() -> None:
    assert all(person.email.endswith("@demo.cmarac.test") for person in PEOPLE)


def _backing_record_missing(involvement) -> bool:
    """Whether nothing in the service stands behind this reason for an agency to see a case."""
    from actions.models import Action
    from cmarac.cases.models import CaseInvolvement
    from meetings.models import AgendaInvitation
    from referrals.models import Referral

    kind, _, number = involvement.source.partition(":")
    case, agency = involvement.case, involvement.agency
    reason = CaseInvolvement.Reason
    if involvement.reason == reason.LEAD:
        return case.lead_agency_id != agency.pk
    if involvement.reason == reason.REFERRED and kind == "referral":
        return not Referral.objects.filter(
            pk=number, case=case, referring_agency=agency, status=Referral.Status.ACCEPTED
        ).exists()
    if involvement.reason == reason.INVITED and kind == "agenda-item":
        return not AgendaInvitation.objects.filter(item_id=number, item__case=case, agency=agency).exists()
    if involvement.reason == reason.ACTION_OWNER and kind == "action":
        return not Action.objects.filter(pk=number, case=case, owner=agency).exists()
    return True  # a reason with no record the pages could withdraw


@pytest.mark.usefixtures("seeded_demo")
@pytest.mark.xdist_group("seeded-demo")
class TestTheSeededDemo:
    """What the demo holds, seeded once for the class (tests/conftest.py, `seeded_demo`)."""

    def test_core_and_flexible_agencies_and_every_role(self) -> None:
        assert Agency.objects.filter(membership=Agency.Membership.CORE).count() >= 9
        assert Agency.objects.filter(membership=Agency.Membership.FLEXIBLE).count() >= 9
        for role in Role:
            assert User.objects.filter(groups__name=role.group_name).exists(), role
        assert Agency.objects.filter(lead__isnull=False).exists()
        assert Agency.objects.filter(deputy__isnull=False).exists()

    def test_seeding_again_changes_nothing_and_prints_the_sign_ins(self, settings, capsys) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from actions.models import Action
        from cmarac.accounts.models import RoleGrant
        from cmarac.cases.models import Case
        from meetings.models import Meeting
        from referrals.models import Referral

        def counts() -> dict[str, int]:
            return {
                "agencies": Agency.objects.count(),
                "people": User.objects.count(),
                "groups": User.groups.through.objects.count(),
                "grants": RoleGrant.objects.count(),
                "devices": TOTPDevice.objects.count(),
                "referrals": Referral.objects.count(),
                "cases": Case.objects.count(),
                "actions": Action.objects.count(),
                "meetings": Meeting.objects.count(),
            }

        before = counts()
        call_command("seed_demo")
        assert counts() == before
        assert (before["agencies"], before["people"]) == (len(AGENCIES), len(PEOPLE))
        out = capsys.readouterr().out
        assert "coordinator@demo.cmarac.test" in out
        assert "Password:" in out
        assert settings.DEMO_TOTP_SECRET in out

    def test_every_demo_login_reaches_its_home_page_with_the_published_demo_key(self, settings, capsys) -> None:
        call_command("demo_code")
        code = capsys.readouterr().out.split()[0]
        for person in PEOPLE:
            client = Client()
            response = client.post(reverse("login"), {"username": person.email, "password": settings.DEMO_PASSWORD})
            assert response["Location"] == f"{reverse('second_factor:verify')}?next=%2F", person.email
            response = client.post(response["Location"], {"code": code, "next": "/"})
            assert response["Location"] == "/", person.email
            assert client.get(reverse("home")).status_code == 200

    def test_the_demo_key_is_an_authenticator_app_key_every_demo_account_has(self, settings) -> None:
        from base64 import b32decode

        from django_otp.plugins.otp_totp.models import TOTPDevice

        demo_key = b32decode(settings.DEMO_TOTP_SECRET).hex()
        assert TOTPDevice.objects.filter(key=demo_key, confirmed=True).count() == len(PEOPLE)

    def test_the_demo_has_a_year_of_meetings_and_an_agenda_agencies_see_in_part(self) -> None:
        from meetings.models import AgendaItem, Meeting

        assert Meeting.objects.count() >= 12
        fire_lead = User.objects.get(email="lead.fire@demo.cmarac.test")
        chair = User.objects.get(email="chair.police@demo.cmarac.test")
        upcoming = Meeting.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
        items = AgendaItem.objects.filter(meeting=upcoming)
        assert items.count() == 7
        assert items.visible_to(fire_lead).count() == 2
        assert items.visible_to(chair).count() == 7

    def test_the_demo_has_a_year_of_history_for_the_report(self) -> None:
        from datetime import timedelta

        from actions.models import Action
        from cmarac.cases.models import Case
        from cmarac.reports.figures import partnership_report, report_tables
        from cmarac.reports.periods import dates_period
        from meetings.models import Meeting
        from referrals.models import Referral

        today = timezone.localdate()
        year_ago = timezone.now() - timedelta(days=365)
        approved = Meeting.objects.filter(status=Meeting.Status.MINUTES_APPROVED, starts_at__lt=timezone.now())
        assert approved.count() >= 11
        assert approved.filter(starts_at__lt=year_ago + timedelta(days=31)).exists()  # reaches back twelve months
        assert Referral.objects.filter(submitted_at__lt=year_ago + timedelta(days=31)).exists()
        assert Case.objects.filter(status=Case.Status.CLOSED, closed_on__lt=today - timedelta(days=180)).exists()
        completed = Action.objects.filter(status=Action.Status.COMPLETED)
        assert any(timezone.localdate(a.closed_at) <= a.due_on for a in completed)
        assert any(timezone.localdate(a.closed_at) > a.due_on for a in completed)
        assert Action.objects.filter(status=Action.Status.NOT_DONE).exists()
        tables = report_tables(partnership_report(dates_period(today - timedelta(days=365), today), today=today))
        assert tables["referrals-by-agency"].total.values[0] >= 24
        assert tables["risk-reduction"].rows[0].values[0] > 0
        assert tables["repeat-rate"].rows[1].values[0] > 0
        assert len(tables["attendance"].rows) >= 8

    def test_seed_roles_are_approved_grants_and_one_request_waits(self) -> None:
        from cmarac.accounts.models import RoleGrant

        assert not RoleGrant.objects.filter(outcome=RoleGrant.Outcome.APPROVED, proposed_by__isnull=False).exists()
        assert RoleGrant.objects.filter(outcome=RoleGrant.Outcome.APPROVED, decided_by__isnull=True).count() >= len(
            PEOPLE
        )
        pending = RoleGrant.objects.get(outcome=RoleGrant.Outcome.PENDING)
        assert pending.role == Role.CO_CHAIR

    def test_every_demo_involvement_has_a_real_record_behind_it(self) -> None:
        """Each agency's access in the demo comes from a referral, a lead nomination, an agenda
        invitation or an action, so every access can be withdrawn through the pages."""
        from cmarac.cases.models import CaseInvolvement

        involvements = list(CaseInvolvement.objects.select_related("case", "agency"))
        assert {i.reason for i in involvements} == set(CaseInvolvement.Reason.values)
        missing = [(i.case.reference, i.agency.short_name, i.reason, i.source) for i in involvements]
        missing = [row for row, i in zip(missing, involvements, strict=True) if _backing_record_missing(i)]
        assert missing == []

    def test_the_demo_carries_a_referrers_potential_asb_case_review_into_its_case(self) -> None:
        from cmarac.cases.models import Case

        flagged = Case.objects.filter(asb_case_review_potential=True)
        assert flagged.exists()
        for case in flagged:
            assert any("asb-case-review" in referral.issue_types for referral in case.referrals.all()), case
