package gormstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
)

func BenchmarkCreatePost(b *testing.B) {
	s := setup(b)
	at := s.clock.Now().Add(time.Hour)
	for b.Loop() {
		if _, _, err := s.s.CreatePost(s.ctx, newPost(s.ws.ID, at, s.fb, s.ig), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindDue: the scheduler's tick query with 20,000 deliveries
// scheduled for later and 50 due.
func BenchmarkFindDue(b *testing.B) {
	s := setup(b)
	now := s.clock.Now()
	targets := make([]serentak.Account, 100)
	for i := range targets {
		targets[i] = s.fb
	}
	for i := range 200 {
		s.post(b, now.Add(time.Duration(i+1)*time.Hour), targets...)
	}
	for range 50 {
		s.post(b, now.Add(-time.Minute), s.ig)
	}
	b.ResetTimer()
	for b.Loop() {
		due, err := s.s.FindDueDeliveries(s.ctx, now, 500)
		if err != nil || len(due) != 50 {
			b.Fatalf("FindDueDeliveries = %d, %v; want 50", len(due), err)
		}
	}
}

// BenchmarkOpenMigrated: a process's start on a database with nothing to
// migrate (connect, ping, read schema_migrations), then its stop.
func BenchmarkOpenMigrated(b *testing.B) {
	ctx := context.Background()
	cfg := gormstore.Config{URL: storetest.URL(b), SecretKey: storetest.Key(), MaxOpenConns: storetest.MaxOpenConns}
	open := func() {
		s, err := gormstore.Open(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	open() // migrates
	for b.Loop() {
		open()
	}
}

// BenchmarkMigrateNothingPending: the migration check alone.
func BenchmarkMigrateNothingPending(b *testing.B) {
	s := storetest.New(b)
	ctx := context.Background()
	for b.Loop() {
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompleteDelivery: the publishing hot path's record of a
// success (the lease-guarded write, the post's status, and, with
// endpoints, the webhook outbox's delivery.published and post.published),
// one delivery at a time, for a workspace with no webhook endpoint and
// for one with an endpoint subscribed to everything.
func BenchmarkCompleteDelivery(b *testing.B) {
	for _, endpoints := range []int{0, 1} {
		b.Run(fmt.Sprintf("endpoints=%d", endpoints), func(b *testing.B) {
			s := setup(b)
			for range endpoints {
				s.webhook(b, s.ws.ID)
			}
			at := s.clock.Now()
			claims := make([]serentak.Claim, b.N)
			for i := range claims {
				p, _, err := s.s.CreatePost(s.ctx, newPost(s.ws.ID, at, s.fb), nil)
				if err != nil {
					b.Fatal(err)
				}
				c, ok, err := s.s.ClaimDelivery(s.ctx, p.Deliveries[0].ID, 1, at.Add(time.Minute))
				if err != nil || !ok {
					b.Fatalf("claim: %v, %v", ok, err)
				}
				claims[i] = c
			}
			b.ResetTimer()
			for i := range b.N {
				if err := s.s.CompleteDelivery(s.ctx, claims[i], serentak.Result{ExternalID: "1"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompleteDeliveryBurst: 500 publications recorded at the same
// moment (a burst due at one second), batched as the worker's are; per
// op, the whole burst. The outbox costs a statement or two per batch;
// with an endpoint, it writes two messages per publication.
func BenchmarkCompleteDeliveryBurst(b *testing.B) {
	const burst = 500
	for _, endpoints := range []int{0, 1} {
		b.Run(fmt.Sprintf("endpoints=%d", endpoints), func(b *testing.B) {
			s := setup(b)
			for range endpoints {
				s.webhook(b, s.ws.ID)
			}
			at := s.clock.Now()
			for b.Loop() {
				b.StopTimer()
				claims := make([]serentak.Claim, burst)
				for i := range claims {
					p, _, err := s.s.CreatePost(s.ctx, newPost(s.ws.ID, at, s.fb), nil)
					if err != nil {
						b.Fatal(err)
					}
					c, ok, err := s.s.ClaimDelivery(s.ctx, p.Deliveries[0].ID, 1, at.Add(time.Minute))
					if err != nil || !ok {
						b.Fatalf("claim: %v, %v", ok, err)
					}
					claims[i] = c
				}
				b.StartTimer()
				var wg sync.WaitGroup
				for _, c := range claims {
					wg.Go(func() {
						if err := s.s.CompleteDelivery(s.ctx, c, serentak.Result{ExternalID: "1"}); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
		})
	}
}
