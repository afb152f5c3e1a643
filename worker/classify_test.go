package worker

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

func fixedRand(v float64) func() float64 { return func() float64 { return v } }

func TestClassify(t *testing.T) {
	// With rnd = 0.5 the hint jitter adds 5% and the backoff jitter is 1.
	rnd := fixedRand(0.5)
	bo := func(n int) time.Duration { return backoff(n, rnd) }
	pe := func(kind serentak.PublishErrorKind, after time.Duration) error {
		return &serentak.PublishError{Kind: kind, RetryAfter: after, Code: "368", Message: "nope"}
	}
	tests := []struct {
		name    string
		err     error
		retried int
		want    decision
	}{
		{"success", nil, 0, decision{Action: actComplete}},
		{"rejected", pe(serentak.Rejected, 0), 0,
			decision{Action: actFail, Code: CodeRejected, Message: "nope (platform code 368)"}},
		{"rejected on the last retry is still rejected", pe(serentak.Rejected, 0), 12,
			decision{Action: actFail, Code: CodeRejected, Message: "nope (platform code 368)"}},
		{"auth expired", pe(serentak.AuthExpired, 0), 0,
			decision{Action: actReauth, Code: CodeNeedsReauth, Message: "nope (platform code 368)"}},
		{"rate limited with hint", pe(serentak.RateLimited, 100*time.Second), 0,
			decision{Action: actRetry, Code: CodeRateLimited, Message: "nope (platform code 368)", Delay: 105 * time.Second}},
		{"rate limited without hint waits a minute", pe(serentak.RateLimited, 0), 3,
			decision{Action: actRetry, Code: CodeRateLimited, Message: "nope (platform code 368)", Delay: 63 * time.Second}},
		{"rate limited on the last retry still retries", pe(serentak.RateLimited, 0), 12,
			decision{Action: actRetry, Code: CodeRateLimited, Message: "nope (platform code 368)", Delay: 63 * time.Second}},
		{"pending without hint", pe(serentak.Pending, 0), 0,
			decision{Action: actRetry, Code: CodePending, Message: "nope (platform code 368)", Delay: 5250 * time.Millisecond}},
		{"pending with hint", pe(serentak.Pending, 20*time.Second), 0,
			decision{Action: actRetry, Code: CodePending, Message: "nope (platform code 368)", Delay: 21 * time.Second}},
		{"transient first", pe(serentak.Transient, 0), 0,
			decision{Action: actRetry, Code: CodeTransient, Message: "nope (platform code 368)", Delay: 10 * time.Second, Failure: true}},
		{"transient third", pe(serentak.Transient, 0), 2,
			decision{Action: actRetry, Code: CodeTransient, Message: "nope (platform code 368)", Delay: 40 * time.Second, Failure: true}},
		{"transient hint longer than backoff", pe(serentak.Transient, 5*time.Minute), 0,
			decision{Action: actRetry, Code: CodeTransient, Message: "nope (platform code 368)", Delay: 5 * time.Minute, Failure: true}},
		{"unknown", pe(serentak.Unknown, 0), 1,
			decision{Action: actRetry, Code: CodeUnknown, Message: "nope (platform code 368)", Delay: 20 * time.Second, Failure: true}},
		{"transient on the last retry", pe(serentak.Transient, 0), 12,
			decision{Action: actFail, Code: CodeRetriesExhausted, Message: "gave up after 13 attempts; last error: nope (platform code 368)"}},
		{"unknown on the last retry", pe(serentak.Unknown, 0), 12,
			decision{Action: actFail, Code: CodeRetriesExhausted, Message: "gave up after 13 attempts; last error: nope (platform code 368)"}},
		{"wrapped publish error", fmt.Errorf("facebook: %w", pe(serentak.Rejected, 0)), 0,
			decision{Action: actFail, Code: CodeRejected, Message: "nope (platform code 368)"}},
		{"plain network error is transient", io.ErrUnexpectedEOF, 0,
			decision{Action: actRetry, Code: CodeTransient, Message: "unexpected EOF", Delay: 10 * time.Second, Failure: true}},
		{"unknown kind is treated as transient", pe("weird", 0), 0,
			decision{Action: actRetry, Code: CodeTransient, Message: "nope (platform code 368)", Delay: 10 * time.Second, Failure: true}},
		{"message from the wrapped error when none given", &serentak.PublishError{Kind: serentak.Rejected, Err: errors.New("HTTP 400")}, 0,
			decision{Action: actFail, Code: CodeRejected, Message: "HTTP 400"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err, tt.retried, 12, bo, rnd)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("classify mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n        int
		rnd      float64
		min, max time.Duration
	}{
		{0, 0, 8 * time.Second, 8 * time.Second},
		{0, 0.999999, 12*time.Second - time.Millisecond, 12 * time.Second},
		{1, 0.5, 20 * time.Second, 20 * time.Second},
		{4, 0.5, 160 * time.Second, 160 * time.Second},
		{7, 0.5, 1280 * time.Second, 1280 * time.Second},
		{8, 0.5, 30 * time.Minute, 30 * time.Minute}, // 2560 s capped
		{200, 0.5, 30 * time.Minute, 30 * time.Minute},
		{200, 0, 24 * time.Minute, 24 * time.Minute},
	}
	for _, tt := range tests {
		got := backoff(tt.n, fixedRand(tt.rnd))
		if got < tt.min || got > tt.max {
			t.Errorf("backoff(%d, rnd=%v) = %v, want in [%v, %v]", tt.n, tt.rnd, got, tt.min, tt.max)
		}
	}
}

func TestRetryDelayAndIsFailure(t *testing.T) {
	rnd := fixedRand(0.5)
	tests := []struct {
		name        string
		n           int
		err         error
		wantDelay   time.Duration
		wantFailure bool
	}{
		{"rate limit hint honoured plus rounding slack", 5,
			&retryError{Delay: 90 * time.Second, Code: CodeRateLimited}, 91 * time.Second, false},
		{"wrapped retry error", 0,
			fmt.Errorf("x: %w", &retryError{Delay: 10 * time.Second, Failure: true}), 11 * time.Second, true},
		{"store error backs off briefly", 0, errors.New("db down"), 2 * time.Second, true},
		{"store error backoff grows", 3, errors.New("db down"), 9 * time.Second, true},
		{"store error backoff capped", 30, errors.New("db down"), 61 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryDelay(tt.n, tt.err, rnd); got != tt.wantDelay {
				t.Errorf("retryDelay = %v, want %v", got, tt.wantDelay)
			}
			if got := isFailure(tt.err); got != tt.wantFailure {
				t.Errorf("isFailure = %v, want %v", got, tt.wantFailure)
			}
		})
	}
}
