package worker_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/worker"
)

// slotPublisher is an early starter that works with the platform before
// the time (as an upload would) and at it (the public call), and records
// how many of its deliveries did each at once.
type slotPublisher struct {
	mu                     sync.Mutex
	working, waiting       int
	maxWorking, maxWaiting int
	public                 map[string]time.Time // delivery → its public call
	waited                 map[string]time.Time // delivery → when it began to wait
}

func newSlotPublisher() *slotPublisher {
	return &slotPublisher{public: map[string]time.Time{}, waited: map[string]time.Time{}}
}

func (p *slotPublisher) Platform() serentak.Platform { return serentak.Facebook }
func (p *slotPublisher) StartsEarly() bool           { return true }

// count adds d to *n and records the most *n has been.
func (p *slotPublisher) count(n, most *int, d int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*n += d
	*most = max(*most, *n)
}

func (p *slotPublisher) work(d time.Duration) {
	p.count(&p.working, &p.maxWorking, 1)
	time.Sleep(d)
	p.count(&p.working, &p.maxWorking, -1)
}

func (p *slotPublisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	p.work(10 * time.Millisecond)
	if err := req.SaveFunc(ctx, serentak.Checkpoint{"step": "feed"}); err != nil {
		return serentak.Result{}, err
	}
	p.mu.Lock()
	p.waited[req.DeliveryID] = time.Now()
	p.mu.Unlock()
	p.count(&p.waiting, &p.maxWaiting, 1)
	err := req.WaitUntilDue(ctx)
	p.count(&p.waiting, &p.maxWaiting, -1)
	if err != nil {
		return serentak.Result{}, err
	}
	p.mu.Lock()
	p.public[req.DeliveryID] = time.Now()
	p.mu.Unlock()
	p.work(20 * time.Millisecond)
	return serentak.Result{ExternalID: "fb_" + req.DeliveryID}, nil
}

// Concurrency bounds the deliveries working with a platform at once, not
// those waiting for their time: three deliveries claimed ahead with a
// concurrency of one all wait together, yet only one at a time uploads or
// makes its public call.
func TestWaitingForTheTimeHoldsNoPublishingSlot(t *testing.T) {
	b := setup(t)
	pub := newSlotPublisher()
	w := b.newWorker(t, func(c *worker.Config) {
		c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: pub}
		c.Concurrency = map[serentak.Platform]int{serentak.Facebook: 1}
	})
	due := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	ds := make([]serentak.Delivery, 3)
	for i := range ds {
		ds[i] = b.addDelivery(t, b.acc, due)
		tk, _ := task.NewPublish(ds[i].ID, ds[i].Version, ds[i].Platform, due)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.ProcessTask(context.Background(), tk)
		}()
	}
	wg.Wait()
	for i, d := range ds {
		if errs[i] != nil {
			t.Fatalf("task %d: %v", i, errs[i])
		}
		if got := b.delivery(t, d); got.Status != serentak.DeliveryPublished {
			t.Errorf("delivery %d = %s, want published", i, got.Status)
		}
		if at := pub.public[d.ID]; at.Before(due) {
			t.Errorf("delivery %d: public call at %v, before its time %v", i, at, due)
		}
	}
	if pub.maxWorking != 1 {
		t.Errorf("%d deliveries worked with the platform at once; the concurrency is 1", pub.maxWorking)
	}
	if pub.maxWaiting != 3 {
		t.Errorf("%d deliveries waited for their time at once, want all 3: a waiting delivery holds no slot", pub.maxWaiting)
	}
}

// A burst larger than the concurrency is claimed during the lead up to
// Concurrency + Ahead deliveries: with a concurrency of one and two ahead,
// all three deliveries of a burst have claimed and checkpointed before
// their second, and are published once, at it.
func TestBurstClaimedAheadBeyondTheConcurrency(t *testing.T) {
	b := setup(t)
	pub := newSlotPublisher()
	b.startWorker(t, func(c *worker.Config) {
		c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: pub}
		c.Concurrency = map[serentak.Platform]int{serentak.Facebook: 1}
		c.Ahead = map[serentak.Platform]int{serentak.Facebook: 2}
	})
	due := nextSecond(2*time.Second, 0)
	client := asynq.NewClient(b.redis.Opt)
	defer client.Close()
	var ds []serentak.Delivery
	for range 3 {
		d := b.addDelivery(t, b.acc, due)
		// Released a second early, as the scheduler's lead does.
		tk, opts := task.NewPublish(d.ID, d.Version, d.Platform, due.Add(-time.Second))
		if _, err := client.Enqueue(tk, opts...); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	for _, d := range ds {
		got := b.waitFinal(t, d, 10*time.Second)
		if got.Status != serentak.DeliveryPublished {
			t.Errorf("delivery = %s, want published", got.Status)
		}
		pub.mu.Lock()
		waited, public := pub.waited[d.ID], pub.public[d.ID]
		pub.mu.Unlock()
		if !waited.Before(due) {
			t.Errorf("delivery claimed and checkpointed at %v, not ahead of its second %v", waited, due)
		}
		if public.Before(due) {
			t.Errorf("public call at %v, before its time %v", public, due)
		}
	}
	if pub.maxWaiting != 3 {
		t.Errorf("%d deliveries waited for their second at once, want the whole burst of 3 (concurrency 1 + 2 ahead)", pub.maxWaiting)
	}
	if pub.maxWorking != 1 {
		t.Errorf("%d deliveries worked with the platform at once; the concurrency is 1", pub.maxWorking)
	}
}
