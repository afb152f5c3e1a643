package serentak

import "time"

// Product is what a merchant sells; a post is composed from it.
type Product struct {
	Name        string `json:"name"`
	Price       *Price `json:"price,omitempty"`
	Description string `json:"description,omitempty"`
	// URL is where to order: often a WhatsApp wa.me link, or a shop page.
	// A WhatsApp number written alone is read as its wa.me link.
	URL string `json:"url,omitempty"`
	// WhatsApp is the merchant's WhatsApp number, in any spelling people
	// use (0852-1234-5678, +62 852 1234 5678); compose reads it
	// (compose.ParseWhatsApp) and a prepared post holds it in E.164 form,
	// +6285212345678. Without URL it is the order link (a wa.me link);
	// with URL, URL stays the order link and the number is what a caption
	// whose links cannot be tapped shows.
	WhatsApp string `json:"whatsapp,omitempty"`
	// CompareAtPrice is the usual price when Price is a discount: same
	// currency, higher amount. A composed post announces the discount.
	CompareAtPrice *Price `json:"compare_at_price,omitempty"`
	// CTA is the merchant's own call to action ("Pesan lewat WhatsApp ya
	// kak!"); it replaces the template's wording before the order link.
	CTA string `json:"cta,omitempty"`
}

// Price is an amount in a currency's major unit (IDR 25000 is Rp25.000;
// USD 4.5 is $4.50).
type Price struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"` // ISO 4217, e.g. "IDR"
}

// PostStatus is derived from a post's deliveries; see DerivePostStatus.
type PostStatus string

const (
	PostScheduled          PostStatus = "scheduled"
	PostPublishing         PostStatus = "publishing"
	PostPublished          PostStatus = "published"
	PostPartiallyPublished PostStatus = "partially_published"
	PostFailed             PostStatus = "failed"
	PostCanceled           PostStatus = "canceled"
	// PostPendingApproval: an editor made the post in a workspace with
	// approval_required; nothing of it is published until it is approved.
	PostPendingApproval PostStatus = "pending_approval"
	// PostRejected: an approver refused it; nothing of it is published.
	PostRejected PostStatus = "rejected"
	// PostDraft: made with "draft": true and not scheduled yet; nothing of
	// it is queued until POST …/posts/{id}/schedule.
	PostDraft PostStatus = "draft"
)

// Valid reports whether s is a known post status.
func (s PostStatus) Valid() bool {
	switch s {
	case PostScheduled, PostPublishing, PostPublished, PostPartiallyPublished, PostFailed, PostCanceled,
		PostPendingApproval, PostRejected, PostDraft:
		return true
	}
	return false
}

// Post is one product post, fanned out to one Delivery per target account.
type Post struct {
	ID          string
	WorkspaceID string
	Product     *Product
	Caption     string // as given; empty when composed from Product
	Hashtags    []string
	Media       []MediaRef
	ScheduledAt time.Time
	Status      PostStatus
	// ApprovedBy names who approved or rejected the post ("key_…",
	// "operator", "link" for the approval link); empty when nobody has.
	ApprovedBy string
	// RejectionComment is what the approver said when rejecting it.
	RejectionComment string
	// RepeatOf is the ID of the first post of the repeat series the post
	// belongs to (the first post names itself); empty for a post made
	// alone.
	RepeatOf string
	// Source is the request the post was made from (JSON), merged with
	// every edit's: an edit names only what changes, and what it leaves
	// out (a target's caption, the language) is read from here.
	Source     []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Deliveries []Delivery
}

// DeliveryStatus is where one target of a post stands.
type DeliveryStatus string

const (
	DeliveryScheduled  DeliveryStatus = "scheduled"
	DeliveryPublishing DeliveryStatus = "publishing"
	DeliveryPublished  DeliveryStatus = "published"
	DeliveryFailed     DeliveryStatus = "failed"
	DeliveryCanceled   DeliveryStatus = "canceled"
	// DeliveryPendingApproval and DeliveryRejected carry their post's
	// approval status: the scheduler picks only DeliveryScheduled, so
	// nothing of them is queued.
	DeliveryPendingApproval DeliveryStatus = "pending_approval"
	DeliveryRejected        DeliveryStatus = "rejected"
	// DeliveryDraft carries its post's draft status: not queued either.
	DeliveryDraft DeliveryStatus = "draft"
)

// Editable reports whether a delivery in status s has not started and can
// still be edited, rescheduled, canceled or removed.
func (s DeliveryStatus) Editable() bool {
	switch s {
	case DeliveryScheduled, DeliveryPendingApproval, DeliveryRejected, DeliveryDraft:
		return true
	}
	return false
}

// Final reports whether no further transition can happen.
func (s DeliveryStatus) Final() bool {
	return s == DeliveryPublished || s == DeliveryFailed || s == DeliveryCanceled
}

