"""Every page each demo person can reach by following links answers, and names only the cases
and referrals that person may see.

The seeded demo partnership is crawled as each of its people, from their home page, following
every link to this site (GET only; signing out is not followed), breadth first, up to
PAGES_PER_PERSON pages each. Every page must answer 200 (or a redirect to another page of the
site, followed too), never a server error, never a refusal of a link the service itself offered.
On every page but the audit trail's and the retention review's (which name the records the
information governance roles are there to check), each case reference must belong to a case the
person may see through visible_to, and each referral reference to a referral they may see or to
the referral a case they may see was opened from: the need-to-know rule checked on what a person
is actually shown, not only on the pages a test names. Every page has one main heading, and no
address reached or linked holds a subject's name.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from typing import Any
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.cases.models import Case, Person
from cmarac.web.demo import DOMAIN, PEOPLE
from referrals.models import Referral
from tests.second_factor import signed_in

pytestmark = pytest.mark.django_db

PAGES_PER_PERSON = 400
# Pages of one kind (the same address but for its numbers and references, and the same query
# keys) visited at most this often: every kind of page is reached within the cap above.
PER_KIND = 4
HREF = re.compile(r'href="([^"]+)"')
CASE_REFERENCE = re.compile(r"\bCM-\d{4}-\d{3,}\b")
REFERRAL_REFERENCE = re.compile(r"\bRF-\d{4}-\d{3,}\b")
# Followed by nobody: signing out ends the crawl's session; the static files are not pages.
NOT_FOLLOWED = ("/sign-out/", "/session/timed-out/", "/admin/logout/", "/static/")
# Pages whose purpose is to name records the person need not see otherwise: the audit trail names
# the record every entry is about, and the retention review the records falling due (references
# and dates only), for the information governance roles that check them.
NAMES_ANY_RECORD = ("/audit/", "/governance/retention/")
# A form's hint gives an example reference, which may happen to be a real one.
EXAMPLE = re.compile(r"For example, (?:CM|RF)-\d{4}-\d+")
# The pages the coordinator reaches, and the forms on a person's pages: crawled once (the seeded
# demo is the same for every test of the class), for the people who see less or other things.
COORDINATORS_PAGES: dict[str, tuple[int, str, str]] = {}
FORMS: dict[str, dict[str, dict[str, str]]] = {}


def links(html: str) -> list[str]:
    found = []
    for raw in HREF.findall(html):
        url, _ = urldefrag(unescape(raw))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, mailto:, or a fragment of this page
        if parts.path.startswith(NOT_FOLLOWED):
            continue
        found.append(url)
    return found


def body_of(response: Any) -> str:
    """A response's text, whether streamed (a CSV export) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def kind_of(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"[A-Z]{2}-\d{4}-\d+|\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(
    client: Client, start: str, *, per_kind: int = PER_KIND
) -> tuple[dict[str, tuple[int, str, str]], dict[str, str]]:
    """url -> (status, content type, text of an HTML page) for every page reached, and the page
    each was first found on. Breadth first, at most `per_kind` pages of a kind."""
    seen: dict[str, tuple[int, str, str]] = {}
    queue = deque([start])
    queued = {start: ""}
    kinds: dict[str, int] = {}
    while queue and len(seen) < PAGES_PER_PERSON:
        url = queue.popleft()
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        text = body_of(response)
        html = text if "text/html" in content_type else ""
        seen[url] = (response.status_code, content_type, html)
        targets = links(html)
        if response.status_code in (301, 302, 303) and response.get("Location", "").startswith("/"):
            targets.append(response["Location"])
        for target in targets:
            kind = kind_of(target)
            if target not in queued and kinds.get(kind, 0) < per_kind:
                kinds[kind] = kinds.get(kind, 0) + 1
                queued[target] = url
                queue.append(target)
    return seen, queued


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
FIELD = re.compile(r"<(?:input|textarea|select)\b[^>]*>")


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return unescape(found.group(1)) if found else None


