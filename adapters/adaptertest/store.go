// Package adaptertest is what the platform adapters' tests share: the
// conformance suite every serentak.Publisher passes (Exercise) and an
// in-memory checkpoint store standing in for the database. The clock a
// publisher and its fake share is testkit.Clock. The strict fake platform
// servers live beside each adapter and are built with adapters/fakeplatform.
package adaptertest

import (
	"context"
	"errors"
	"maps"
	"sync"

	"github.com/serentak/serentak"
)

// ErrDatabaseDown is what Store.Save returns once FailAfter's count is
// reached.
var ErrDatabaseDown = errors.New("database is down")

// Store is an in-memory checkpoint store standing in for the database:
// Save is a serentak.PublishRequest's SaveFunc, and Checkpoint is what the
// worker would load for the next attempt. The zero Store is empty and
// never fails.
type Store struct {
	mu        sync.Mutex
	cp        serentak.Checkpoint
	saves     int
	failAfter int
	hook      func(cp serentak.Checkpoint) error
	after     func(cp serentak.Checkpoint)
}

// NewStore returns a store holding cp, as an earlier attempt left it.
func NewStore(cp serentak.Checkpoint) *Store { return &Store{cp: maps.Clone(cp)} }

// Save stores a copy of cp, unless the hook refuses it or FailAfter's
// count is reached.
func (s *Store) Save(_ context.Context, cp serentak.Checkpoint) error {
	s.mu.Lock()
	if s.failAfter > 0 && s.saves >= s.failAfter {
		s.mu.Unlock()
		return ErrDatabaseDown
	}
	if s.hook != nil {
		if err := s.hook(cp); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	s.saves++
	s.cp = maps.Clone(cp)
	after := s.after
	s.mu.Unlock()
	if after != nil {
		after(cp)
	}
	return nil
}

// Checkpoint is a copy of the last checkpoint saved.
func (s *Store) Checkpoint() serentak.Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.cp)
}

// Saves counts the saves that succeeded.
func (s *Store) Saves() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// FailAfter makes every save after the first n successful ones fail with
// ErrDatabaseDown; 0 turns that off.
func (s *Store) FailAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAfter = n
}

// SetHook sets a function that sees each checkpoint before it is stored
// and may refuse it (a database failure, a lost lease, a worker dying
// before the write); nil removes it. It runs under the store's lock.
func (s *Store) SetHook(hook func(cp serentak.Checkpoint) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = hook
}

// SetAfter sets a function called after each successful save, outside the
// store's lock (to act at a chosen step, such as killing the attempt);
// nil removes it.
func (s *Store) SetAfter(after func(cp serentak.Checkpoint)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after = after
}
