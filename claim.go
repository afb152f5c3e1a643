package serentak

import (
	"errors"
	"time"
)

// DueDelivery is what the scheduler needs to enqueue a delivery's task.
type DueDelivery struct {
	ID          string
	Platform    Platform
	Version     int
	ScheduledAt time.Time
	// PostID and WorkspaceID name the delivery in log lines.
	PostID      string
	WorkspaceID string
	// TraceParent is the stored Delivery.TraceParent.
	TraceParent string
}

// Claim is a delivery a worker holds for one publish attempt, with its
// account (tokens decrypted).
type Claim struct {
	Delivery Delivery
	Account  Account
	// Token proves the claim; every later write of this attempt carries it,
	// so a worker whose lease ran out cannot overwrite its successor's work.
	Token string
}

// ErrLeaseLost is returned by the lease-guarded writes of a claim (saving a
// checkpoint, completing, failing or retrying the delivery) when the claim
// is no longer the delivery's current one: its lease ran out and another
// worker took the delivery over, or it is no longer publishing. The worker
// must stop this attempt and write nothing more.
var ErrLeaseLost = errors.New("lease lost: another worker has taken over this delivery, or it is no longer publishing")
