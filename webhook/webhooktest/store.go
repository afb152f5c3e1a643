// Package webhooktest holds an in-memory webhook.Store for tests and
// benchmarks of the sending side: it follows the semantics webhook.Store
// documents, which gormstore implements for real.
package webhooktest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/webhook"
)

// Store keeps messages and endpoints in memory. Use NewStore.
type Store struct {
	mu        sync.Mutex
	messages  map[string]*serentak.Message
	leases    map[string]time.Time // of sending messages
	endpoints map[string]*serentak.WebhookEndpoint
	attempts  []serentak.Attempt
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		messages:  map[string]*serentak.Message{},
		leases:    map[string]time.Time{},
		endpoints: map[string]*serentak.WebhookEndpoint{},
	}
}

// AddEndpoint adds or replaces an endpoint.
func (f *Store) AddEndpoint(e serentak.WebhookEndpoint) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.endpoints[e.ID] = &e
}

// AddMessage adds or replaces a message; its status defaults to pending.
func (f *Store) AddMessage(m serentak.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m.Status == "" {
		m.Status = serentak.MessagePending
	}
	f.messages[m.ID] = &m
}

// Message returns message id as stored.
func (f *Store) Message(id string) serentak.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.messages[id]
}

// Endpoint returns endpoint id as stored.
func (f *Store) Endpoint(id string) serentak.WebhookEndpoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.endpoints[id]
}

// Attempts returns the attempts recorded for message id, oldest first.
func (f *Store) Attempts(id string) []serentak.Attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	var as []serentak.Attempt
	for _, a := range f.attempts {
		if a.MessageID == id {
			as = append(as, a)
		}
	}
	return as
}

// due is the one definition of "due" DueMessages and ClaimMessage share.
func (f *Store) due(m *serentak.Message, now time.Time) bool {
	e := f.endpoints[m.EndpointID]
	if e == nil || e.DisabledAt != nil {
		return false
	}
	switch m.Status {
	case serentak.MessagePending:
		return !m.NextAttemptAt.After(now)
	case serentak.MessageSending:
		return f.leases[m.ID].Before(now)
	}
	return false
}

func (f *Store) DueMessages(_ context.Context, now time.Time, limit int) ([]serentak.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ms []serentak.Message
	for _, m := range f.messages {
		if f.due(m, now) {
			ms = append(ms, *m)
		}
	}
	slices.SortFunc(ms, func(a, b serentak.Message) int { return a.NextAttemptAt.Compare(b.NextAttemptAt) })
	if len(ms) > limit {
		ms = ms[:limit]
	}
	return ms, nil
}

func (f *Store) ClaimMessage(_ context.Context, id string, now, leaseUntil time.Time) (serentak.Message, serentak.WebhookEndpoint, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.messages[id]
	if m == nil || !f.due(m, now) {
		return serentak.Message{}, serentak.WebhookEndpoint{}, false, nil
	}
	m.Status = serentak.MessageSending
	f.leases[id] = leaseUntil
	return *m, *f.endpoints[m.EndpointID], true, nil
}

func (f *Store) RecordAttempt(_ context.Context, m serentak.Message, a serentak.Attempt) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.messages[m.ID]
	if cur == nil || cur.Status != serentak.MessageSending || cur.Attempts != m.Attempts-1 {
		return serentak.ErrLeaseLost
	}
	cur.Body, cur.Status, cur.Attempts, cur.NextAttemptAt = m.Body, m.Status, m.Attempts, m.NextAttemptAt
	delete(f.leases, m.ID)
	f.attempts = append(f.attempts, a)
	e := f.endpoints[m.EndpointID]
	if m.Status == serentak.MessageSucceeded {
		e.FailingSince = nil
		return nil
	}
	if e.FailingSince == nil {
		at := a.At
		e.FailingSince = &at
	} else if a.At.Sub(*e.FailingSince) >= serentak.WebhookDisableAfter {
		at := a.At
		e.DisabledAt, e.DisabledReason = &at, "failing since "+e.FailingSince.Format(time.RFC3339)
	}
	return nil
}

var _ webhook.Store = (*Store)(nil)
