"""The roles of DOMAIN.md, held as Django auth Groups.

A person may hold several roles. Agency lead and deputy are not groups: they
are named on the Agency itself, so an agency has exactly one of each.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    CO_CHAIR = "co-chair", "Co-chair"
    AGENCY_MEMBER = "agency-member", "Agency member"
    REFERRER = "referrer", "Referrer"
    AUDITOR = "auditor", "Information governance and audit"
    ADMINISTRATOR = "administrator", "Administrator"

    @property
    def group_name(self) -> str:
        return f"Role: {self.label}"


# Model permissions each role's group holds, as "app_label.codename".
# Object-level access to case data is granted separately, to agency groups.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.COORDINATOR: [
        "accounts.view_agency",
        "accounts.add_agency",
        "accounts.change_agency",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auditlog.view_logentry",
    ],
    Role.CO_CHAIR: ["accounts.view_agency", "accounts.view_user"],
    Role.AGENCY_MEMBER: ["accounts.view_agency"],
    Role.REFERRER: ["accounts.view_agency"],
    Role.AUDITOR: ["accounts.view_agency", "accounts.view_user", "auditlog.view_logentry"],
    # Configuration only: the administrator may read people in the admin but neither add nor
    # change them (no roles, no passwords, no agency moves): coordinators do that in the service.
    Role.ADMINISTRATOR: [
        "accounts.view_agency",
        "accounts.add_agency",
        "accounts.change_agency",
        "accounts.view_user",
    ],
}

# Roles granted only when one co-chair or coordinator proposes and another approves (ADR 14):
# co-chairs and coordinators see every case; the auditor reads the whole audit trail (who saw
# which case, from where) and runs subject access exports; the administrator configures the
# service. Agency member and referrer are granted by a coordinator alone.
ROLES_NEEDING_APPROVAL: frozenset[Role] = frozenset({Role.COORDINATOR, Role.CO_CHAIR, Role.AUDITOR, Role.ADMINISTRATOR})

# The roles whose holders may propose and approve grants.
ROLES_THAT_GRANT: frozenset[Role] = frozenset({Role.COORDINATOR, Role.CO_CHAIR})

ROLE_BY_GROUP_NAME = {role.group_name: role for role in Role}
