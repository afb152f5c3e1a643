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
	if c.AllowPrivate {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ErrPrivate
	}
	if ip, err := netip.ParseAddr(host); err == nil {
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
