package api

import (
	"context"
	"time"

	"github.com/serentak/serentak"
)

// Store is what the API needs from storage; *gormstore.Store satisfies it
// (api_test.go holds it to that at compile time). Every capability a route
// uses is in it, none is discovered at run time, so renaming a store
// method breaks the build instead of a route.
//
// Errors the API relies on: *serentak.Error not_found for a missing (or
// other workspace's) resource, conflict for an idempotency key reused with
// another body, for a reschedule with nothing left to reschedule and for
// deleting media a post not yet published still uses.
type Store interface {
	CreateWorkspace(ctx context.Context, ws serentak.Workspace, key serentak.APIKey) error
	FindWorkspaceByID(ctx context.Context, id string) (serentak.Workspace, error)
	// UpdateWorkspace writes a workspace's settings (not_found when there
	// is no such workspace).
	UpdateWorkspace(ctx context.Context, ws serentak.Workspace) (serentak.Workspace, error)
	// FindWorkspaceByHandle finds the workspace of a link-in-bio page
	// (not_found when no workspace has the handle).
	FindWorkspaceByHandle(ctx context.Context, handle string) (serentak.Workspace, error)
	// AddBioClicks adds counted link-in-bio clicks, in one transaction
	// (a clicks.FlushFunc); clicks of a workspace deleted since are
	// dropped.
	AddBioClicks(ctx context.Context, counts map[serentak.BioClick]int64) error
	// FindWorkspaces pages through every workspace by ID; next is ""
	// on the last page.
	FindWorkspaces(ctx context.Context, cursor string, limit int) (ws []serentak.Workspace, next string, err error)
	// CreateAPIKey stores one more key of a workspace
	// (POST /v1/workspaces/{ws}/keys).
	CreateAPIKey(ctx context.Context, key serentak.APIKey) error
	// FindAPIKeyByHash finds a live key (not revoked): one indexed read
	// on every authenticated request, so a revoked key answers 401 on
	// every process at once.
	FindAPIKeyByHash(ctx context.Context, hash string) (serentak.APIKey, error)
	// FindAPIKeys lists a workspace's live keys.
	FindAPIKeys(ctx context.Context, workspaceID string) ([]serentak.APIKey, error)
	// RevokeAPIKey ends a live key of the workspace (not_found otherwise).
	RevokeAPIKey(ctx context.Context, workspaceID, id string) error
	// TouchAPIKey records a key's use at at, unless one within
	// serentak.KeyUseResolution before it is recorded.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error

	// FindTrackedLink finds a tracked order link by its code (not_found
	// when there is none), for GET /o/{code}: the code is the key, in no
	// workspace's scope.
	FindTrackedLink(ctx context.Context, code string) (serentak.TrackedLink, error)
	// AddLinkClicks adds counted clicks by code (clicks = clicks + n) and
	// sets their last click time.
	AddLinkClicks(ctx context.Context, clicks map[string]int64, at time.Time) error

	UpsertAccount(ctx context.Context, a serentak.Account) (serentak.Account, bool, error)
	FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error)
	FindAccounts(ctx context.Context, workspaceID string) ([]serentak.Account, error)
	// DeleteAccount removes an account (not_found when there is none):
	// its deliveries not started are canceled with the error
	// account_removed, its tokens erased; it returns the account as it
	// was, tokens included, to revoke them at the platform.
	DeleteAccount(ctx context.Context, workspaceID, id string) (serentak.Account, error)

	CreateMedia(ctx context.Context, m serentak.Media) error
	FindMediaByID(ctx context.Context, workspaceID, id string) (serentak.Media, error)
	// FindMedia pages through the workspace's media, newest first; the
	// cursor is the last ID of the previous page, next is "" on the last.
	FindMedia(ctx context.Context, workspaceID, cursor string, limit int) (media []serentak.Media, next string, err error)
	// DeleteMedia removes the record and returns it, so its bytes can be
	// removed next.
	DeleteMedia(ctx context.Context, workspaceID, id string) (serentak.Media, error)

	CreatePost(ctx context.Context, p serentak.Post, idem *serentak.IdempotencyKey) (serentak.Post, bool, error)
	// FindPostByIdempotencyKey makes a replayed request answer the first
	// post even when its body no longer validates (its scheduled_at has
	// passed, an account needs reauth): a replay is looked up before
	// validation. found is false when no live post has the key.
	FindPostByIdempotencyKey(ctx context.Context, workspaceID string, idem serentak.IdempotencyKey) (p serentak.Post, found bool, err error)
	FindPostByID(ctx context.Context, workspaceID, id string) (serentak.Post, error)
	// The queue (queue.go). PutQueue replaces a workspace's slots;
	// FindQueue answers them with up to n free times from from on;
	// CreateQueuedPost stores a post at the next free slot, chosen in its
	// transaction so that two queued posts never share one
	// (validation_failed naming "queue" when there is none).
	PutQueue(ctx context.Context, workspaceID string, slots []serentak.QueueSlot) ([]serentak.QueueSlot, error)
	FindQueue(ctx context.Context, workspaceID string, from time.Time, n int) (serentak.Queue, error)
	CreateQueuedPost(ctx context.Context, p serentak.Post, idem *serentak.IdempotencyKey, from time.Time) (serentak.Post, bool, error)
	// CreatePostSeries stores every post of a repeat in one transaction;
	// a replay of its Idempotency-Key answers them all. FindSeriesIDs
	// lists a series' post IDs by the first's.
	CreatePostSeries(ctx context.Context, ps []serentak.Post, idem *serentak.IdempotencyKey) ([]serentak.Post, bool, error)
	FindSeriesIDs(ctx context.Context, workspaceID, firstID string) ([]string, error)
	FindPosts(ctx context.Context, workspaceID string, f serentak.PostFilter) ([]serentak.Post, string, error)
	CancelPost(ctx context.Context, workspaceID, id string) (serentak.Post, error)
	ReschedulePost(ctx context.Context, workspaceID, id string, at time.Time) (serentak.Post, error)
	// ResubmitPost reschedules and holds the post for approval again
	// (an editor's change in a workspace with approval_required).
	ResubmitPost(ctx context.Context, workspaceID, id string, at time.Time) (serentak.Post, error)
	// UpdatePost applies a checked edit; each delivery changes only if
	// still as read (not claimed meanwhile), and conflict when none could.
	UpdatePost(ctx context.Context, workspaceID, id string, e serentak.PostEdit) (serentak.Post, serentak.EditResult, error)
	// DeletePost cancels the deliveries not started and hides the post.
	DeletePost(ctx context.Context, workspaceID, id string) error
	// DecidePost approves or rejects a post in pending_approval (conflict
	// otherwise); with a link hash, uses the link up in the same
	// transaction (not_found when it is used or expired).
	DecidePost(ctx context.Context, workspaceID, id string, d serentak.Decision) (serentak.Post, error)
	CreateApprovalLink(ctx context.Context, l serentak.ApprovalLink) error
	// FindApprovalLink finds a link by its token's hash, used or expired
	// included.
	FindApprovalLink(ctx context.Context, hash string) (serentak.ApprovalLink, error)
	// CountDeliveries counts one platform's deliveries of every workspace
	// whose time is in [from, to), scheduled, publishing or published: the
	// YouTube uploads already planned for a quota day.
	CountDeliveries(ctx context.Context, platform serentak.Platform, from, to time.Time) (int, error)

	// Stats and reports (stats.go, report.go): FindPostStats is every
	// delivery of a post with its clicks and metrics (not_found "post");
	// FindPublishedStats the workspace's deliveries published in
	// [from, to), oldest first, with their posts; FindBioClicks the
	// link-in-bio page's clicks per post and source on the days
	// [fromDay, toDay) (YYYY-MM-DD). One query each.
	FindPostStats(ctx context.Context, workspaceID, postID string) ([]serentak.DeliveryStats, error)
	FindPublishedStats(ctx context.Context, workspaceID string, from, to time.Time) ([]serentak.DeliveryStats, error)
	FindBioClicks(ctx context.Context, workspaceID, fromDay, toDay string) ([]serentak.BioClicks, error)

	// The workspace's own wording of composed posts, by platform (or
	// serentak.AllPlatforms) and language. PutTemplate creates or replaces
	// one (not_found when the workspace does not exist); DeleteTemplate
	// removes one (not_found when there is none).
	PutTemplate(ctx context.Context, workspaceID string, o serentak.TemplateOverride) (serentak.TemplateOverride, error)
	FindTemplates(ctx context.Context, workspaceID string) ([]serentak.TemplateOverride, error)
	DeleteTemplate(ctx context.Context, workspaceID string, platform serentak.Platform, language string) error

	// People (users.go, members.go). CreateUser: conflict when the email
	// is taken, whatever its case; with a token, the invite link is
	// stored with the user.
	CreateUser(ctx context.Context, u serentak.User, token *serentak.PasswordToken) error
	CreatePasswordToken(ctx context.Context, t serentak.PasswordToken) error
	FindUserByID(ctx context.Context, id string) (serentak.User, error)
	FindUserByEmail(ctx context.Context, email string) (serentak.User, error)
	// CheckPasswordToken: not_found unless the link is live.
	CheckPasswordToken(ctx context.Context, hash, kind string, now time.Time) error
	// SetPasswordWithToken uses up a live link (not_found otherwise) and
	// ends the user's sessions.
	SetPasswordWithToken(ctx context.Context, hash, kind, passwordHash string, now time.Time) (serentak.User, error)
	CreateSession(ctx context.Context, s serentak.Session) error
	// FindSessionByHash finds a session not expired at now: one indexed
	// read, so an ended session answers 401 on every process at once.
	FindSessionByHash(ctx context.Context, hash string, now time.Time) (serentak.Session, error)
	TouchSession(ctx context.Context, s serentak.Session, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	FindMembership(ctx context.Context, workspaceID, userID string) (serentak.Membership, error)
	// FindMemberships lists a user's own workspace memberships, oldest first.
	FindMemberships(ctx context.Context, userID string) ([]serentak.Membership, error)
	FindMembers(ctx context.Context, workspaceID string) ([]serentak.Membership, []serentak.User, error)
	AddMember(ctx context.Context, m serentak.Membership) error
	// ChangeMember sets a member's role ("" removes them); conflict when
	// the workspace would be left without an owner.
	ChangeMember(ctx context.Context, workspaceID, userID string, role serentak.Role) error
	// FindEffectiveRole is the role a person acts with in a workspace:
	// their membership's, else their organization's
	// (serentak.EffectiveRole); not_found "workspace" when they have none.
	// One indexed read on every request a person makes to a workspace.
	FindEffectiveRole(ctx context.Context, workspaceID, userID string) (serentak.Role, error)
	// FindUserWorkspaces pages, by workspace ID, through the workspaces a
	// person may act in, directly or through an organization, with the
	// role that applies in each (next "" on the last page).
	FindUserWorkspaces(ctx context.Context, userID, cursor string, limit int) ([]serentak.WorkspaceAccess, string, error)

	// Organizations (orgs.go). FindOrgMembership is not_found
	// "organization" for a user outside it; ChangeOrgMember ("" removes)
	// is conflict when the organization would be left without an owner.
	CreateOrganization(ctx context.Context, o serentak.Organization) error
	FindOrganizationByID(ctx context.Context, id string) (serentak.Organization, error)
	UpdateOrganization(ctx context.Context, o serentak.Organization) (serentak.Organization, error)
	FindOrganizations(ctx context.Context, cursor string, limit int) ([]serentak.Organization, string, error)
	FindOrgWorkspaces(ctx context.Context, orgID, cursor string, limit int) ([]serentak.Workspace, string, error)
	FindOrgMembership(ctx context.Context, orgID, userID string) (serentak.OrgMembership, error)
	FindUserOrgMemberships(ctx context.Context, userID string) ([]serentak.OrgMembership, []serentak.Organization, error)
	FindOrgMembers(ctx context.Context, orgID string) ([]serentak.OrgMembership, []serentak.User, error)
	AddOrgMember(ctx context.Context, m serentak.OrgMembership) error
	ChangeOrgMember(ctx context.Context, orgID, userID string, role serentak.Role) error

	// The audit log (audit.go): AddAudit writes one entry; FindAudit pages
	// through a workspace's newest first, by ID (next is "" on the last
	// page).
	AddAudit(ctx context.Context, e serentak.AuditEntry) error
	FindAudit(ctx context.Context, workspaceID, cursor string, limit int) (entries []serentak.AuditEntry, next string, err error)

	// Webhooks (webhooks.go). Every method is scoped by workspace
	// (not_found for another's endpoint). Find* answer endpoints without
	// their secrets; CreateWebhook and RotateWebhookSecret with them.
	// UpdateWebhook writes url, description, events and DisabledAt (nil:
	// enabled, which also clears FailingSince of a disabled endpoint).
	CreateWebhook(ctx context.Context, e serentak.WebhookEndpoint) (serentak.WebhookEndpoint, error)
	FindWebhooks(ctx context.Context, workspaceID string) ([]serentak.WebhookEndpoint, error)
	FindWebhookByID(ctx context.Context, workspaceID, id string) (serentak.WebhookEndpoint, error)
	UpdateWebhook(ctx context.Context, e serentak.WebhookEndpoint) (serentak.WebhookEndpoint, error)
	DeleteWebhook(ctx context.Context, workspaceID, id string) error
	RotateWebhookSecret(ctx context.Context, workspaceID, id, secret string) (serentak.WebhookEndpoint, error)
	// FindWebhookAttempts pages an endpoint's attempt log newest first,
	// by ID (next is "" on the last page).
	FindWebhookAttempts(ctx context.Context, workspaceID, endpointID, cursor string, limit int) ([]serentak.Attempt, string, error)
	// RetryWebhookAttempt makes the attempt's message pending and due now,
	// whatever its status.
	RetryWebhookAttempt(ctx context.Context, workspaceID, endpointID, attemptID string) (serentak.Message, error)
	CreateWebhookTest(ctx context.Context, workspaceID, endpointID string) (serentak.Message, error)
	// FindDeliveryByID: a delivery.* event's subject (EventData).
	FindDeliveryByID(ctx context.Context, workspaceID, id string) (serentak.Delivery, error)

	// Leaving (leave.go). FindMediaPage pages a workspace's media by ID
	// (next "" on the last page); CancelWorkspaceDeliveries cancels every
	// delivery not yet started; DeleteWorkspace erases the workspace and
	// all its rows in one transaction (not its users) and returns its
	// media's storage keys.
	FindMediaPage(ctx context.Context, workspaceID, cursor string, limit int) ([]serentak.Media, string, error)
	CancelWorkspaceDeliveries(ctx context.Context, workspaceID string) error
	DeleteWorkspace(ctx context.Context, workspaceID string) ([]string, error)
}
