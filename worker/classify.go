package worker

import (
	"errors"
	"fmt"
	"time"

	"github.com/serentak/serentak"
)

// This file is the one place where a publish attempt's result becomes queue
// behaviour. Every final outcome is recorded in the database and the task
// ends without error: an archived Asynq task would pin its task ID and block
// the scheduler from ever enqueueing the delivery again.

// action is what the worker does after an attempt.
type action int

const (
	// actComplete: the post is published.
	actComplete action = iota
	// actFail: final failure; retrying cannot help.
	actFail
	// actReauth: the token is refused; refresh it, or fail the delivery and
	// ask the owner to reconnect the account.
	actReauth
	// actRetry: try again after Delay.
	actRetry
)

func (a action) String() string {
	switch a {
	case actComplete:
		return "published"
	case actFail:
		return "failed"
	case actReauth:
		return "needs_reauth"
	case actRetry:
		return "retry"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Delivery error codes recorded by the worker (serentak.DeliveryError.Code).
const (
	CodeRejected         = "rejected"
	CodeNeedsReauth      = "needs_reauth"
	CodeRateLimited      = "rate_limited"
	CodePending          = "pending"
	CodeTransient        = "transient"
	CodeUnknown          = "unknown"
	CodeRetriesExhausted = "retries_exhausted"
	CodeNoPublisher      = "no_publisher"
	CodeInterrupted      = "interrupted"
)

// Retry delays.
const (
	// DefaultRateLimitDelay is the wait after a rate limit without a hint.
	DefaultRateLimitDelay = 60 * time.Second
	// DefaultPendingDelay is the wait before checking again on a platform
	// that is still processing, without a hint.
	DefaultPendingDelay = 5 * time.Second
	// backoffBase and backoffCap bound the exponential backoff of transient
	// failures: 10 s, 20 s, 40 s … 30 min.
	backoffBase = 10 * time.Second
	backoffCap  = 30 * time.Minute
)

// decision is what to do about one attempt.
type decision struct {
	Action action
	// Code and Message form the delivery's error (not for actComplete).
	Code    string
	Message string
	// Delay is the wait before the next attempt (actRetry).
	Delay time.Duration
	// Failure is whether the attempt spends the retry budget (actRetry):
	// waiting out a rate limit or a platform's processing does not.
	Failure bool
}

// classify maps an attempt's error to a decision. retried is how many
// budget-spending retries came before this attempt and maxRetry the budget;
// backoffFunc gives the wait after a transient failure and rnd a number in
// [0, 1) for jitter.
func classify(err error, retried, maxRetry int, backoffFunc func(int) time.Duration, rnd func() float64) decision {
	if err == nil {
		return decision{Action: actComplete}
	}
	var pe *serentak.PublishError
	if !errors.As(err, &pe) {
		// Not the adapter's classification (a network error that escaped
		// it, say): the request may or may not have gone out, which is
		// exactly what the checkpoint protects; retry.
		pe = &serentak.PublishError{Kind: serentak.Transient, Err: err}
	}
	msg := describe(pe)
	switch pe.Kind {
	case serentak.Rejected:
		return decision{Action: actFail, Code: CodeRejected, Message: msg}
	case serentak.AuthExpired:
		return decision{Action: actReauth, Code: CodeNeedsReauth, Message: msg}
	case serentak.RateLimited:
		return decision{Action: actRetry, Code: CodeRateLimited, Message: msg,
			Delay: hinted(pe.RetryAfter, DefaultRateLimitDelay, rnd)}
	case serentak.Pending:
		return decision{Action: actRetry, Code: CodePending, Message: msg,
			Delay: hinted(pe.RetryAfter, DefaultPendingDelay, rnd)}
	}
	// Transient, Unknown, and any kind this worker does not know.
	if retried >= maxRetry {
		return decision{Action: actFail, Code: CodeRetriesExhausted,
			Message: fmt.Sprintf("gave up after %d attempts; last error: %s", retried+1, msg)}
	}
	code := CodeTransient
	if pe.Kind == serentak.Unknown {
		code = CodeUnknown
	}
	return decision{Action: actRetry, Code: code, Message: msg, Failure: true,
		Delay: max(backoffFunc(retried), pe.RetryAfter)}
}

// describe is the delivery error message for a publish error: the adapter's
// words, with the platform's own code kept for support.
func describe(pe *serentak.PublishError) string {
	msg := pe.Message
	if msg == "" && pe.Err != nil {
		msg = pe.Err.Error()
	}
	if msg == "" {
		msg = string(pe.Kind)
	}
	if pe.Code != "" {
		msg += " (platform code " + pe.Code + ")"
	}
	return msg
}

// hinted is the platform's hint (or def without one) plus up to 10% more, so
// deliveries limited together do not all come back in the same instant. It
// is never less than the hint.
func hinted(hint, def time.Duration, rnd func() float64) time.Duration {
	d := hint
	if d <= 0 {
		d = def
	}
	return d + time.Duration(float64(d)*0.1*rnd())
}

// backoff is the wait after the n-th (from 0) transient failure: 10 s·2^n
// capped at 30 min, ±20% jitter.
func backoff(n int, rnd func() float64) time.Duration {
	d := backoffBase
	for i := 0; i < n && d < backoffCap; i++ {
		d *= 2
	}
	d = min(d, backoffCap)
	return time.Duration(float64(d) * (0.8 + 0.4*rnd()))
}

// retryError is what the handler returns to Asynq when the delivery must be
// tried again: Asynq waits exactly Delay (RetryDelayFunc) and counts the
// attempt against the budget only when Failure is true (IsFailure).
type retryError struct {
	Delay   time.Duration
	Failure bool
	Code    string
	Message string
}

func (e *retryError) Error() string {
	return fmt.Sprintf("retry in %s (%s): %s", e.Delay.Round(time.Millisecond), e.Code, e.Message)
}

// asynqRounding covers Asynq keeping retry times in whole seconds: without
// it a retry could start up to a second before the retry time recorded in
// the database, and its claim would be refused.
const asynqRounding = time.Second

// retryDelay is the server's RetryDelayFunc: the delay the handler chose, or
// a short backoff for other errors (the database was unreachable while
// claiming or recording), which need no long wait.
func retryDelay(n int, err error, rnd func() float64) time.Duration {
	var re *retryError
	if errors.As(err, &re) {
		return re.Delay + asynqRounding
	}
	d := time.Second
	for i := 0; i < n && d < time.Minute; i++ {
		d *= 2
	}
	d = min(d, time.Minute)
	return time.Duration(float64(d)*(0.8+0.4*rnd())) + asynqRounding
}

// isFailure is the server's IsFailure: waiting for a rate limit or a
// platform's processing does not spend the retry budget.
func isFailure(err error) bool {
	var re *retryError
	if errors.As(err, &re) {
		return re.Failure
	}
	return true
}
