package safeurl

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// fakeResolver answers from a map; other names do not exist.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	ss, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

// slowResolver never answers before its context ends.
type slowResolver struct{}

func (slowResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestCheck(t *testing.T) {
	r := fakeResolver{
		"cdn.example.com":     {"93.184.216.34"},
		"internal.example":    {"10.1.2.3"},
		"mixed.example":       {"93.184.216.34", "192.168.1.1"},
		"metadata.example":    {"169.254.169.254"},
		"v6-loopback.example": {"::1"},
	}
	tests := []struct {
		url     string
		private bool // refused because private
		invalid bool // refused as not a URL we take
	}{
		{url: "https://cdn.example.com/a.jpg"},
		{url: "http://cdn.example.com:8080/a.jpg"},
		{url: "https://unknown.example/a.jpg"}, // does not resolve: accepted
		{url: "https://8.8.8.8/a.jpg"},
		{url: "https://127.0.0.1/a.jpg", private: true},
		{url: "https://127.1.2.3/a.jpg", private: true},
		{url: "https://10.0.0.1/a.jpg", private: true},
		{url: "https://172.16.5.4/a.jpg", private: true},
		{url: "https://192.168.0.1/a.jpg", private: true},
		{url: "http://169.254.169.254/latest/meta-data/", private: true},
		{url: "https://[::1]/a.jpg", private: true},
		{url: "https://[::ffff:127.0.0.1]/a.jpg", private: true},
		{url: "https://[fe80::1]/a.jpg", private: true},
		{url: "https://[fd00::1]/a.jpg", private: true},
		{url: "https://0.0.0.0/a.jpg", private: true},
		{url: "https://100.64.0.1/a.jpg", private: true},
		// Loopback and "this host" in the spellings inet_aton and URL
		// parsers read as IPv4 (HostIP).
		{url: "http://2130706433/", private: true},
		{url: "http://0x7f000001/", private: true},
		{url: "http://0X7F000001/", private: true},
		{url: "http://0177.0.0.1/", private: true},
		{url: "http://0177.0000.0000.0001/", private: true},
		{url: "http://127.1/", private: true},
		{url: "http://127.0.1/", private: true},
		{url: "http://0x7f.1/", private: true},
		{url: "http://0/", private: true},
		{url: "http://0.0.0.0/", private: true},
		{url: "http://127.0.0.1./", private: true},
		{url: "http://[::127.0.0.1]/", private: true},
		{url: "http://[::ffff:127.0.0.1]/", private: true},
		{url: "http://[::ffff:7f00:1]/", private: true},
		{url: "http://[0:0:0:0:0:ffff:127.0.0.1]/", private: true},
		{url: "http://3232235521/", private: true}, // 192.168.0.1
		{url: "http://012.1/", private: true},      // 10.0.0.1
		{url: "http://134744072/a.jpg"},            // 8.8.8.8
		{url: "http://1.2.3.4.5/", invalid: true},  // ends in a number, is no address
		{url: "http://256.1.1.1/", invalid: true},
		{url: "http://1.2.3.08/", invalid: true}, // 08 is not octal
		{url: "http://4294967296/", invalid: true},
		{url: "https://localhost/a.jpg", private: true},
		{url: "https://LOCALHOST./a.jpg", private: true},
		{url: "https://foo.localhost/a.jpg", private: true},
		{url: "https://internal.example/a.jpg", private: true},
		{url: "https://mixed.example/a.jpg", private: true},
		{url: "https://metadata.example/a.jpg", private: true},
		{url: "https://v6-loopback.example/a.jpg", private: true},
		{url: "ftp://cdn.example.com/a.jpg", invalid: true},
		{url: "/a.jpg", invalid: true},
		{url: "https:///a.jpg", invalid: true},
		{url: "https://user:pw@cdn.example.com/a.jpg", invalid: true},
		{url: "not a url", invalid: true},
	}
	c := &Checker{Resolver: r}
	for _, tt := range tests {
		err := c.Check(context.Background(), tt.url)
		switch {
		case tt.private && !errors.Is(err, ErrPrivate):
			t.Errorf("Check(%q) = %v, want ErrPrivate", tt.url, err)
		case tt.invalid && (err == nil || errors.Is(err, ErrPrivate)):
			t.Errorf("Check(%q) = %v, want an invalid-URL error", tt.url, err)
		case !tt.private && !tt.invalid && err != nil:
			t.Errorf("Check(%q) = %v, want nil", tt.url, err)
		}
	}

	allow := &Checker{Resolver: r, AllowPrivate: true}
	for _, tt := range tests {
		err := allow.Check(context.Background(), tt.url)
		if tt.invalid != (err != nil) {
			t.Errorf("AllowPrivate: Check(%q) = %v, want invalid=%v", tt.url, err, tt.invalid)
		}
	}
}

func TestCheckLookupTimeoutAccepts(t *testing.T) {
	c := &Checker{Resolver: slowResolver{}, Timeout: 20 * time.Millisecond}
	start := time.Now()
	if err := c.Check(context.Background(), "https://slow.example/a.jpg"); err != nil {
		t.Fatalf("Check with a slow resolver = %v, want nil", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Check took %v; the timeout was not applied", d)
	}
}

func TestDialControlRefusesLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{
		DialContext: (&net.Dialer{Control: (&Checker{}).DialControl}).DialContext,
	}}
	_, err := client.Get(srv.URL)
	if !errors.Is(err, ErrPrivate) {
		t.Fatalf("GET %s through DialControl: %v, want ErrPrivate", srv.URL, err)
	}
}

