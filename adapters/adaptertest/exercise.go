package adaptertest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

// Harness is what the conformance suite needs to know of one platform.
type Harness struct {
	// Setup starts a fresh fake platform for one subtest (closing it with
	// t.Cleanup) and returns a publisher pointed at it.
	Setup func(t *testing.T) *Fixture
	// MaxAttempts bounds the attempts one publish may take through
	// Pending answers; 0 means 20.
	MaxAttempts int
}

// Fixture is one subtest's publisher, fake and publish request.
type Fixture struct {
	Publisher serentak.Publisher
	// Request is the publish request to make: an account whose tokens are
	// distinctive strings (the suite looks for them in every error),
	// content with media the platform accepts, and the media functions.
	// The suite sets Checkpoint and SaveFunc for each attempt.
	Request serentak.PublishRequest
	// Published returns the IDs of the posts the fake has made public, as
	// Result.ExternalID names them.
	Published func() []string
	// DropFinal makes the fake carry out the next call that makes the post
	// public and then hang up without answering.
	DropFinal func()
	// FailWith makes every later request fail with a platform error that
	// refuses the request as invalid (Rejected), whose message is message,
	// in the platform's own error shape.
	FailWith func(message string)
	// SetLatency delays every later answer of the fake by d.
	SetLatency func(d time.Duration)
	// Advance, when set, moves the clock of the publisher and the fake
	// forward, by each Pending answer's RetryAfter.
	Advance func(d time.Duration)
	// Pending says the platform answers "still processing" at least once
	// before this content is public. When false, the suite's Pending
	// subtest is skipped.
	Pending bool
	// Metrics, for a publisher that is a serentak.MetricsFetcher, sets
	// counts on the fake for the published item externalID and returns
	// one metric FetchMetrics must then report, by the platform's name.
	Metrics func(externalID string) (name string, value int64)
	// DenyMetrics returns the request's account with a token that lacks
	// the permission metrics need (connected before Serentak asked for it).
	DenyMetrics func() serentak.Account
}

