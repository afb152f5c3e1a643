package testkit_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak/testkit"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := testkit.NewClock(start)
	now := c.Now // the form code under test receives
	c.Advance(90 * time.Second)
	if got := now(); !got.Equal(start.Add(90 * time.Second)) {
		t.Errorf("after Advance(90s) Now = %v, want %v", got, start.Add(90*time.Second))
	}
	c.Advance(-time.Minute)
	if got := now(); !got.Equal(start.Add(30 * time.Second)) {
		t.Errorf("after Advance(-1m) Now = %v, want %v", got, start.Add(30*time.Second))
	}
	later := start.Add(48 * time.Hour)
	c.Set(later)
	if got := now(); !got.Equal(later) {
		t.Errorf("after Set Now = %v, want %v", got, later)
	}
	if got := new(testkit.Clock).Now(); !got.IsZero() {
		t.Errorf("the zero Clock reads %v, want the zero time", got)
	}
}

// Advances from many goroutines at once all count (and -race finds no
// race between them and the readers).
func TestClockConcurrent(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := testkit.NewClock(start)
	const n = 200
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c.Advance(time.Second)
			_ = c.Now()
		})
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(n*time.Second); !got.Equal(want) {
		t.Errorf("after %d concurrent Advance(1s) Now = %v, want %v", n, got, want)
	}
}

// Lines written from many goroutines at once arrive whole, none lost (and
// -race finds no race between the writers and a reader).
func TestBuffer(t *testing.T) {
	var b testkit.Buffer
	const writers, lines = 20, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(&b, "writer %02d line %03d\n", w, i)
				if i%50 == 0 {
					_ = b.String()
				}
			}
		})
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	seen := map[string]bool{}
	for _, l := range got {
		var w, i int
		if n, err := fmt.Sscanf(l, "writer %02d line %03d", &w, &i); n != 2 || err != nil || len(l) != len("writer 00 line 000") {
			t.Fatalf("mangled line %q", l)
		}
		seen[l] = true
	}
	if len(seen) != writers*lines {
		t.Errorf("%d distinct lines, want %d", len(seen), writers*lines)
	}
}

// fatalTB records the failure of a test run on its own goroutine, and stops
// that goroutine as testing.T's Fatalf does.
type fatalTB struct {
	testing.TB // nil: WaitFor calls only Helper and Fatalf
	failure    string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// waitFor runs testkit.WaitFor with a fatalTB and returns its failure ("" if
// none) and how long it took.
func waitFor(timeout time.Duration, what string, cond func() bool) (string, time.Duration) {
	tb := &fatalTB{}
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		testkit.WaitFor(tb, timeout, what, cond)
	}()
	<-done
	return tb.failure, time.Since(start)
}

func TestWaitForReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	failure, took := waitFor(10*time.Second, "the fifth call", func() bool {
		calls++
		return calls == 5
	})
	if failure != "" {
		t.Fatalf("failed: %s", failure)
	}
	if calls != 5 {
		t.Errorf("cond called %d times, want 5 (polling stops when it holds)", calls)
	}
	// The first pauses are short: 1+2+4+8 ms, far from the timeout.
	if took > 2*time.Second {
		t.Errorf("took %v for a condition that held at the fifth poll", took)
	}
}

func TestWaitForFailsAtTheDeadline(t *testing.T) {
	const timeout = 500 * time.Millisecond
	var asked []time.Time
	start := time.Now()
	failure, took := waitFor(timeout, "a condition that never holds", func() bool {
		asked = append(asked, time.Now())
		return false
	})
	if want := "timed out after 500ms waiting for a condition that never holds"; failure != want {
		t.Fatalf("failure = %q, want %q", failure, want)
	}
	if took < timeout {
		t.Errorf("gave up after %v, before the %v timeout", took, timeout)
	}
	// The condition is asked once more at the deadline, not given up on a
	// pause before it.
	if last := asked[len(asked)-1].Sub(start); last < timeout {
		t.Errorf("last asked %v after the start, before the %v deadline", last, timeout)
	}
	// Polled, not slept through: the pauses stop growing at 20 ms (the
	// bound allows for a busy machine; doubling unbounded reaches 256 ms).
	for i := 1; i < len(asked); i++ {
		if gap := asked[i].Sub(asked[i-1]); gap > 150*time.Millisecond {
			t.Errorf("%v between polls %d and %d, want at most about 20ms", gap, i-1, i)
		}
	}
}