def post_forms(url: str, html: str) -> list[tuple[str, dict[str, str]]]:
    """The page's POST forms: where each posts, and what it would post as it stands (each named
    field's value; a checkbox or radio only if checked), an empty text filled in (a date's day,
    month and year with today's) so that the form would be accepted from someone who may use it.
    Forms that sign out are left out."""
    today = timezone.localdate()
    parts = {"day": str(today.day), "month": str(today.month), "year": str(today.year)}
    found = []
    for attributes, body in FORM.findall(html):
        if (_attribute(attributes, "method") or "get").lower() != "post":
            continue
        action = _attribute(attributes, "action") or url
        if urlsplit(action).path.startswith(NOT_FOLLOWED):
            continue
        fields: dict[str, str] = {}
        for tag in FIELD.findall(body):
            name = _attribute(tag, "name")
            if not name or name == "csrfmiddlewaretoken":
                continue
            if ('type="checkbox"' in tag or 'type="radio"' in tag) and " checked" not in tag:
                continue
            value = _attribute(tag, "value") or ""
            if not value and (tag.startswith("<textarea") or 'type="text"' in tag):
                value = parts.get(name.rsplit("-", 1)[-1], "Checked by the crawl")
            fields[name] = value
        found.append((action, fields))
    return found


def others_records(user: User) -> dict[str, set[str]]:
    """Every row of what the panel and the agencies keep, and of everyone's second factors, but
    what the person may change as their own: their referrals, their packs, their agency's
    actions, updates and shared information, and their own account and second factors."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    from actions.models import Action, ActionUpdate
    from cmarac.accounts.models import Agency, RoleGrant
    from cmarac.cases.models import CaseInvolvement, CaseSubject, Person
    from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Meeting, MeetingPack

    def rows(queryset: Any) -> set[str]:
        return {repr(row) for row in queryset.order_by().values_list()}  # a row may hold a list

    agency = user.agency_id
    return {
        "cases": rows(Case.objects.all()),
        "subjects": rows(CaseSubject.objects.all()),
        "people": rows(Person.objects.all()),
        "involvements": rows(CaseInvolvement.objects.all()),
        "referrals": rows(Referral.objects.exclude(referrer=user)),
        "meetings": rows(Meeting.objects.all()),
        "agenda items": rows(AgendaItem.objects.all()),
        "invitations": rows(AgendaInvitation.objects.all()),
        "information": rows(AgencyInformation.objects.exclude(agency_id=agency)),
        "packs": rows(MeetingPack.objects.exclude(recipient=user)),
        "actions": rows(Action.objects.exclude(owner_id=agency)),
        "updates": rows(ActionUpdate.objects.exclude(by=user)),
        "agencies": rows(Agency.objects.all()),
        "role grants": rows(RoleGrant.objects.all()),
        "accounts": rows(User.objects.exclude(pk=user.pk)),
        "authenticator apps": rows(TOTPDevice.objects.exclude(user=user)),
        "recovery codes": rows(StaticDevice.objects.exclude(user=user)),
        "passkeys": rows(WebAuthnCredential.objects.exclude(user=user)),
    }


def records_not_theirs(user: User, pages: dict[str, tuple[int, str, str]]) -> dict[str, list[str]]:
    """For each page (but those naming any record), the case and referral references on it that
    the person may not see."""
    cases = set(Case.objects.visible_to(user).values_list("reference", flat=True))
    # A case's history names the referral it was opened from (its reference, nothing of it):
    # whoever may see the case may see that reference, though not the referral itself.
    referrals = set(Referral.objects.visible_to(user).values_list("reference", flat=True)) | set(
        Referral.objects.filter(case__reference__in=cases).values_list("reference", flat=True)
    )
    found: dict[str, list[str]] = {}
    for url, (_, _, html) in pages.items():
        if urlsplit(url).path.startswith(NAMES_ANY_RECORD):
            continue
        html = EXAMPLE.sub("", html)
        named = (set(CASE_REFERENCE.findall(html)) - cases) | (set(REFERRAL_REFERENCE.findall(html)) - referrals)
        if named:
            found[url] = sorted(named)
    return found


def coordinators_pages() -> dict[str, tuple[int, str, str]]:
    if not COORDINATORS_PAGES:
        coordinator = User.objects.get(email=f"coordinator@{DOMAIN}")
        COORDINATORS_PAGES.update(crawl(signed_in(coordinator), reverse("home"))[0])
    return COORDINATORS_PAGES


def coordinators_addresses() -> list[str]:
    return list(coordinators_pages())


def forms_of(email: str) -> dict[str, dict[str, str]]:
    """Each address a form on the person's pages posts to, with what it would post."""
    if email not in FORMS:
        if email == f"coordinator@{DOMAIN}":
            pages = coordinators_pages()
        else:
            pages = crawl(signed_in(User.objects.get(email=email)), reverse("home"))[0]
        found: dict[str, dict[str, str]] = {}
        for url, (_, _, html) in pages.items():
            for action, fields in post_forms(url, html):
                found.setdefault(action, fields)
        FORMS[email] = found
    return FORMS[email]


