package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// Organizations and their members: migration 0008.

type organizationRow struct {
	ID        string    `gorm:"primaryKey"`
	Name      string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func (organizationRow) TableName() string { return "organizations" }

type orgMembershipRow struct {
	OrganizationID string           `gorm:"primaryKey"`
	UserID         string           `gorm:"primaryKey;index:idx_org_memberships_user"`
	Role           string           `gorm:"not null"`
	CreatedAt      time.Time        `gorm:"not null"`
	Organization   *organizationRow `gorm:"foreignKey:OrganizationID"`
	User           *userRow         `gorm:"foreignKey:UserID"`
}

func (orgMembershipRow) TableName() string { return "org_memberships" }

func (r organizationRow) organization() serentak.Organization {
	return serentak.Organization{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

func (r orgMembershipRow) membership() serentak.OrgMembership {
	return serentak.OrgMembership{OrganizationID: r.OrganizationID, UserID: r.UserID, Role: serentak.Role(r.Role), CreatedAt: r.CreatedAt.UTC()}
}

// CreateOrganization stores an organization.
func (s *Store) CreateOrganization(ctx context.Context, o serentak.Organization) error {
	if o.ID == "" {
		return errors.New("gormstore: create organization: the ID is required")
	}
	r := organizationRow{ID: o.ID, Name: o.Name, CreatedAt: dbTime(o.CreatedAt)}
	if o.CreatedAt.IsZero() {
		r.CreatedAt = s.clock()
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return serentak.Errorf(serentak.ECodeConflict, "organization %s already exists", o.ID)
		}
		return dbError("create organization", err)
	}
	return nil
}

// FindOrganizationByID returns an organization.
func (s *Store) FindOrganizationByID(ctx context.Context, id string) (serentak.Organization, error) {
	return findOrganization(s.db.WithContext(ctx), id)
}

func findOrganization(db *gorm.DB, id string) (serentak.Organization, error) {
	var r organizationRow
	err := db.Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Organization{}, serentak.NotFound("organization")
	}
	if err != nil {
		return serentak.Organization{}, dbError("find organization", err)
	}
	return r.organization(), nil
}

// UpdateOrganization writes an organization's name and returns it as
// stored (not_found when there is none).
func (s *Store) UpdateOrganization(ctx context.Context, o serentak.Organization) (serentak.Organization, error) {
	res := s.db.WithContext(ctx).Model(&organizationRow{}).Where("id = ?", o.ID).Update("name", o.Name)
	if res.Error != nil {
		return serentak.Organization{}, dbError("update organization", res.Error)
	}
	if res.RowsAffected == 0 {
		return serentak.Organization{}, serentak.NotFound("organization")
	}
	return s.FindOrganizationByID(ctx, o.ID)
}

// FindOrganizations returns one page of every organization by ID (the
// operator's list) and the next page's cursor ("" at the end).
func (s *Store) FindOrganizations(ctx context.Context, cursor string, limit int) ([]serentak.Organization, string, error) {
	q := s.db.WithContext(ctx).Model(&organizationRow{})
	return idPage(q, cursor, pageLimit(limit), false, func(r organizationRow) string { return r.ID }, organizationRow.organization, "organizations")
}

// FindOrgWorkspaces returns one page, by ID, of the workspaces an
// organization owns (idx_workspaces_organization).
func (s *Store) FindOrgWorkspaces(ctx context.Context, orgID, cursor string, limit int) ([]serentak.Workspace, string, error) {
	q := s.db.WithContext(ctx).Model(&workspaceRow{}).Where("organization_id = ?", orgID)
	return idPage(q, cursor, pageLimit(limit), false, func(r workspaceRow) string { return r.ID }, workspaceRow.workspace, "the organization's workspaces")
}

// FindOrgMembership returns a user's membership of an organization
// (not_found "organization" when the user is not a member, so a caller
// outside it learns nothing of it).
func (s *Store) FindOrgMembership(ctx context.Context, orgID, userID string) (serentak.OrgMembership, error) {
	var r orgMembershipRow
	err := s.db.WithContext(ctx).Where("organization_id = ? AND user_id = ?", orgID, userID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.OrgMembership{}, serentak.NotFound("organization")
	}
	if err != nil {
		return serentak.OrgMembership{}, dbError("find organization membership", err)
	}
	return r.membership(), nil
}

// FindUserOrgMemberships lists the organizations a user belongs to,
// oldest membership first, with the organizations.
func (s *Store) FindUserOrgMemberships(ctx context.Context, userID string) ([]serentak.OrgMembership, []serentak.Organization, error) {
	var rows []orgMembershipRow
	err := s.db.WithContext(ctx).Preload("Organization").Where("user_id = ?", userID).
		Order("created_at, organization_id").Find(&rows).Error
	if err != nil {
		return nil, nil, dbError("find organization memberships", err)
	}
	ms, orgs := make([]serentak.OrgMembership, len(rows)), make([]serentak.Organization, len(rows))
	for i, r := range rows {
		ms[i] = r.membership()
		if r.Organization != nil {
			orgs[i] = r.Organization.organization()
		}
	}
	return ms, orgs, nil
}

// FindOrgMembers lists an organization's members with their users,
// oldest first.
func (s *Store) FindOrgMembers(ctx context.Context, orgID string) ([]serentak.OrgMembership, []serentak.User, error) {
	var rows []orgMembershipRow
	err := s.db.WithContext(ctx).Preload("User").Where("organization_id = ?", orgID).
		Order("created_at, user_id").Find(&rows).Error
	if err != nil {
		return nil, nil, dbError("find organization members", err)
	}
	ms, users := make([]serentak.OrgMembership, len(rows)), make([]serentak.User, len(rows))
	for i, r := range rows {
		ms[i] = r.membership()
		if r.User != nil {
			users[i] = r.User.user()
		}
	}
	return ms, users, nil
}

// AddOrgMember makes a user a member of an organization; conflict when
// they are one already (one role per user per organization).
func (s *Store) AddOrgMember(ctx context.Context, m serentak.OrgMembership) error {
	r := orgMembershipRow{OrganizationID: m.OrganizationID, UserID: m.UserID, Role: string(m.Role), CreatedAt: dbTime(m.CreatedAt)}
	if m.CreatedAt.IsZero() {
		r.CreatedAt = s.clock()
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return serentak.Errorf(serentak.ECodeConflict, "this user is a member of the organization already")
		}
		return dbError("add organization member", err)
	}
	return nil
}