// Exercise runs the conformance suite: the contract every
// serentak.Publisher keeps (publish.go, ARCHITECTURE.md "A delivery's
// life"), whatever its platform.
func Exercise(t *testing.T, h Harness) {
	t.Helper()
	if h.MaxAttempts == 0 {
		h.MaxAttempts = 20
	}

	t.Run("PublishesOnce", func(t *testing.T) {
		t.Parallel()
		f, s := h.Setup(t), &Store{}
		res := h.untilDone(t, f, s)
		f.wantPublished(t, res.ExternalID)
		// The result is saved: an attempt after a success (the worker died
		// before recording it) returns it and publishes nothing more.
		again, err := f.publish(context.Background(), s)
		f.noSecrets(t, err)
		if err != nil || again.ExternalID != res.ExternalID {
			t.Fatalf("Publish again with the saved checkpoint = %+v, %v; want %q", again, err, res.ExternalID)
		}
		f.wantPublished(t, res.ExternalID)
	})

	t.Run("SaveFailureMakesNothingPublic", func(t *testing.T) {
		t.Parallel()
		f, s := h.Setup(t), &Store{}
		s.SetHook(func(serentak.Checkpoint) error { return ErrDatabaseDown })
		for attempt := 1; attempt <= 2; attempt++ {
			_, err := f.publish(context.Background(), s)
			f.noSecrets(t, err)
			if err == nil {
				t.Fatalf("attempt %d: Publish succeeded although no checkpoint could be saved", attempt)
			}
			if pe := PublishErr(t, err); pe.Kind == serentak.Rejected {
				t.Errorf("attempt %d: a failed save is %s (%v); the content is not at fault", attempt, pe.Kind, err)
			}
			if got := f.Published(); len(got) != 0 {
				t.Fatalf("attempt %d: posts %v made public although no checkpoint could be saved", attempt, got)
			}
		}
		// The database is back: the delivery goes through, once.
		s.SetHook(nil)
		res := h.untilDone(t, f, s)
		f.wantPublished(t, res.ExternalID)
	})

	t.Run("EarlyStartWaitsForItsTime", func(t *testing.T) {
		t.Parallel()
		f := h.Setup(t)
		if e, ok := f.Publisher.(serentak.EarlyStarter); !ok || !e.StartsEarly() {
			t.Skip("not an EarlyStarter: the worker calls it when the time has come")
		}
		// The time comes when the publisher asks for it. Whatever it did
		// before must be invisible, and its checkpoint already saved, so
		// that at the scheduled second only the public call is left.
		s := &Store{}
		waited := 0
		f.Request.DueFunc = func(ctx context.Context) error {
			waited++
			if got := f.Published(); len(got) != 0 {
				t.Errorf("posts %v were public before the publisher waited for its time", got)
			}
			if len(s.Checkpoint()) == 0 {
				t.Error("the publisher waits for its time before saving its checkpoint; the save would then delay the public call")
			}
			return ctx.Err()
		}
		res := h.untilDone(t, f, s)
		if waited == 0 {
			t.Fatal("an EarlyStarter published without calling WaitUntilDue")
		}
		f.wantPublished(t, res.ExternalID)

		// A wait cut short (the worker shuts down) makes nothing public.
		f, s = h.Setup(t), &Store{}
		f.Request.DueFunc = func(context.Context) error { return context.Canceled }
		if _, err := h.pastPending(t, f, s); err == nil {
			t.Fatal("Publish succeeded although its wait for the time was cut short")
		}
		if got := f.Published(); len(got) != 0 {
			t.Fatalf("posts %v made public although the wait for the time was cut short", got)
		}
	})

	t.Run("TokenNeverInErrors", func(t *testing.T) {
		t.Parallel()
		f, s := h.Setup(t), &Store{}
		tok := f.Request.Account.Token
		msg := "Invalid OAuth access token " + tok.AccessToken
		if tok.RefreshToken != "" {
			msg += " (refresh token " + tok.RefreshToken + ")"
		}
		f.FailWith(msg)
		_, err := f.publish(context.Background(), s)
		if err == nil {
			t.Fatal("Publish succeeded although every request fails")
		}
		f.noSecrets(t, err)
		if pe := PublishErr(t, err); pe.Kind != serentak.Rejected {
			t.Errorf("a refusal is %s (%v), want Rejected", pe.Kind, err)
		}
		t.Logf("the refusal came back as: %v", err)
	})

	t.Run("LostFinalAnswerPublishesOnce", func(t *testing.T) {
		t.Parallel()
		f, s := h.Setup(t), &Store{}
		f.DropFinal()
		_, err := h.pastPending(t, f, s)
		if err == nil {
			t.Fatal("Publish succeeded although the answer to the publishing call was lost")
		}
		t.Logf("the lost answer came back as: %v", err)
		switch pe := PublishErr(t, err); pe.Kind {
		case serentak.Unknown, serentak.Transient:
		default:
			t.Fatalf("a lost answer is %s (%v); want Unknown (or Transient), which the worker retries after a look", pe.Kind, err)
		}
		// The fake did the work: the next attempts, with the checkpoint,
		// find the post instead of publishing it again.
		res := h.untilDone(t, f, s)
		f.wantPublished(t, res.ExternalID)
	})

	t.Run("PendingThenFinishes", func(t *testing.T) {
		t.Parallel()
		f, s := h.Setup(t), &Store{}
		if !f.Pending {
			t.Skip("this platform answers at once for the fixture's content")
		}
		_, err := f.publish(context.Background(), s)
		f.noSecrets(t, err)
		if !isPending(err) {
			t.Fatalf("first attempt: %v; want Pending while the platform processes", err)
		}
		if pe := PublishErr(t, err); pe.RetryAfter <= 0 {
			t.Fatalf("Pending without RetryAfter: %v", err)
		}
		f.advance(err)
		res := h.untilDone(t, f, s)
		f.wantPublished(t, res.ExternalID)
	})

	t.Run("Metrics", func(t *testing.T) {
		t.Parallel()
		f := h.Setup(t)
		mf, ok := f.Publisher.(serentak.MetricsFetcher)
		if !ok || f.Metrics == nil {
			t.Skip("this platform's adapter reads no metrics")
		}
		res := h.untilDone(t, f, &Store{})
		name, want := f.Metrics(res.ExternalID)
		req := serentak.MetricsRequest{Account: f.Request.Account, ExternalID: res.ExternalID, PublishedAt: res.PublishedAt}
		m, err := mf.FetchMetrics(context.Background(), req)
		f.noSecrets(t, err)
		if err != nil || m[name] != want {
			t.Fatalf("FetchMetrics = %v, %v; want %s = %d", m, err, name, want)
		}
		// An item the platform does not have for this account is refused,
		// not reported as zeros.
		gone := req
		gone.ExternalID = "99999999999999999"
		if m, err := mf.FetchMetrics(context.Background(), gone); err == nil {
			t.Errorf("FetchMetrics of an item the account does not have = %v, want an error", m)
		}
		// Without the permission: told as such, and never AuthExpired,
		// which would send an account that publishes fine to needs_reauth.
		if f.DenyMetrics == nil {
			return
		}
		denied := req
		denied.Account = f.DenyMetrics()
		_, err = mf.FetchMetrics(context.Background(), denied)
		NoSecrets(t, err, denied.Account.Token.AccessToken, denied.Account.Token.RefreshToken)
		if !errors.Is(err, serentak.ErrMetricsPermission) {
			t.Fatalf("FetchMetrics without the metrics permission = %v; want ErrMetricsPermission", err)
		}
		if pe := PublishErr(t, err); pe.Kind == serentak.AuthExpired {
			t.Errorf("a missing metrics permission is AuthExpired (%v)", err)
		}
	})

	t.Run("CanceledReturnsPromptly", func(t *testing.T) {
		t.Parallel()
		t.Run("before the call", func(t *testing.T) {
			t.Parallel()
			f, s := h.Setup(t), &Store{}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			f.promptly(t, ctx, s, 5*time.Second)
			// Nothing was sent, so nothing can have been done.
			if got := f.Published(); len(got) != 0 {
				t.Errorf("posts %v made public with a canceled context", got)
			}
		})
		t.Run("while the platform is slow", func(t *testing.T) {
			t.Parallel()
			f, s := h.Setup(t), &Store{}
			// Kept short: a fake that has not read the request body cannot
			// tell that the client hung up, and closing it waits for the
			// answer. Whether the platform then acts on the request is the
			// lost-answer case; here only promptness counts.
			const latency = 2 * time.Second
			f.SetLatency(latency)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			f.promptly(t, ctx, s, latency/2)
		})
	})
}