// The Checker's dialer refuses a name that resolves to a blocked address,
// connects to one whose addresses are allowed (here loopback, declared
// public by Blocked), and with AllowPrivate connects anywhere.
func TestCheckerDialContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	r := fakeResolver{"internal.example": {"127.0.0.1"}}
	get := func(c *Checker) error {
		client := &http.Client{Transport: &http.Transport{DialContext: c.DialContext}}
		resp, err := client.Get("http://internal.example:" + port + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(&Checker{Resolver: r}); !errors.Is(err, ErrPrivate) {
		t.Errorf("GET of a name resolving to loopback = %v, want ErrPrivate", err)
	}
	loopbackIsPublic := func(ip netip.Addr) bool { return !ip.IsLoopback() && Blocked(ip) }
	if err := get(&Checker{Resolver: r, Blocked: loopbackIsPublic}); err != nil {
		t.Errorf("GET with loopback declared public = %v, want nil", err)
	}
	if err := get(&Checker{Resolver: r, AllowPrivate: true}); err != nil {
		t.Errorf("GET with AllowPrivate = %v, want nil", err)
	}
}

// TestHostIP: every spelling of an IPv4 address that inet_aton and the
// WHATWG URL parser (what browsers and most HTTP clients use) accept reads
// as that address; names are not addresses; a host that ends in a number
// but is no address is an error.
func TestHostIP(t *testing.T) {
	tests := []struct {
		host string
		want string // "" when not an address
		err  bool
	}{
		{host: "127.0.0.1", want: "127.0.0.1"},
		{host: "2130706433", want: "127.0.0.1"},
		{host: "0x7f000001", want: "127.0.0.1"},
		{host: "0x7F000001", want: "127.0.0.1"},
		{host: "017700000001", want: "127.0.0.1"},
		{host: "0177.0.0.1", want: "127.0.0.1"},
		{host: "0x7f.0.0.1", want: "127.0.0.1"},
		{host: "127.1", want: "127.0.0.1"},
		{host: "127.0.1", want: "127.0.0.1"},
		{host: "127.0.0x1", want: "127.0.0.1"},
		{host: "0", want: "0.0.0.0"},
		{host: "0x", want: "0.0.0.0"}, // "0x" alone is 0 for inet_aton and WHATWG
		{host: "0.0.0.0", want: "0.0.0.0"},
		{host: "127.0.0.1.", want: "127.0.0.1"},
		{host: "10.0.258", want: "10.0.1.2"},
		{host: "4294967295", want: "255.255.255.255"},
		{host: "::1", want: "::1"},
		{host: "[::1]", want: "::1"},
		{host: "::127.0.0.1", want: "::127.0.0.1"},
		{host: "::ffff:127.0.0.1", want: "::ffff:127.0.0.1"},
		{host: "cdn.example.com"},
		{host: "0x7f.example"},
		{host: "1e100.net"},
		{host: "localhost"},
		{host: "4294967296", err: true},
		{host: "256.0.0.1", err: true},
		{host: "1.256.0.1", err: true},
		{host: "1.2.65536", err: true},
		{host: "1.2.3.4.5", err: true},
		{host: "1..2", err: true},
		{host: "08", err: true},
		{host: "0xg"}, // not a hex number, so a name to URL parsers
		{host: "example.123", err: true},
		{host: "[::1", err: true},
	}
	for _, tt := range tests {
		ip, ok, err := HostIP(tt.host)
		switch {
		case tt.err:
			if err == nil {
				t.Errorf("HostIP(%q) = %v, %v, nil; want an error", tt.host, ip, ok)
			}
		case err != nil:
			t.Errorf("HostIP(%q): %v", tt.host, err)
		case tt.want == "" && ok:
			t.Errorf("HostIP(%q) = %v; a name is not an address", tt.host, ip)
		case tt.want != "" && (!ok || ip != netip.MustParseAddr(tt.want)):
			t.Errorf("HostIP(%q) = %v, %v; want %s", tt.host, ip, ok, tt.want)
		}
	}
}

// TestBlockedIPv4Compatible: ::a.b.c.d (IPv4-compatible, deprecated) can
// carry an IPv4 address; the range is refused, at Check and at dial time.
func TestBlockedIPv4Compatible(t *testing.T) {
	for _, a := range []string{"::127.0.0.1", "::10.0.0.1", "::8.8.8.8"} {
		if !Blocked(netip.MustParseAddr(a)) {
			t.Errorf("Blocked(%s) = false", a)
		}
	}
	if err := (&Checker{}).DialControl("tcp6", "[::127.0.0.1]:80", nil); !errors.Is(err, ErrPrivate) {
		t.Errorf("DialControl([::127.0.0.1]:80) = %v, want ErrPrivate", err)
	}
}