// ChangeOrgMember sets an organization member's role (role "" removes
// them), unless that would leave the organization without an owner
// (conflict); not_found when the user is not a member. As ChangeMember
// does for a workspace, a no-op write to the organization's row first
// makes concurrent changes of one organization's members wait for each
// other, so two demotions of the last two owners cannot both succeed.
func (s *Store) ChangeOrgMember(ctx context.Context, orgID, userID string, role serentak.Role) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("UPDATE organizations SET id = id WHERE id = ?", orgID).Error; err != nil {
			return dbError("lock organization", err)
		}
		where := []any{"organization_id = ? AND user_id = ?", orgID, userID}
		var r orgMembershipRow
		err := tx.Where(where[0], where[1:]...).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return serentak.NotFound("member")
		}
		if err != nil {
			return dbError("find organization member", err)
		}
		if role == "" {
			err = tx.Where(where[0], where[1:]...).Delete(&orgMembershipRow{}).Error
		} else {
			err = tx.Model(&orgMembershipRow{}).Where(where[0], where[1:]...).Update("role", string(role)).Error
		}
		if err != nil {
			return dbError("change organization member", err)
		}
		if r.Role != string(serentak.RoleOwner) || role == serentak.RoleOwner {
			return nil
		}
		var owners int64
		if err := tx.Model(&orgMembershipRow{}).Where("organization_id = ? AND role = ?", orgID, string(serentak.RoleOwner)).Count(&owners).Error; err != nil {
			return dbError("count organization owners", err)
		}
		if owners == 0 {
			return serentak.Errorf(serentak.ECodeConflict, "the organization's last owner cannot be removed or demoted")
		}
		return nil
	})
}

