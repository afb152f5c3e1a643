package gormstore

import (
	"context"
	"errors"
	"sync"
	"time"
)

// A burst of a thousand publishes makes thousands of small writes at the
// same moment. On SQLite every statement goes through the one connection,
// which the driver parses anew each time, so they queue behind each other a
// statement at a time; on PostgreSQL each is a round trip and a commit.
// The hot writes made at the same moment are therefore taken together:
//
//   - lease-guarded writes (checkpoints, outcomes; leaseWrite) share one
//     transaction, each post recomputed once, on both databases (on
//     PostgreSQL four batches run at once, over the pool);
//   - claims are one UPDATE for the whole batch, and one commit (claims.go).
//
// Nothing waits to fill a batch: a request that finds a batcher idle runs
// alone at once, and the requests that arrive while batches run make the
// next ones. BENCHMARKS.md has what each step gained.

// errStoreClosed answers a request made after Close.
var errStoreClosed = errors.New("gormstore: the store is closed")

// batchTimeout bounds one batch's work. A batch runs on a context of its
// own: it outlives the context of any one request in it (see submit).
const batchTimeout = 30 * time.Second

// batcher runs requests in batches of at most max, on loops goroutines.
type batcher[R any] struct {
	max      int
	run      func(context.Context, []R)
	reqs     chan R
	stop     chan struct{}
	stopOnce sync.Once
	done     sync.WaitGroup
}

func newBatcher[R any](max, loops int, run func(context.Context, []R)) *batcher[R] {
	b := &batcher[R]{max: max, run: run, reqs: make(chan R), stop: make(chan struct{})}
	for range loops {
		b.done.Add(1)
		go b.loop()
	}
	return b
}

// submit queues r. Once it returns nil, r's batch answers it however ctx
// ends: a write that was made must reach its caller.
func (b *batcher[R]) submit(ctx context.Context, r R) error {
	select {
	case b.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return errStoreClosed
	}
}

// close stops the batcher; requests submitted after it fail. Closing twice
// is harmless, as closing a Store twice is.
func (b *batcher[R]) close() {
	b.stopOnce.Do(func() { close(b.stop) })
	b.done.Wait()
}

func (b *batcher[R]) loop() {
	defer b.done.Done()
	for {
		select {
		case <-b.stop:
			return
		case r := <-b.reqs:
			batch := []R{r}
		fill:
			for len(batch) < b.max {
				select {
				case r := <-b.reqs:
					batch = append(batch, r)
				default:
					break fill
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
			b.run(ctx, batch)
			cancel()
		}
	}
}
