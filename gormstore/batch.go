package gormstore

import (
	"context"
	"errors"
	"sync"
)

// On SQLite every statement goes through the one connection, and the
// driver parses every statement anew, so a burst of a thousand publishes,
// each a few small transactions, queues behind itself: goroutines hand the
// connection to each other a statement at a time. The hot writes made at
// the same moment (claims.go, and the lease-guarded writes of leaseWrite)
// are therefore taken together, in one transaction. Nothing waits to fill
// a batch: a request that finds its batcher idle runs alone at once, and
// the requests that arrive while a batch runs make the next one.
// PostgreSQL runs its connections in parallel, so it does not batch.

// errStoreClosed answers a request made after Close.
var errStoreClosed = errors.New("gormstore: the store is closed")

// batcher runs requests in batches of at most max on one goroutine.
type batcher[R any] struct {
	max      int
	run      func([]R)
	reqs     chan R
	stop     chan struct{}
	stopOnce sync.Once
	done     sync.WaitGroup
}

func newBatcher[R any](max int, run func([]R)) *batcher[R] {
	b := &batcher[R]{max: max, run: run, reqs: make(chan R), stop: make(chan struct{})}
	b.done.Add(1)
	go b.loop()
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
			b.run(batch)
		}
	}
}
