package gormstore

import (
	"time"

	"gorm.io/gorm"
)

// Row types are the tables. They stay private: the rest of the program sees
// only the domain types of package serentak, converted at this package's
// edge. The tables themselves are made by the SQL migrations
// (migrations/, migrate.go), which a test holds to these structs. The
// pointer fields named after a parent table (Workspace, Post, Account)
// name the foreign keys the migrations create; they are never loaded or
// set, so GORM never writes through them.
//
// Times are stored in UTC, truncated to microseconds (PostgreSQL's
// precision). On SQLite they are text in one fixed layout, which sorts in
// time order only because every value is UTC: never write a local time.

type workspaceRow struct {
	ID        string    `gorm:"primaryKey"`
	Name      string    `gorm:"not null"`
	Timezone  string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	// Language and ApprovalRequired: migration 0004.
	Language         string `gorm:"not null;default:'id'"`
	ApprovalRequired bool   `gorm:"not null;default:false"`
	// OrganizationID: migration 0008; nil when no organization owns it.
	OrganizationID *string
	// TrackedLinks and Handle: migration 0015.
	TrackedLinks bool   `gorm:"not null;default:false"`
	Handle       string `gorm:"not null;default:''"`
}

func (workspaceRow) TableName() string { return "workspaces" }

type apiKeyRow struct {
	ID          string    `gorm:"primaryKey"`
	WorkspaceID string    `gorm:"not null;index:idx_api_keys_workspace"`
	Hash        string    `gorm:"not null;uniqueIndex:idx_api_keys_hash"`
	CreatedAt   time.Time `gorm:"not null"`
	// Role, Name, Prefix, LastUsedAt and RevokedAt: migration 0003.
	Role       string `gorm:"not null;default:'owner'"`
	Name       string `gorm:"not null;default:''"`
	Prefix     string `gorm:"not null;default:''"`
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	Workspace  *workspaceRow `gorm:"foreignKey:WorkspaceID"`
}

func (apiKeyRow) TableName() string { return "api_keys" }

type accountRow struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null;uniqueIndex:idx_accounts_external,priority:1"`
	Platform    string `gorm:"not null;uniqueIndex:idx_accounts_external,priority:2"`
	ExternalID  string `gorm:"not null;uniqueIndex:idx_accounts_external,priority:3"`
	Name        string `gorm:"not null"`
	Status      string `gorm:"not null"`
	// StatusReason explains needs_reauth.
	StatusReason string `gorm:"not null"`
	// AccessToken and RefreshToken are sealed with secretbox (aad: the
	// account ID); "" means no token.
	AccessToken    string `gorm:"type:text;not null"`
	RefreshToken   string `gorm:"type:text;not null"`
	TokenExpiresAt *time.Time
	CreatedAt      time.Time `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
	// DeletedAt marks an account removed (DeleteAccount, migration 0009):
	// its row stays because past deliveries name it, but GORM leaves it
	// out of every query (soft delete), so it answers not_found and the
	// same platform account connected again is a new row.
	DeletedAt gorm.DeletedAt
	Workspace *workspaceRow `gorm:"foreignKey:WorkspaceID"`
}

func (accountRow) TableName() string { return "accounts" }

type mediaRow struct {
	ID          string        `gorm:"primaryKey"`
	WorkspaceID string        `gorm:"not null;index:idx_media_page"` // with id (migration 0009)
	ContentType string        `gorm:"not null"`
	Size        int64         `gorm:"not null"`
	Kind        string        `gorm:"not null"`
	StorageKey  string        `gorm:"not null"`
	CreatedAt   time.Time     `gorm:"not null"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
	// Inspection (serentak.Inspection). The defaults are the columns' (they
	// were added to a table that already had rows).
	Width      int     `gorm:"not null;default:0"`
	Height     int     `gorm:"not null;default:0"`
	DurationMS int64   `gorm:"column:duration_ms;not null;default:0"`
	VideoCodec string  `gorm:"not null;default:''"`
	AudioCodec string  `gorm:"not null;default:''"`
	FrameRate  float64 `gorm:"not null;default:0"`
}

func (mediaRow) TableName() string { return "media" }

