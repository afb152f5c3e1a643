package worker_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/worker"
)

// observed records what a worker tells its Observer.
type observed struct {
	mu       sync.Mutex
	outcomes []worker.Outcome
	late     []time.Duration
	calls    []error
	took     []time.Duration
}

func (o *observed) Outcome(_ serentak.Platform, out worker.Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.outcomes = append(o.outcomes, out)
}

func (o *observed) Late(_ serentak.Platform, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.late = append(o.late, d)
}

func (o *observed) PlatformCall(_ serentak.Platform, err error, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls, o.took = append(o.calls, err), append(o.took, d)
}

// The Observer hears each recorded outcome, the lateness of what was
// published and each platform call with its error, the wait for the
// scheduled second left out of the call's time.
func TestObserverIsTold(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	obs := &observed{}
	pub := &earlyPublisher{entered: make(chan time.Time, 2), saved: make(chan time.Time, 2), public: make(chan time.Time, 2)}
	w := b.newWorker(t, func(c *worker.Config) {
		c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: pub}
		c.Observer = obs
	})
	const wait = time.Second
	d := b.addDelivery(t, b.acc, time.Now().Add(wait))
	tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
	if err := w.ProcessTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	obs.mu.Lock()
	if len(obs.outcomes) != 1 || obs.outcomes[0] != worker.OutcomePublished {
		t.Errorf("outcomes %v, want [published]", obs.outcomes)
	}
	if len(obs.late) != 1 || obs.late[0] < 0 {
		t.Errorf("lateness %v, want one, not early", obs.late)
	}
	if len(obs.calls) != 1 || obs.calls[0] != nil {
		t.Errorf("platform calls %v, want one that succeeded", obs.calls)
	} else if obs.took[0] >= wait/2 {
		t.Errorf("the call took %v by the Observer: the %v wait for the scheduled time was counted", obs.took[0], wait)
	}
	obs.mu.Unlock()

	// A refused post: the call's error and the failure.
	rejected := pubErr(serentak.Rejected, 0)
	obs2 := &observed{}
	b.pub.script = failTimes(1, rejected)
	defer func() { b.pub.script = nil }()
	w2 := b.newWorker(t, func(c *worker.Config) { c.Observer = obs2 })
	d2 := b.addDelivery(t, b.acc, time.Now().Add(-time.Second))
	tk2, _ := task.NewPublish(d2.ID, d2.Version, d2.Platform, d2.ScheduledAt)
	if err := w2.ProcessTask(ctx, tk2); err != nil {
		t.Fatal(err)
	}
	obs2.mu.Lock()
	defer obs2.mu.Unlock()
	if len(obs2.outcomes) != 1 || obs2.outcomes[0] != worker.OutcomeFailed || len(obs2.late) != 0 {
		t.Errorf("outcomes %v, lateness %v; want [failed] and none", obs2.outcomes, obs2.late)
	}
	if len(obs2.calls) != 1 || obs2.calls[0] != rejected {
		t.Errorf("platform calls %v, want the rejection", obs2.calls)
	}
}
