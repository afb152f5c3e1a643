package api

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
)

type oneName map[string]string

func (r oneName) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// Each reason SERENTAK_PUBLIC_URL would not open on a buyer's phone.
func TestPublicURLWarnings(t *testing.T) {
	for _, tc := range []struct {
		public string
		want   []string // substrings, one per warning
	}{
		{"https://serentak.example.com", nil},
		{"https://unknown.example.net", nil}, // not resolving now: not said (DNS may fail for a moment)
		{"http://localhost:8080", []string{"not reachable from the internet", "plain http"}},
		{"https://127.0.0.1:8443", []string{"not reachable from the internet"}},
		{"https://192.168.1.20", []string{"not reachable from the internet"}},
		{"https://[fe80::1]", []string{"not reachable from the internet"}},
		{"https://100.64.1.2", []string{"not reachable from the internet"}}, // carrier-grade NAT
		{"https://serentak", []string{"not reachable from the internet"}},   // one label: a LAN name
		{"https://serentak.local", []string{"not reachable from the internet"}},
		{"https://serentak.corp.internal", []string{"not reachable from the internet"}},
		{"https://office.example.com", []string{"not reachable from the internet"}}, // resolves to 10.1.2.3
		{"http://serentak.example.com", []string{"plain http"}},
		{"", []string{"not set to an http(s) address"}},
	} {
		s := &Server{cfg: Config{PublicURL: tc.public, Resolver: oneName{"serentak.example.com": "93.184.216.34", "office.example.com": "10.1.2.3"}}}
		got := s.publicURLWarnings(context.Background())
		if len(got) != len(tc.want) {
			t.Errorf("%q: %q, want %d warnings", tc.public, got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%q: warning %q, want one saying %q", tc.public, got[i], w)
			}
		}
	}
}