// postRow keeps Status denormalized (derived from its deliveries) so the
// list can filter and page by it through an index; every change of a
// delivery's status recomputes it in the same transaction.
type postRow struct {
	ID          string `gorm:"primaryKey;index:idx_posts_page,priority:3;index:idx_posts_status_page,priority:4"`
	WorkspaceID string `gorm:"not null;index:idx_posts_page,priority:1;index:idx_posts_status_page,priority:1"`
	// Product, Hashtags and Media are JSON; Product is NULL when absent.
	Product     *string       `gorm:"type:text"`
	Caption     string        `gorm:"type:text;not null"`
	Hashtags    string        `gorm:"type:text;not null"`
	Media       string        `gorm:"type:text;not null"`
	ScheduledAt time.Time     `gorm:"not null;index:idx_posts_page,priority:2;index:idx_posts_status_page,priority:3"`
	Status      string        `gorm:"not null;index:idx_posts_status_page,priority:2"`
	CreatedAt   time.Time     `gorm:"not null"`
	UpdatedAt   time.Time     `gorm:"not null"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
	// ApprovedBy and RejectionComment: migration 0004.
	ApprovedBy       string `gorm:"not null;default:''"`
	RejectionComment string `gorm:"type:text;not null;default:''"`
	// RepeatOf: migration 0009; the first post of its repeat series (the
	// first names itself), nil for a post made alone.
	RepeatOf *string
	// Source is the request the post was made from, merged with each
	// edit's; DeletedAt marks a deleted post (migration 0010).
	Source    string `gorm:"type:text;not null;default:''"`
	DeletedAt *time.Time
}

func (postRow) TableName() string { return "posts" }

// deliveryRow drives the pipeline (ARCHITECTURE.md, "A delivery's life").
// Three partial indexes keep the scheduler's queries cheap however many
// future or finished deliveries there are: each covers only the rows its
// query can return.
type deliveryRow struct {
	ID     string `gorm:"primaryKey"`
	PostID string `gorm:"not null;index:idx_deliveries_post_account,priority:1"`
	// Position is the target's place in the request, so a post's deliveries
	// come back in the order they were given.
	Position    int    `gorm:"not null"`
	WorkspaceID string `gorm:"not null"`
	AccountID   string `gorm:"not null;index:idx_deliveries_account;index:idx_deliveries_post_account,priority:2"`
	Platform    string `gorm:"not null"`
	Status      string `gorm:"not null"`
	// Content is JSON, composed at creation and published verbatim.
	Content     string    `gorm:"type:text;not null"`
	ScheduledAt time.Time `gorm:"not null;index:idx_deliveries_due,where:status = 'scheduled' AND enqueued_at IS NULL"`
	Version     int       `gorm:"not null"`
	// EnqueuedAt: the scheduler put a task for this version in Redis.
	EnqueuedAt *time.Time `gorm:"index:idx_deliveries_enqueued,where:status = 'scheduled' AND enqueued_at IS NOT NULL"`
	// LeaseUntil's index serves the sweep for leases run out (status
	// publishing, lease_until < now). Its predicate names lease_until too,
	// which only the sweep's range implies: the lease-guarded writes (id,
	// token, status publishing) would otherwise match it, and PostgreSQL,
	// with statistics taken while nothing was publishing, chose it over the
	// primary key and scanned every leased row for each write in a burst.
	LeaseUntil *time.Time `gorm:"index:idx_deliveries_leased,where:status = 'publishing' AND lease_until IS NOT NULL"`
	LeaseToken string     `gorm:"not null"`
	RetryAt    *time.Time
	Attempts   int `gorm:"not null"`
	// Checkpoint is the adapter's JSON object.
	Checkpoint     string `gorm:"type:text;not null"`
	ExternalID     string `gorm:"not null"`
	Permalink      string `gorm:"type:text;not null"`
	PublishedAt    *time.Time
	ErrorCode      string    `gorm:"not null"`
	ErrorMessage   string    `gorm:"type:text;not null"`
	ErrorRetryable bool      `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
	// Warnings is the JSON list of what the platform did differently from
	// what was asked (Result.Warnings), written on publication
	// (migration 0002).
	Warnings string `gorm:"type:text;not null;default:'[]'"`
	// TraceParent is the W3C traceparent of the request that created the
	// delivery, "" without tracing (migration 0013).
	TraceParent string        `gorm:"not null;default:''"`
	Post        *postRow      `gorm:"foreignKey:PostID"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
	Account     *accountRow   `gorm:"foreignKey:AccountID"`
}

func (deliveryRow) TableName() string { return "deliveries" }

// idempotencyRow remembers an Idempotency-Key for IdempotencyWindow. The
// primary key is what makes two concurrent requests with one key create one
// post: the second insert fails and that request reads the first's result.
type idempotencyRow struct {
	WorkspaceID string        `gorm:"primaryKey"`
	IdemKey     string        `gorm:"primaryKey"`
	RequestHash string        `gorm:"not null"`
	PostID      string        `gorm:"not null"`
	CreatedAt   time.Time     `gorm:"not null"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
	Post        *postRow      `gorm:"foreignKey:PostID"`
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// tables lists every table, parents first.
func tables() []any {
	return []any{
		&workspaceRow{}, &apiKeyRow{}, &accountRow{}, &mediaRow{},
		&postRow{}, &deliveryRow{}, &idempotencyRow{},
		&templateRow{},
		&oauthStateRow{}, &reconnectLinkRow{}, &accountHealthRow{}, // oauth.go
		&userRow{}, &sessionRow{}, &membershipRow{}, &passwordTokenRow{}, // user.go
		&approvalLinkRow{},                      // approval.go
		&auditRow{},                             // audit.go
		&organizationRow{}, &orgMembershipRow{}, // org.go
		&webhookEndpointRow{}, &webhookMessageRow{}, &webhookAttemptRow{}, // webhook.go
		&queueSlotRow{},                            // queue.go
		&notificationRow{}, &notificationSendRow{}, // notification.go
		&trackedLinkRow{}, &deliveryMetricsRow{}, &bioClickRow{}, // orderlinks.go
	}
}
