-- Organizations (agencies, docs/api.md#organizations): an organization
-- owns many workspaces (workspaces.organization_id), and each member of
-- it holds one role in all of them (org_memberships, one row per user per
-- organization). A workspace membership of the same user replaces the
-- organization's role in that workspace. Resolving a person's role is one
-- read by primary keys: memberships (workspace_id, user_id) and
-- org_memberships (organization_id, user_id); listing a person's
-- workspaces goes through idx_org_memberships_user and
-- idx_workspaces_organization.
CREATE TABLE organizations (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    created_at datetime NOT NULL
);

CREATE TABLE org_memberships (
    organization_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text NOT NULL,
    created_at      datetime NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX idx_org_memberships_user ON org_memberships (user_id);

ALTER TABLE workspaces ADD COLUMN organization_id text REFERENCES organizations (id);
CREATE INDEX idx_workspaces_organization ON workspaces (organization_id, id);