// publish makes one attempt with the checkpoint s holds, as the worker
// would.
func (f *Fixture) publish(ctx context.Context, s *Store) (serentak.Result, error) {
	req := f.Request
	req.Checkpoint = s.Checkpoint()
	req.SaveFunc = s.Save
	return f.Publisher.Publish(ctx, req)
}

// untilDone publishes, calling Publish again with the saved checkpoint
// while the answer is Pending, as the worker does, and wants a success.
func (h Harness) untilDone(t *testing.T, f *Fixture, s *Store) serentak.Result {
	t.Helper()
	res, err := h.pastPending(t, f, s)
	switch {
	case isPending(err):
		t.Fatalf("still Pending after %d attempts; checkpoint %v", h.MaxAttempts, s.Checkpoint())
	case err != nil:
		t.Fatalf("Publish: %v", err)
	case res.ExternalID == "":
		t.Fatalf("Publish succeeded without an ExternalID: %+v", res)
	}
	return res
}

// pastPending publishes, calling Publish again with the saved checkpoint
// while the answer is Pending (at most MaxAttempts times), as the worker
// does, and returns the last answer. No error along the way may carry a
// secret.
func (h Harness) pastPending(t *testing.T, f *Fixture, s *Store) (serentak.Result, error) {
	t.Helper()
	var (
		res serentak.Result
		err error
	)
	for range h.MaxAttempts {
		res, err = f.publish(context.Background(), s)
		f.noSecrets(t, err)
		if !isPending(err) {
			break
		}
		f.advance(err)
	}
	return res, err
}

// promptly publishes with a context that is or soon will be done and
// wants an error within limit.
func (f *Fixture) promptly(t *testing.T, ctx context.Context, s *Store, limit time.Duration) {
	t.Helper()
	start := time.Now()
	_, err := f.publish(ctx, s)
	if d := time.Since(start); d > limit {
		t.Errorf("Publish took %s with a context that ended; want under %s", d, limit)
	}
	f.noSecrets(t, err)
	if err == nil {
		t.Fatal("Publish succeeded with a canceled context")
	}
}

// wantPublished wants exactly one public post on the fake, id.
func (f *Fixture) wantPublished(t *testing.T, id string) {
	t.Helper()
	if got := f.Published(); !slices.Equal(got, []string{id}) {
		t.Fatalf("public posts on the platform = %v, want exactly [%s]", got, id)
	}
}

func (f *Fixture) advance(err error) {
	var pe *serentak.PublishError
	if f.Advance != nil && errors.As(err, &pe) {
		f.Advance(pe.RetryAfter)
	}
}

// noSecrets fails when err carries one of the account's tokens.
func (f *Fixture) noSecrets(t *testing.T, err error) {
	t.Helper()
	NoSecrets(t, err, f.Request.Account.Token.AccessToken, f.Request.Account.Token.RefreshToken)
}

func isPending(err error) bool {
	var pe *serentak.PublishError
	return errors.As(err, &pe) && pe.Kind == serentak.Pending
}