@pytest.mark.usefixtures("seeded_demo")
@pytest.mark.xdist_group("seeded-demo")
class TestEveryDemoPersonsPages:
    @pytest.mark.parametrize("email", [person.email for person in PEOPLE])
    def test_every_page_reached_answers_and_names_only_what_the_person_may_see(self, email: str) -> None:
        user = User.objects.get(email=email)
        pages, found_on = crawl(signed_in(user), reverse("home"))
        assert len(pages) > 1, "the home page links nowhere"

        failed = {
            url: f"{status}, linked from {found_on[url]!r}"
            for url, (status, _, _) in pages.items()
            if status not in (200, 301, 302, 303)
        }
        assert not failed, f"pages that did not answer for {email}: {failed}"

        shown_elsewhere = records_not_theirs(user, pages)
        assert not shown_elsewhere, f"records {email} may not see, named on their pages: {shown_elsewhere}"

        # Each page has one main heading; no address reached or linked holds a subject's name.
        headings = {
            url: html.count("<h1")
            for url, (status, content_type, html) in pages.items()
            if status == 200 and "text/html" in content_type and html.count("<h1") != 1
        }
        assert not headings, f"pages without exactly one <h1> for {email}: {headings}"
        names = {
            part.lower()
            for given, family in Person.objects.values_list("given_name", "family_name")
            for part in (given, family)
            if len(part) > 3
        }
        words = re.compile(r"[a-z]+")
        in_addresses = {url: hits for url in found_on if (hits := names & set(words.findall(unquote(url).lower())))}
        assert not in_addresses, f"subjects' names in addresses: {in_addresses}"

    @pytest.mark.parametrize(
        "email",
        [f"lead.fire@{DOMAIN}", f"member.housing@{DOMAIN}", f"referrer@{DOMAIN}", f"auditor@{DOMAIN}"],
    )
    def test_the_coordinators_addresses_give_others_nothing_more(self, email: str) -> None:
        """An attacker's crawl: every address the coordinator reached (every case, referral,
        meeting, item, action and pack page of the demo they link to) asked for by someone who
        sees less. Nothing fails; what answers names only what that person may see."""
        addresses = coordinators_addresses()
        user = User.objects.get(email=email)
        client = signed_in(user)
        pages: dict[str, tuple[int, str, str]] = {}
        for url in addresses:
            response = client.get(url)
            pages[url] = (response.status_code, response.get("Content-Type", ""), body_of(response))
        failed = {url: status for url, (status, _, _) in pages.items() if status >= 500}
        assert not failed, f"server errors for {email}: {failed}"
        answered = {url: page for url, page in pages.items() if page[0] == 200}
        assert len(answered) < len(pages), f"{email} was refused nothing the coordinator reached"
        shown = records_not_theirs(user, answered)
        assert not shown, f"records {email} may not see, on the coordinator's addresses: {shown}"
        # "Not found" and "not yours" answer alike: an address naming a case or referral the
        # person may not see answers 404, whatever they would need to do there.
        named = {url: records_not_theirs(user, {url: (0, "", urlsplit(url).path)}) for url in pages}
        assert any(named.values()), "the coordinator reached no address of a record this person may not see"
        not_404 = {url: pages[url][0] for url, found in named.items() if found and pages[url][0] != 404}
        assert not not_404, f"addresses of records {email} may not see that did not answer 404: {not_404}"

    @pytest.mark.parametrize(
        ("owner", "email", "at_least"),
        [
            ("coordinator", "lead.fire", 50),
            ("coordinator", "member.housing", 50),
            ("coordinator", "referrer", 50),
            ("coordinator", "auditor", 50),
            ("lead.housing", "lead.fire", 5),  # an agency's own forms (its actions, what it shares)
            ("lead.fire", "member.housing", 5),
            ("referrer", "lead.police", 3),  # a referrer's own referrals
        ],
    )
    def test_one_persons_forms_posted_by_another_change_nothing_of_anyone_elses(
        self, owner: str, email: str, at_least: int
    ) -> None:
        """An attacker's crawl of the forms: every form on the pages one person reached (the
        coordinator's: to change a case, its people, an agenda, an action, a meeting, minutes, a
        role, an agency, a referral's triage, ...; an agency lead's: their agency's actions and
        what it shares on agenda items; a referrer's: their referrals) posted, as that person
        would have posted it, by someone else, with a valid session and CSRF token. Nothing
        fails; a form for a case or referral that is not theirs answers 404; and nothing changes
        but their own things: their own referrals, packs, agency's actions and information, and
        account."""
        forms = forms_of(f"{owner}@{DOMAIN}")
        assert len(forms) >= at_least, f"only {len(forms)} forms were found"
        email = f"{email}@{DOMAIN}"

        user = User.objects.get(email=email)
        client = signed_in(user)
        before = others_records(user)
        answers = {action: client.post(action, fields).status_code for action, fields in forms.items()}
        failed = {action: status for action, status in answers.items() if status >= 500}
        assert not failed, f"server errors for {email}: {failed}"
        not_404 = {
            action: status
            for action, status in answers.items()
            if records_not_theirs(user, {action: (0, "", urlsplit(action).path)}) and status != 404
        }
        assert not not_404, f"forms for records {email} may not see that did not answer 404: {not_404}"
        after = others_records(user)
        changed = {name: len(after[name] ^ before[name]) for name in before if after[name] != before[name]}
        assert not changed, f"{email} changed records not theirs by posting the coordinator's forms: {changed}"

    def test_asking_for_a_forms_address_changes_nothing(self) -> None:
        """GET is safe: asking for the address every coordinator's form posts to, as the
        coordinator (who may do all of it), changes nothing, so no link or image elsewhere can
        make someone's browser change a record for them."""
        forms = forms_of(f"coordinator@{DOMAIN}")
        nobody = User.objects.get(email=f"admin@{DOMAIN}")  # owns no case data of their own
        client = signed_in(User.objects.get(email=f"coordinator@{DOMAIN}"))  # signing in is a change
        before = others_records(nobody)
        answers = {action: client.get(action).status_code for action in forms}
        failed = {action: status for action, status in answers.items() if status >= 500}
        assert not failed, f"server errors: {failed}"
        after = others_records(nobody)
        changed = {name: len(after[name] ^ before[name]) for name in before if after[name] != before[name]}
        assert not changed, f"asking for forms' addresses changed records: {changed}"

    def test_every_kind_of_page_with_a_malformed_query_answers_and_stays_on_the_site(self) -> None:
        """One page of every kind the coordinator reaches, asked for with a query no link of the
        service makes: a page number that is not one, or too large, a value with a NUL byte, a
        search far longer than the box allows, and somewhere else to go next. None fails, and
        none sends the browser off the site."""
        client = signed_in(User.objects.get(email=f"coordinator@{DOMAIN}"))
        kinds: dict[str, str] = {}
        for url in coordinators_addresses():
            kinds.setdefault(kind_of(url), urlsplit(url).path)
        queries = ["page=abc", f"page={10**30}", "sort=%00&status=%00", "q=" + "a" * 5000,
                   "next=//elsewhere.example/", "next=javascript:alert(1)"]  # fmt: skip
        failed, away = {}, {}
        for path in kinds.values():
            for query in queries:
                response = client.get(f"{path}?{query}")
                if response.status_code >= 500:
                    failed[f"{path}?{query[:30]}"] = response.status_code
                location = response.get("Location", "")
                if location and not (location.startswith("/") and not location.startswith("//")):
                    away[f"{path}?{query[:30]}"] = location
        assert len(kinds) > 60
        assert not failed, f"malformed queries that failed: {failed}"
        assert not away, f"malformed queries that sent the browser off the site: {away}"

    def test_every_page_naming_a_subject_is_in_the_audit_trail(self) -> None:
        """Every view of case data is in the audit trail: one page of every kind each demo person
        reaches, asked for again, writes an access entry of theirs whenever it shows the name of a
        case's or referral's subject."""
        from auditlog.models import LogEntry

        from referrals.models import ReferralSubject

        names = {
            f"{given} {family}"
            for subjects in (Person.objects, ReferralSubject.objects)
            for given, family in subjects.values_list("given_name", "family_name")
            if given and family
        }
        unlogged: dict[str, list[str]] = {}
        for person in PEOPLE:
            user = User.objects.get(email=person.email)
            client = signed_in(user)
            entries = LogEntry.objects.filter(actor=user, action=LogEntry.Action.ACCESS)
            for url in crawl(client, reverse("home"), per_kind=1)[0]:
                before = entries.count()
                response = client.get(url)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                html = response.content.decode()
                if any(name in html for name in names) and entries.count() == before:
                    unlogged.setdefault(person.email, []).append(url)
        assert not unlogged, f"pages that showed a subject's name and wrote no access entry: {unlogged}"

    def test_the_check_finds_a_record_named_to_someone_who_may_not_see_it(self) -> None:
        """The check above can fail: a case or referral its reader may not see is caught on an
        ordinary page, and not on the audit trail, nor in a form's example."""
        outsider = User.objects.get(email=next(p.email for p in PEOPLE if p.agency == "fire"))
        visible = Case.objects.visible_to(outsider)
        hidden_case = Case.objects.exclude(pk__in=visible.values("pk")).order_by("pk").first()
        seen_case = visible.order_by("pk").first()
        hidden_referral = (
            Referral.objects.exclude(pk__in=Referral.objects.visible_to(outsider).values("pk"))
            .exclude(case__in=visible)
            .order_by("pk")
            .first()
        )
        assert hidden_case is not None
        assert seen_case is not None
        assert hidden_referral is not None
        pages = {
            "/cases/": (200, "text/html", f"<td>{seen_case.reference}</td><td>{hidden_case.reference}</td>"),
            "/meetings/1/": (200, "text/html", f"<p>{hidden_referral.reference}</p>"),
            "/audit/": (200, "text/html", f"<td>{hidden_case.reference}</td>"),
            "/actions/": (200, "text/html", f"For example, {hidden_case.reference}"),
        }
        assert records_not_theirs(outsider, pages) == {
            "/cases/": [hidden_case.reference],
            "/meetings/1/": [hidden_referral.reference],
        }
