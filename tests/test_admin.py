"""The Django admin is configuration only: it never grants roles, moves agencies or sets passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("person", "status"),
    [("coordinator", 200), ("administrator", 200), ("co_chair", 302), ("housing_lead", 302), ("auditor", 302)],
)
def test_only_staff_reach_the_agency_admin(person: str, status: int, request, as_user) -> None:
    response = as_user(request.getfixturevalue(person)).get(reverse("admin:accounts_agency_changelist"))
    assert response.status_code == status


def test_the_admin_is_marked_and_says_it_is_configuration_only(as_user, administrator) -> None:
    page = as_user(administrator).get(reverse("admin:index")).content.decode()
    assert page.count("OFFICIAL-SENSITIVE") >= 2
    assert "Configuration only" in page
    # The administrator may not manage people (ADR 14): the admin says who does, and links only
    # where they may go. It linked to the people pages, which answered them 403.
    assert reverse("manage:people") not in page
    assert "by the partnership's coordinators and co-chairs" in page
    assert as_user(administrator).get(reverse("manage-hub")).status_code == 200


def test_the_admin_links_a_coordinator_to_the_people_pages(as_user, coordinator) -> None:
    client = as_user(coordinator)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Configuration only" in page
    assert reverse("manage:people") in page
    assert client.get(reverse("manage:people")).status_code == 200


def test_adding_an_agency_in_the_admin_creates_its_group(as_user, administrator) -> None:
    response = as_user(administrator).post(
        reverse("admin:accounts_agency_add"),
        {"name": "Probation Service", "short_name": "probation", "kind": "probation", "membership": "flexible"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agency.objects.get(short_name="probation").group.name == "Agency: probation"


def test_the_agency_admin_cannot_name_a_lead(as_user, administrator, housing, housing_lead, fire_lead) -> None:
    form = {"name": housing.name, "short_name": housing.short_name, "kind": housing.kind, "membership": "core"}
    response = as_user(administrator).post(
        reverse("admin:accounts_agency_change", args=[housing.pk]),
        {**form, "lead": fire_lead.pk, "deputy": "", "seen_revision": housing.revision},
    )
    assert response.status_code == 302
    housing.refresh_from_db()
    assert housing.lead_id == housing_lead.pk


def test_the_administrator_cannot_give_itself_a_role_in_the_admin(as_user, administrator, co_chair) -> None:
    """Issue 12: the administrator added the co-chair role to its own account in the admin."""
    client = as_user(administrator)
    co_chair_group = co_chair.groups.get(name=Role.CO_CHAIR.group_name)
    response = client.post(
        reverse("admin:accounts_user_change", args=[administrator.pk]),
        {
            "full_name": administrator.full_name,
            "groups": [co_chair_group.pk],
            "is_superuser": "on",
            "seen_revision": administrator.revision,
        },
    )
    assert response.status_code == 403
    person = User.objects.get(pk=administrator.pk)
    assert person.roles == {Role.ADMINISTRATOR}
    assert not person.is_superuser


def test_a_staff_coordinator_cannot_change_roles_agency_or_status_in_the_admin(as_user, coordinator, fire) -> None:
    client = as_user(coordinator)
    page = client.get(reverse("admin:accounts_user_change", args=[coordinator.pk])).content.decode()
    for field in (
        'name="groups"',
        'name="user_permissions"',
        'name="is_superuser"',
        'name="is_staff"',
        'name="password',
    ):
        assert field not in page
    assert 'name="agency"' not in page
    co_chair_group_pk = Group.objects.get(name=Role.CO_CHAIR.group_name).pk
    response = client.post(
        reverse("admin:accounts_user_change", args=[coordinator.pk]),
        {
            "full_name": "Casey Coordinator",
            "job_title": "Coordinator",
            "phone": "",
            "seen_revision": coordinator.revision,
            "groups": [co_chair_group_pk],
            "agency": fire.pk,
            "is_superuser": "on",
            "is_active": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(pk=coordinator.pk)
    assert person.roles == {Role.COORDINATOR}
    assert person.agency_id != fire.pk
    assert person.is_active
    assert not person.is_superuser
    assert person.job_title == "Coordinator"


def test_nobody_sets_another_persons_password_in_the_admin(as_user, coordinator, co_chair) -> None:
    with pytest.raises(NoReverseMatch):
        reverse("admin:auth_user_password_change", args=[co_chair.pk])
    response = as_user(coordinator).post(
        f"/admin/accounts/user/{co_chair.pk}/password/",
        {"password1": "a-new-password-here", "password2": "a-new-password-here"},
    )
    assert response.status_code in (302, 404)
    assert User.objects.get(pk=co_chair.pk).password == co_chair.password


def test_people_are_not_added_in_the_admin(as_user, coordinator) -> None:
    assert as_user(coordinator).get(reverse("admin:accounts_user_add")).status_code == 403


def test_the_agency_admin_cannot_change_who_sees_the_agencys_cases(as_user, administrator, housing) -> None:
    """Members-see-cases and active decide case access: coordinators change them in the service."""
    form = {"name": housing.name, "short_name": housing.short_name, "kind": housing.kind, "membership": "core"}
    response = as_user(administrator).post(
        reverse("admin:accounts_agency_change", args=[housing.pk]),
        {**form, "members_see_cases": "", "is_active": "", "seen_revision": housing.revision},
    )
    assert response.status_code == 302
    housing.refresh_from_db()
    assert housing.members_see_cases is True
    assert housing.is_active is True


def _admin_form(client, url: str) -> dict[str, str]:
    """What the admin's change form would post as shown (its inputs' values)."""
    import re
    from html import unescape

    html = client.get(url).content.decode()
    form = html[html.index('id="agency_form"') if 'id="agency_form"' in html else html.index('id="user_form"') :]
    fields = {}
    for tag in re.findall(r"<(?:input|select)\b[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag or name.group(1) == "csrfmiddlewaretoken":
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        fields[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


@pytest.mark.parametrize(
    ("editor", "record", "page", "field", "theirs", "mine"),
    [
        # A coordinator changed the agency in the service while the administrator had it open.
        ("administrator", "housing", "admin:accounts_agency_change", "contact_email", "tenancy@council.example",
         "housing.team@council.example"),
        # A staff coordinator may change names and job titles here.
        ("coordinator", "housing_lead", "admin:accounts_user_change", "job_title", "Tenancy manager",
         "Housing officer"),
    ],
)  # fmt: skip
def test_a_record_changed_since_the_admin_form_was_opened_is_not_overwritten(
    request, as_user, editor: str, record: str, page: str, field: str, theirs: str, mine: str
) -> None:
    """Every edit form has a revision (ADR 7): the admin's too."""
    client = as_user(request.getfixturevalue(editor))
    obj = request.getfixturevalue(record)
    model, url = type(obj), reverse(page, args=[obj.pk])
    shown = _admin_form(client, url)
    assert shown["seen_revision"] == str(obj.revision)
    model.objects.filter(pk=obj.pk).update(**{field: theirs}, revision=obj.revision + 1)

    response = client.post(url, {**shown, field: mine})
    assert response.status_code == 200
    assert "Someone else changed these details while you were editing" in response.content.decode()
    assert getattr(model.objects.get(pk=obj.pk), field) == theirs

    response = client.post(url, {**_admin_form(client, url), field: mine})
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = model.objects.get(pk=obj.pk)
    assert (getattr(saved, field), saved.revision) == (mine, obj.revision + 2)