// Delivery is one post on one account. Its Content is composed and fitted to
// the platform when the post is created, so what was previewed and accepted
// is exactly what is published.
type Delivery struct {
	ID          string
	PostID      string
	WorkspaceID string
	AccountID   string
	Platform    Platform
	Status      DeliveryStatus
	Content     Content
	ScheduledAt time.Time
	// Version grows with every reschedule; a queued task carries the version
	// it was made for and does nothing when the delivery has moved on.
	Version     int
	Attempts    int
	ExternalID  string
	Permalink   string
	PublishedAt time.Time
	Error       *DeliveryError
	// Warnings are what the platform reported doing differently from what
	// was asked (Result.Warnings), recorded on publication. The API shows
	// them after Content.Warnings.
	Warnings []Warning
	// Checkpoint is what the adapter recorded of a publish in progress (a
	// container ID, an upload session, "a /feed call was sent"), so a retry
	// after a crash resumes instead of repeating a non-idempotent call.
	Checkpoint Checkpoint
	// TraceParent is the W3C traceparent of the request that created the
	// delivery ("" when tracing was off), stored so that the scheduler,
	// reading the delivery later, continues that request's trace.
	TraceParent string
	// TrackedLink is set by the API when it composes the delivery in a
	// workspace with tracked links on, and stored with it (same
	// transaction); deliveries read from the store leave it nil.
	TrackedLink *TrackedLink
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TrackedLink is a delivery's tracked order link
// (docs/api.md#order-links-that-count): its composed text carries
// {SERENTAK_PUBLIC_URL}/o/{Code} (or, where links cannot be tapped, Ref
// beside the WhatsApp number), and /o/{Code} answers 302 to Target.
type TrackedLink struct {
	Code string
	// Target is the order link the code leads to: a wa.me link with its
	// prefilled message and Ref added.
	Target string
	// Ref is the short reference a WhatsApp chat shows, the platform's
	// letters and the code's first characters ("IG-7K2"), so the merchant
	// can tell which post and platform a chat came from.
	Ref string
	// Clicks counted so far, and the last one's time (zero: none); read
	// from the store, never written through this type.
	Clicks      int64
	LastClickAt time.Time
}

// DeliveryError says why a delivery failed or is being retried. Code is
// ours (e.g. "rejected", "needs_reauth"); the platform's own code is kept in
// Message.
type DeliveryError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

// DerivePostStatus computes a post's status from its deliveries' statuses:
// canceled when all are canceled; draft while any delivery is; pending_approval or rejected while
// any delivery is (the approval status holds the whole post); scheduled while nothing has started;
// publishing while anything is still to happen after something started;
// then published, partially_published or failed by what was delivered.
func DerivePostStatus(ds []DeliveryStatus) PostStatus {
	var scheduled, publishing, published, failed, canceled, pending, rejected, drafts int
	for _, s := range ds {
		switch s {
		case DeliveryDraft:
			drafts++
		case DeliveryPendingApproval:
			pending++
		case DeliveryRejected:
			rejected++
		case DeliveryScheduled:
			scheduled++
		case DeliveryPublishing:
			publishing++
		case DeliveryPublished:
			published++
		case DeliveryFailed:
			failed++
		case DeliveryCanceled:
			canceled++
		}
	}
	switch {
	case len(ds) == 0 || canceled == len(ds):
		return PostCanceled
	case drafts > 0:
		return PostDraft
	case pending > 0:
		return PostPendingApproval
	case rejected > 0:
		return PostRejected
	case publishing > 0 || (scheduled > 0 && published+failed > 0):
		return PostPublishing
	case scheduled > 0:
		return PostScheduled
	case published > 0 && failed == 0:
		return PostPublished
	case published > 0:
		return PostPartiallyPublished
	default:
		return PostFailed
	}
}

// IdempotencyKey is a client's Idempotency-Key with the hash of the request
// body it came with: the same key and body answer the first result again.
type IdempotencyKey struct {
	Key         string
	RequestHash string
}

// PostFilter selects posts of a workspace, newest scheduled first unless
// Ascending. Every field set narrows the selection (AND); Statuses is any
// of them (OR).
type PostFilter struct {
	Status PostStatus // empty: any
	// Statuses adds more statuses to Status: a post in any of them.
	Statuses []PostStatus
	// From and To bound the post's scheduled time, From included, To
	// excluded; zero: unbounded.
	From, To time.Time
	// AccountID and Platform keep posts with a delivery to that account,
	// or to that platform.
	AccountID string
	Platform  Platform
	// Ascending orders by scheduled time oldest first (a calendar);
	// otherwise newest first. A cursor belongs to one order.
	Ascending bool
	Limit     int    // 1..100; 0 means 20
	Cursor    string // from a previous page; empty for the first
}

// AllStatuses returns Status and Statuses together, without repeats.
func (f PostFilter) AllStatuses() []PostStatus {
	var out []PostStatus
	seen := map[PostStatus]bool{}
	for _, s := range append([]PostStatus{f.Status}, f.Statuses...) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// PostEdit is a checked change of a stored post (an edit, or a draft
// scheduled): the post's own fields as they become, and what happens to
// each delivery. Every delivery change is conditional on the delivery
// being still as the caller read it (Version and Status): one claimed by a
// worker meanwhile is left as it is and reported unchanged, so a delivery
// publishes entirely its old content or entirely its new one.
type PostEdit struct {
	// Post holds the new Product, Caption, Hashtags, Media, ScheduledAt
	// and Source; its Deliveries are ignored.
	Post Post
	// Deliveries are the post's deliveries after the edit, in target
	// order: stored ones (ID, Version and Status as read) recomposed, and
	// new ones (New).
	Deliveries []DeliveryEdit
	// Remove are the stored deliveries whose targets the edit dropped.
	Remove []DeliveryEdit
}

// DeliveryEdit is one delivery of a PostEdit.
type DeliveryEdit struct {
	// Delivery is the delivery as it becomes: Content, Status,
	// ScheduledAt (and for a new one all of it).
	Delivery Delivery
	New      bool
	// Version and Status are the stored delivery's as the caller read
	// them.
	Version int
	Status  DeliveryStatus
}

// EditResult says, per delivery, what an edit did.
type EditResult struct {
	Changed   []string            `json:"changed"`
	Removed   []string            `json:"removed"`
	Unchanged []UnchangedDelivery `json:"unchanged"`
}

// UnchangedDelivery is a delivery an edit left as it was, and why.
type UnchangedDelivery struct {
	ID     string         `json:"id"`
	Status DeliveryStatus `json:"status"`
	Reason string         `json:"reason"`
}
