package serentak

import (
	"strings"
	"testing"
)

func TestDerivePostStatus(t *testing.T) {
	const (
		s = DeliveryScheduled
		p = DeliveryPublishing
		P = DeliveryPublished
		f = DeliveryFailed
		c = DeliveryCanceled
		a = DeliveryPendingApproval
		r = DeliveryRejected
		d = DeliveryDraft
	)
	tests := []struct {
		in   []DeliveryStatus
		want PostStatus
	}{
		{[]DeliveryStatus{s, s}, PostScheduled},
		{[]DeliveryStatus{s, p}, PostPublishing},
		{[]DeliveryStatus{s, P}, PostPublishing},
		{[]DeliveryStatus{P, P}, PostPublished},
		{[]DeliveryStatus{P, c}, PostPublished},
		{[]DeliveryStatus{P, f}, PostPartiallyPublished},
		{[]DeliveryStatus{f, f}, PostFailed},
		{[]DeliveryStatus{f, c}, PostFailed},
		{[]DeliveryStatus{c, c}, PostCanceled},
		{[]DeliveryStatus{s, c}, PostScheduled},
		{nil, PostCanceled},
		{[]DeliveryStatus{a, a}, PostPendingApproval},
		{[]DeliveryStatus{a, c}, PostPendingApproval},
		{[]DeliveryStatus{r, r}, PostRejected},
		{[]DeliveryStatus{r, c}, PostRejected},
		{[]DeliveryStatus{d, d}, PostDraft},
		{[]DeliveryStatus{d, c}, PostDraft},
	}
	for _, tt := range tests {
		if got := DerivePostStatus(tt.in); got != tt.want {
			t.Errorf("DerivePostStatus(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 1000; i++ {
		id := NewID(PrefixPost)
		if !strings.HasPrefix(id, "post_") || len(id) != len("post_")+26 {
			t.Fatalf("NewID = %q, want post_ and 26 characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
		if id[:len("post_")+9] < prev[:min(len(prev), len("post_")+9)] {
			t.Fatalf("IDs made later sort earlier: %q < %q", id, prev)
		}
		prev = id
	}
}

func TestTokenNeverPrints(t *testing.T) {
	tok := Token{AccessToken: "EAAB-secret", RefreshToken: "r-secret"}
	for _, s := range []string{tok.String(), tok.GoString()} {
		if strings.Contains(s, "secret") {
			t.Fatalf("token printed its secret: %s", s)
		}
	}
}