// FindEffectiveRole returns the role a user acts with in a workspace
// (serentak.EffectiveRole): their membership's, else their role in the
// organization owning the workspace. It runs on every request a person
// makes to a workspace, so it is the membership's read by primary key
// and, only for someone who is not a member, one more: the workspace by
// primary key joined to the organization membership by its primary key.
// (One query with both LEFT JOINs cost SQLite ten times as much as these
// two: BenchmarkRoleLookup.) not_found "workspace" when the workspace
// does not exist or the user has no role in it.
func (s *Store) FindEffectiveRole(ctx context.Context, workspaceID, userID string) (serentak.Role, error) {
	m, err := s.FindMembership(ctx, workspaceID, userID)
	if err == nil {
		return m.Role, nil
	}
	if serentak.ErrorCode(err) != serentak.ECodeNotFound {
		return "", err
	}
	var roles []string
	err = s.db.WithContext(ctx).Raw(`SELECT om.role FROM workspaces w
JOIN org_memberships om ON om.organization_id = w.organization_id
WHERE w.id = ? AND om.user_id = ?`, workspaceID, userID).Scan(&roles).Error
	if err != nil {
		return "", dbError("find organization role", err)
	}
	if len(roles) == 0 {
		return "", serentak.NotFound("workspace")
	}
	return serentak.Role(roles[0]), nil
}

// FindUserWorkspaces returns one page, by workspace ID, of the
// workspaces a user may act in (as a member, or through an organization
// that owns them) with the role that applies in each, and the next
// page's cursor ("" at the end). The page's IDs come from the two
// indexes (idx_memberships_user; idx_org_memberships_user then
// idx_workspaces_organization), then the workspaces and the user's
// memberships of them are read by primary key.
func (s *Store) FindUserWorkspaces(ctx context.Context, userID, cursor string, limit int) ([]serentak.WorkspaceAccess, string, error) {
	limit = pageLimit(limit)
	db := s.db.WithContext(ctx)
	var ids []string
	// Each side is cut to the page first: the page of the union is in the
	// union of the two pages, and an organization of thousands of
	// workspaces is read no further than the page.
	err := db.Raw(`SELECT id FROM (
    SELECT id FROM (SELECT workspace_id AS id FROM memberships
        WHERE user_id = ? AND workspace_id > ? ORDER BY workspace_id LIMIT ?) AS direct
    UNION
    SELECT id FROM (SELECT w.id FROM workspaces w
        WHERE w.organization_id IN (SELECT organization_id FROM org_memberships WHERE user_id = ?) AND w.id > ?
        ORDER BY w.id LIMIT ?) AS via
) AS reachable ORDER BY id LIMIT ?`, userID, cursor, limit+1, userID, cursor, limit+1, limit+1).Scan(&ids).Error
	if err != nil {
		return nil, "", dbError("find the user's workspaces", err)
	}
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	if len(ids) == 0 {
		return nil, "", nil
	}
	var wss []workspaceRow
	if err := db.Where("id IN ?", ids).Find(&wss).Error; err != nil {
		return nil, "", dbError("find the user's workspaces", err)
	}
	var ms []membershipRow
	if err := db.Where("user_id = ? AND workspace_id IN ?", userID, ids).Find(&ms).Error; err != nil {
		return nil, "", dbError("find the user's memberships", err)
	}
	var oms []orgMembershipRow
	if err := db.Where("user_id = ?", userID).Find(&oms).Error; err != nil {
		return nil, "", dbError("find the user's organization memberships", err)
	}
	byID := make(map[string]workspaceRow, len(wss))
	for _, w := range wss {
		byID[w.ID] = w
	}
	member := make(map[string]serentak.Role, len(ms))
	for _, m := range ms {
		member[m.WorkspaceID] = serentak.Role(m.Role)
	}
	inOrg := make(map[string]serentak.Role, len(oms))
	for _, m := range oms {
		inOrg[m.OrganizationID] = serentak.Role(m.Role)
	}
	out := make([]serentak.WorkspaceAccess, 0, len(ids))
	for _, id := range ids {
		w, ok := byID[id]
		if !ok { // deleted between the reads
			continue
		}
		a := serentak.WorkspaceAccess{Workspace: w.workspace()}
		a.Role = serentak.EffectiveRole(member[id], inOrg[a.Workspace.OrganizationID])
		if member[id] == "" {
			a.Via = a.Workspace.OrganizationID
		}
		if a.Role != "" { // "": the membership ended between the reads
			out = append(out, a)
		}
	}
	return out, next, nil
}

// orEmpty reads a nullable text column: NULL is "".
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
