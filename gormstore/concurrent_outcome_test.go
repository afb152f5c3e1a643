package gormstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

// Two deliveries of one post finishing at the same moment, each in its own
// transaction, must end the post: whichever recomputes second sees both
// outcomes. On PostgreSQL a recompute that locked the post and read its
// deliveries in one statement read them from before the other's commit,
// and the post stayed "publishing" (gormstore/post.go says why).
func TestConcurrentOutcomesEndThePost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 30 {
		p := b.post(t, b.clock.Now().Add(-time.Second), b.fb, b.ig)
		var claims []serentak.Claim
		for _, d := range p.Deliveries {
			c, ok, err := b.s.ClaimDelivery(b.ctx, d.ID, d.Version, b.clock.Now().Add(time.Minute))
			if err != nil || !ok {
				t.Fatalf("claim %s: %v, %v", d.ID, ok, err)
			}
			claims = append(claims, c)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range claims {
			wg.Go(func() {
				<-start
				if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: c.Delivery.ID}); err != nil {
					t.Errorf("complete %s: %v", c.Delivery.ID, err)
				}
			})
		}
		close(start)
		wg.Wait()
		got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != serentak.PostPublished {
			t.Fatalf("round %d: both deliveries published at once, the post is %s, want published", i, got.Status)
		}
	}
}
