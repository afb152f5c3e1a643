// Package safeurl refuses media URLs that point into our own network:
// loopback, private, link-local (cloud metadata at 169.254.169.254) and
// similar addresses. A platform fetches media URLs from its side, but our
// own code may fetch them too (TikTok file uploads, YouTube uploads), and
// such a URL would let a caller read internal services through us.
package safeurl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrPrivate: the URL's host is, or resolves to, an address that is not
// publicly routable.
var ErrPrivate = errors.New("points at a private, loopback or link-local address")

// Resolver looks host names up; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Checker checks URLs. The zero value checks with net.DefaultResolver and
// a 2 s lookup timeout.
type Checker struct {
	// AllowPrivate turns the address check off (tests, intranets).
	AllowPrivate bool
	Resolver     Resolver
	Timeout      time.Duration
	// Blocked overrides the package's Blocked (tests that can only
	// listen on loopback); nil means Blocked.
	Blocked func(netip.Addr) bool
}

// Check returns nil when raw is an absolute http(s) URL whose host is
// public. A host that does not resolve (or not in time) is accepted: the
// platform resolves it on its own side, and refusing would make our DNS an
// availability dependency; a host that resolves to any private address is
// refused. Errors are phrased for a person: "must be …".
func (c *Checker) Check(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return errors.New("must be an absolute http or https URL")
	}
	if u.User != nil {
		return errors.New("must not carry a user name or password")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	ip, isIP, err := HostIP(host)
	if err != nil {
		return fmt.Errorf("must be an absolute http or https URL: %w", err)
	}
	if c.AllowPrivate {
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ErrPrivate
	}
	if isIP {
		if c.blocked(ip) {
			return ErrPrivate
		}
		return nil
	}
	r := c.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if c.blocked(a) {
			return ErrPrivate
		}
	}
	return nil
}

// privateRanges are the non-public ranges not covered by netip's own
// predicates.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 can reach IPv4 private space
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2002::/16"),       // 6to4 may wrap a private IPv4
	netip.MustParsePrefix("2001::/32"),       // Teredo may wrap a private IPv4
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated): ::127.0.0.1
}

// Blocked reports whether ip must not be fetched from: loopback, private,
// link-local, unspecified, multicast or another non-public range. IPv4
// addresses written as IPv6 (::ffff:127.0.0.1) are judged as IPv4.
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range privateRanges {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// DialContext is a net/http Transport's DialContext for code of ours that
// fetches a URL the caller gave: it looks the host up itself (with
// Resolver, again at every dial, so a DNS answer that changed since Check
// is seen), refuses when any address the host resolves to is blocked, and
// connects only to an address it checked, through DialControl. Every
// connection goes through it, the first and those after redirects, so
// neither a redirect to an internal name nor DNS rebinding reaches an
// internal address.
func (c *Checker) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		r := c.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		if ips, err = r.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, fmt.Errorf("look up %s: %w", host, err)
		}
	}
	if !c.AllowPrivate {
		for _, ip := range ips {
			if c.blocked(ip) {
				return nil, fmt.Errorf("refusing to connect to %s (%s): %w", host, ip, ErrPrivate)
			}
		}
	}
	d := &net.Dialer{Timeout: 10 * time.Second, Control: c.DialControl}
	var firstErr error
	for _, ip := range ips {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("%s has no address", host)
	}
	return nil, firstErr
}

// DialControl is a net.Dialer Control function that refuses to connect to
// a blocked address (unless AllowPrivate): the last check, on the address
// actually being connected to, whatever resolved it.
func (c *Checker) DialControl(network, address string, _ syscall.RawConn) error {
	if c.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("safeurl: unexpected dial address %q: %w", address, err)
	}
	if c.blocked(ap.Addr()) {
		return fmt.Errorf("safeurl: refusing to connect to %s: %w", ap.Addr(), ErrPrivate)
	}
	return nil
}

func (c *Checker) blocked(ip netip.Addr) bool {
	if c.Blocked != nil {
		return c.Blocked(ip)
	}
	return Blocked(ip)
}

// HostIP reads a URL's host as an IP address the way the programs that
// will fetch the URL read it, so a check cannot be dodged by spelling:
// IPv6 (bracketed or not), and IPv4 in every spelling that inet_aton and
// the WHATWG URL parser (browsers, most HTTP clients) accept — one to four
// parts, the last filling the remaining bytes (127.1, 10.0.258,
// 2130706433), each decimal, octal with a leading 0 (0177.0.0.1) or hex
// with 0x (0x7f000001), and a trailing dot.
//
// ok is false for a name. A host whose last label is a number but which is
// no address (1.2.3.4.5, 256.0.0.1, example.123) is an error: URL parsers
// refuse it, and a resolver might not.
func HostIP(host string) (ip netip.Addr, ok bool, err error) {
	if strings.HasPrefix(host, "[") || strings.HasSuffix(host, "]") {
		inner, found := strings.CutPrefix(host, "[")
		inner, closed := strings.CutSuffix(inner, "]")
		if !found || !closed {
			return netip.Addr{}, false, fmt.Errorf("the host %q has an unmatched bracket", host)
		}
		host = inner
	}
	if strings.Contains(host, ":") {
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return netip.Addr{}, false, fmt.Errorf("the host %q is not an IPv6 address", host)
		}
		return ip, true, nil
	}
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if !looksNumeric(parts[len(parts)-1]) {
		return netip.Addr{}, false, nil // a name
	}
	if len(parts) > 4 {
		return netip.Addr{}, false, fmt.Errorf("the host %q ends in a number but is not an IPv4 address", host)
	}
	var v uint64
	for i, p := range parts {
		n, numeric := ipv4Part(p)
		// Every part but the last is one byte; the last fills the rest.
		limit := uint64(255)
		if i == len(parts)-1 {
			limit = 1<<(8*(5-len(parts))) - 1
		}
		if !numeric || n > limit {
			return netip.Addr{}, false, fmt.Errorf("the host %q ends in a number but is not an IPv4 address", host)
		}
		if i < len(parts)-1 {
			v |= n << (8 * (3 - i))
		} else {
			v |= n
		}
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, nil
}

// looksNumeric reports whether a host's last label makes it an IPv4
// address for the WHATWG URL parser ("ends in a number"): decimal digits,
// or 0x and hex digits.
func looksNumeric(label string) bool {
	if hex, ok := strings.CutPrefix(strings.ToLower(label), "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return label != "" && strings.Trim(label, "0123456789") == ""
}

// ipv4Part reads one part of an IPv4 spelling: decimal, octal with a
// leading 0, hex with 0x ("0x" alone is 0). numeric is false when p is not
// a number in any of them; a value beyond 32 bits is returned as 1<<32.
func ipv4Part(p string) (n uint64, numeric bool) {
	base, digits := 10, p
	switch {
	case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, digits = 16, p[2:]
		if digits == "" {
			return 0, true
		}
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	case p == "":
		return 0, false
	}
	for _, c := range digits {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= uint64(base) {
			return 0, false
		}
		n = min(n*uint64(base)+d, 1<<32) // saturate: any more is out of range
	}
	return n, true
}
