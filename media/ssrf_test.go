package media

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/safeurl"
)

// dnsScript answers each name from a list of answers, one per lookup (the
// last one repeats), so a test can change what a name resolves to between
// the up-front check and the dial.
type dnsScript struct {
	mu      sync.Mutex
	answers map[string][]string
	asked   map[string]int
}

func (d *dnsScript) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	list, ok := d.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	i := min(d.asked[host], len(list)-1)
	d.asked[host]++
	return []netip.Addr{netip.MustParseAddr(list[i])}, nil
}

// TestSourceSSRF fetches through Source with a scripted DNS. Tests can only
// listen on loopback, so 127.0.0.1 plays a public address here and
// 127.0.0.2 an internal service: every other private address is judged
// by safeurl.Blocked as in production.
func TestSourceSSRF(t *testing.T) {
	var internalHits atomic.Int32
	internal := listen(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internalHits.Add(1)
		w.Write([]byte("internal secret"))
	}))
	internalPort := port(t, internal)
	public := listen(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-internal-name":
			http.Redirect(w, r, "http://internal.example:"+internalPort+"/secret", http.StatusFound)
		case "/to-internal-ip":
			http.Redirect(w, r, "http://127.0.0.2:"+internalPort+"/secret", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-ipv6-loopback":
			http.Redirect(w, r, "http://[::1]:"+internalPort+"/secret", http.StatusFound)
		default:
			w.Write([]byte("public video"))
		}
	}))
	publicPort := port(t, public)
	testBlocked := func(ip netip.Addr) bool {
		return ip != netip.MustParseAddr("127.0.0.1") && safeurl.Blocked(ip)
	}
	newSource := func(dns *dnsScript, allowPrivate bool) *Source {
		return &Source{Resolver: dns, AllowPrivate: allowPrivate, blocked: testBlocked}
	}
	newDNS := func() *dnsScript {
		return &dnsScript{asked: map[string]int{}, answers: map[string][]string{
			"cdn.example":      {"127.0.0.1"},
			"internal.example": {"127.0.0.2"},
			"metadata.example": {"169.254.169.254"},
			"rebind.example":   {"127.0.0.1", "127.0.0.2"}, // public when checked, internal when dialed
		}}
	}
	fetch := func(src *Source, rawURL string) (string, error) {
		rc, _, err := src.Open(context.Background(), serentak.MediaRef{URL: rawURL, Kind: serentak.MediaVideo})
		if err != nil {
			return "", err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return string(b), err
	}

	t.Run("a public name is fetched", func(t *testing.T) {
		got, err := fetch(newSource(newDNS(), false), "http://cdn.example:"+publicPort+"/a.mp4")
		if err != nil || got != "public video" {
			t.Fatalf("fetch = %q, %v", got, err)
		}
	})
	refused := []struct{ name, url string }{
		{"loopback", "http://127.0.0.2:" + internalPort + "/secret"},
		{"private 10.x", "http://10.0.0.1/a.mp4"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/"},
		{"IPv6 loopback", "http://[::1]:" + internalPort + "/a.mp4"},
		{"localhost", "http://localhost:" + internalPort + "/a.mp4"},
		{"a name of an internal address", "http://internal.example:" + internalPort + "/a.mp4"},
		{"a name of the metadata address", "http://metadata.example/latest/meta-data/"},
		{"a public name redirecting to an internal name", "http://cdn.example:" + publicPort + "/to-internal-name"},
		{"a public name redirecting to an internal address", "http://cdn.example:" + publicPort + "/to-internal-ip"},
		{"a public name redirecting to the metadata address", "http://cdn.example:" + publicPort + "/to-metadata"},
		{"a public name redirecting to IPv6 loopback", "http://cdn.example:" + publicPort + "/to-ipv6-loopback"},
		{"DNS that changes between the check and the dial", "http://rebind.example:" + internalPort + "/secret"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before := internalHits.Load()
			dns := newDNS()
			_, err := fetch(newSource(dns, false), tt.url)
			if !errors.Is(err, safeurl.ErrPrivate) {
				t.Fatalf("fetch(%s) = %v, want ErrPrivate", tt.url, err)
			}
			if internalHits.Load() != before {
				t.Fatal("the internal service was reached")
			}
		})
	}
	t.Run("rebinding: the dial looks the name up again", func(t *testing.T) {
		dns := newDNS()
		fetch(newSource(dns, false), "http://rebind.example:"+internalPort+"/secret")
		if dns.asked["rebind.example"] != 2 {
			t.Fatalf("rebind.example looked up %d times, want 2 (check, then dial)", dns.asked["rebind.example"])
		}
	})
	// The refusals above are the policy, not an unreachable server.
	t.Run("SERENTAK_MEDIA_ALLOW_PRIVATE reaches the internal service", func(t *testing.T) {
		got, err := fetch(newSource(newDNS(), true), "http://cdn.example:"+publicPort+"/to-internal-name")
		if err != nil || got != "internal secret" {
			t.Fatalf("fetch with private addresses allowed = %q, %v", got, err)
		}
	})
}

func listen(t *testing.T, ip string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func port(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	_, p, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strconv.Atoi(p); err != nil {
		t.Fatal(err)
	}
	return p
}
