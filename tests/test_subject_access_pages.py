"""Subject access pages: only the auditor searches and makes exports, the search text never enters
an address or the trail, and an export is downloaded by the auditor who made it alone."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cmarac.governance.subject_access_models import SubjectAccessExport
from tests.conftest import CAST
from tests.factories.accounts import AuditorFactory
from tests.subject_access_scenario import NOT_THEIRS, THEIRS, World, build_world

pytestmark = pytest.mark.django_db

SEARCH = reverse("governance:subject_access_search")
EXPORTS = reverse("governance:subject_access_exports")
CREATE = reverse("governance:subject_access_export_create")


@pytest.fixture
def world(housing, police, fire, coordinator, co_chair, housing_lead, police_referrer) -> World:
    return build_world(
        housing=housing, police=police, fire=fire, coordinator=coordinator, co_chair=co_chair,
        housing_lead=housing_lead, police_referrer=police_referrer,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    return settings.PRIVATE_FILES_DIR


def searched(client, **criteria: str):
    """Post a search, follow the redirect; return the results page."""
    response = client.post(SEARCH, {"name": "", "date_of_birth": "", "postcode": "", **criteria})
    assert response.status_code == 302
    return response, client.get(response["Location"])


def token_of(response) -> str:
    return urlparse(response["Location"]).query.removeprefix("search=")


@pytest.fixture
def export(world: World, auditor, as_user, django_capture_on_commit_callbacks) -> SubjectAccessExport:
    client = as_user(auditor)
    redirect, _ = searched(client, name="quillfeather")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CREATE,
            {"search": token_of(redirect), "people": [f"person:{world.verity.pk}"], "request_reference": "SAR-9"},
        )
    export = SubjectAccessExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == export.get_absolute_url()
    return export


@pytest.mark.parametrize("person", CAST)
@pytest.mark.parametrize("url", [SEARCH, EXPORTS])
def test_only_the_auditor_reaches_the_subject_access_pages(person, url, request, as_user) -> None:
    response = as_user(request.getfixturevalue(person)).get(url)
    assert response.status_code == (200 if person == "auditor" else 403)


@pytest.mark.parametrize("person", CAST)
def test_only_the_auditor_can_search_or_ask_for_an_export(person, request, as_user, world: World) -> None:
    client = as_user(request.getfixturevalue(person))
    expected = 302 if person == "auditor" else 403
    assert client.post(SEARCH, {"name": "verity"}).status_code == expected
    response = client.post(CREATE, {"search": "x", "people": [f"person:{world.verity.pk}"], "request_reference": "S"})
    assert response.status_code == expected
    assert not SubjectAccessExport.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    assert client.get(SEARCH)["Location"].startswith(reverse("login"))


def test_roles_named_in_the_setting_get_the_duty(settings, coordinator, as_user) -> None:
    settings.SUBJECT_ACCESS_ROLES = ["auditor", "coordinator"]
    assert as_user(coordinator).get(SEARCH).status_code == 200


def test_the_search_text_stays_out_of_the_address_and_the_trail(world: World, auditor, as_user) -> None:
    before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    redirect, page = searched(as_user(auditor), name="Quillfeather", postcode="ZX9 4QT")
    assert "quill" not in redirect["Location"].lower()
    assert "zx9" not in redirect["Location"].lower()
    html = page.content.decode()
    assert "Verity Quillfeather" in html
    assert "2 April 1988" in html
    assert "1 case, 1 referral" in html
    entry = LogEntry.objects.filter(additional_data__what="Subject access search").get()
    assert entry.actor == auditor
    assert entry.changes["criteria"] == {"parts_used": ["name", "postcode"]}
    assert f"person:{world.verity.pk}" in entry.changes["shown"]
    entries = LogEntry.objects.filter(pk__gt=before)
    trail = json.dumps([[e.changes, e.additional_data, e.object_repr, e.changes_text] for e in entries])
    assert "Quillfeather" not in trail
    assert "ZX9 4QT" not in trail


def test_the_result_shows_no_case_content(world: World, auditor, as_user) -> None:
    _, page = searched(as_user(auditor), name="verity")
    html = page.content.decode()
    for marker in [*THEIRS.values(), *NOT_THEIRS]:
        assert marker not in html, marker
    assert world.case.reference not in html
    assert world.referral.reference not in html
    assert "Pax" not in html


def test_an_empty_or_bad_search_is_an_error_on_the_page(auditor, as_user) -> None:
    client = as_user(auditor)
    response = client.post(SEARCH, {"name": "", "date_of_birth": "", "postcode": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "Enter a name, a date of birth or a postcode" in response.content.decode()
    response = client.post(
        SEARCH,
        {
            "name": "",
            "postcode": "",
            "date_of_birth_day": "45",
            "date_of_birth_month": "13",
            "date_of_birth_year": "1988",
        },
    )
    assert "Date of birth must be a real date" in response.content.decode()
    assert response.content.decode().count("<title>Error: ") == 1


@pytest.mark.parametrize("query", ["?search=unknown", "?search=", "?search=%ff", "?other=1&search[]=x"])
def test_an_unknown_or_malformed_token_asks_to_search_again(auditor, as_user, query) -> None:
    response = as_user(auditor).get(SEARCH + query)
    assert response.status_code == 200
    assert "found" not in response.content.decode()


def test_a_nul_in_the_token_is_refused(auditor, as_user) -> None:
    assert as_user(auditor).get(SEARCH + "?search=%00%ff").status_code == 400


def test_making_an_export_needs_a_reference_and_a_person_from_the_search(world: World, auditor, as_user) -> None:
    client = as_user(auditor)
    redirect, _ = searched(client, name="verity")
    token = token_of(redirect)
    response = client.post(CREATE, {"search": token, "people": [f"person:{world.verity.pk}"], "request_reference": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter the reference of the subject access request" in html
    # Pax was not found by this search, so he cannot be chosen.
    response = client.post(CREATE, {"search": token, "people": [f"person:{world.pax.pk}"], "request_reference": "S"})
    assert "There is a problem" in response.content.decode()
    response = client.post(CREATE, {"search": token, "request_reference": "S"})
    assert "Select the person the request is about" in response.content.decode()
    response = client.post(
        CREATE, {"search": "gone", "people": [f"person:{world.verity.pk}"], "request_reference": "S"}
    )
    assert response.status_code == 302
    assert response["Location"] == SEARCH
    assert not SubjectAccessExport.objects.exists()


def test_an_export_is_made_audited_and_downloaded_by_its_maker(export: SubjectAccessExport, auditor, as_user) -> None:
    client = as_user(auditor)
    page = client.get(export.get_absolute_url())
    assert page.status_code == 200
    assert "Download the PDF" in page.content.decode()
    made = LogEntry.objects.get(additional_data__what="Subject access export made")
    assert made.additional_data["request_reference"] == "SAR-9"
    for kind, content_type in (("pdf", "application/pdf"), ("data", "application/zip")):
        response = client.get(reverse("governance:subject_access_export_download", args=[export.pk, kind]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert "sar-9" in response["Content-Disposition"]
        b"".join(response.streaming_content)
    downloads = LogEntry.objects.filter(additional_data__what__startswith="Subject access export download")
    assert downloads.count() == 2
    assert "SAR-9" in client.get(EXPORTS).content.decode()


@pytest.mark.parametrize("person", [*CAST, "other_auditor"])
def test_nobody_else_finds_or_downloads_an_export(export: SubjectAccessExport, person, request, as_user) -> None:
    if person == "auditor":
        return
    user = AuditorFactory() if person == "other_auditor" else request.getfixturevalue(person)
    client = as_user(user)
    assert client.get(export.get_absolute_url()).status_code == 404
    for kind in ("pdf", "data"):
        assert (
            client.get(reverse("governance:subject_access_export_download", args=[export.pk, kind])).status_code == 404
        )


def test_an_expired_or_unknown_file_is_not_found(export: SubjectAccessExport, auditor, as_user) -> None:
    from cmarac.governance.subject_access_services import subject_access_exports_expire

    client = as_user(auditor)
    assert client.get(f"{export.get_absolute_url()}other/").status_code == 404
    assert client.get(EXPORTS + "not-an-id/").status_code == 404
    subject_access_exports_expire(now=export.expires_at)
    assert client.get(reverse("governance:subject_access_export_download", args=[export.pk, "pdf"])).status_code == 404
    assert "Deleted after its retention period" in client.get(export.get_absolute_url()).content.decode()


def test_the_exports_list_takes_the_same_queries_however_many(auditor, as_user, django_assert_num_queries) -> None:
    client = as_user(auditor)
    for number in range(3):
        SubjectAccessExport.objects.create(made_by=auditor, request_reference=f"SAR-{number}", person_ids=[1])
    SubjectAccessExport.objects.create(made_by=AuditorFactory(), request_reference="SAR-OTHER", person_ids=[1])
    # session, user, OTP device, roles, exports; the session saved (savepoint, update, release)
    with django_assert_num_queries(8):
        response = client.get(EXPORTS)
    html = response.content.decode()
    assert "SAR-2" in html
    assert "SAR-OTHER" not in html
    for number in range(3, 10):
        SubjectAccessExport.objects.create(made_by=auditor, request_reference=f"SAR-{number}", person_ids=[1])
    with django_assert_num_queries(8):
        client.get(EXPORTS)


def test_the_results_page_takes_the_same_queries_however_many_match(
    world: World, auditor, as_user, django_assert_num_queries
) -> None:
    client = as_user(auditor)
    redirect, _ = searched(client, postcode="Z")
    # session, user, OTP device, roles; people, referral subjects, case counts, referral counts; the audit entry
    # (content type cached); the session saved (savepoint, update, release)
    with django_assert_num_queries(12):
        response = client.get(redirect["Location"])
    # Verity, Pax and Orrin; Verity's referral not yet triaged; the two people of the other referral.
    assert "6 people found" in response.content.decode()
