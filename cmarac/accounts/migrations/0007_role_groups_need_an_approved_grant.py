"""On PostgreSQL the database itself refuses a role group added to a person without an approved
grant for that role (ADR 0014): a row put into the membership table by raw SQL or a bulk insert,
which the ORM guard (cmarac/accounts/guard.py) never sees, is refused too.

The role behind a group is read from the group's name ("Role: Co-chair"), as cmarac.accounts.roles
names them when this migration was written (a later change of role names needs a migration too;
tests/test_role_grants.py checks the two agree).
Not on SQLite, which is for development only.
"""

from django.db import migrations

from cmarac.core.database import postgresql_only

ROLE_BY_GROUP = {
    "Role: Coordinator": "coordinator",
    "Role: Co-chair": "co-chair",
    "Role: Agency member": "agency-member",
    "Role: Referrer": "referrer",
    "Role: Information governance and audit": "auditor",
    "Role: Administrator": "administrator",
}
ROLE_CASES = "\n".join(f"        WHEN '{group}' THEN '{role}'" for group, role in ROLE_BY_GROUP.items())

CREATE = f"""
CREATE OR REPLACE FUNCTION cmarac_role_group_needs_a_grant() RETURNS trigger AS $$
DECLARE
    group_name text;
    role_code text;
BEGIN
    SELECT name INTO group_name FROM auth_group WHERE id = NEW.group_id;
    role_code := CASE group_name
{ROLE_CASES}
        ELSE NULL
    END;
    IF role_code IS NULL THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM accounts_rolegrant
        WHERE person_id = NEW.user_id AND role = role_code AND outcome = 'approved'
    ) THEN
        RAISE EXCEPTION 'role % needs an approved grant for person %', role_code, NEW.user_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_user_groups_need_a_grant
    BEFORE INSERT OR UPDATE ON accounts_user_groups
    FOR EACH ROW EXECUTE FUNCTION cmarac_role_group_needs_a_grant();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_user_groups_need_a_grant ON accounts_user_groups;
DROP FUNCTION IF EXISTS cmarac_role_group_needs_a_grant();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_recovery_codes_stored_as_digests")]

    operations = [postgresql_only(CREATE, DROP)]
