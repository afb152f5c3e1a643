package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/safeurl"
)

// Source opens a post's media for platforms that are pushed bytes (YouTube
// uploads, TikTok FILE_UPLOAD): uploads come from the blob store, URLs are
// fetched — safely, because a URL is the caller's input.
type Source struct {
	Blobs blob.Store
	// AllowPrivate lets URLs reach loopback/private addresses
	// (SERENTAK_MEDIA_ALLOW_PRIVATE). Otherwise every connection, including
	// those after redirects and whatever DNS answers at dial time, is
	// checked against safeurl's blocked ranges.
	AllowPrivate bool
	// MaxBytes caps a fetched URL's size; 0 means 4 GiB.
	MaxBytes int64
	// Resolver looks host names up, for the up-front check and at dial
	// time; nil means net.DefaultResolver.
	Resolver safeurl.Resolver
	// Client overrides the HTTP client (tests); its transport is then the
	// caller's responsibility.
	Client *http.Client

	// blocked overrides safeurl.Blocked (tests, which can only listen on
	// loopback, pretend some loopback addresses are public).
	blocked func(netip.Addr) bool
}

// ErrTooLarge: the media is larger than the limit.
var ErrTooLarge = errors.New("media is larger than the limit")

// Open returns the item's bytes and size (-1 when the server did not say).
func (s *Source) Open(ctx context.Context, m serentak.MediaRef) (io.ReadCloser, int64, error) {
	if m.URL == "" {
		if s.Blobs == nil || m.ID == "" {
			return nil, 0, fmt.Errorf("media: item has neither a URL nor an uploaded file")
		}
		r, size, _, err := s.Blobs.Open(ctx, m.ID)
		if err != nil {
			return nil, 0, fmt.Errorf("media %s: %w", m.ID, err)
		}
		return r, size, nil
	}
	if err := s.checker().Check(ctx, m.URL); err != nil {
		return nil, 0, fmt.Errorf("media URL %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch media: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("fetch media: the server answered %s", resp.Status)
	}
	limit := s.MaxBytes
	if limit <= 0 {
		limit = 4 << 30
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("fetch media: %d bytes: %w (%d)", resp.ContentLength, ErrTooLarge, limit)
	}
	return &limitedBody{ReadCloser: resp.Body, left: limit}, resp.ContentLength, nil
}

// checker checks the URL up front and every connection made for it.
func (s *Source) checker() *safeurl.Checker {
	return &safeurl.Checker{AllowPrivate: s.AllowPrivate, Resolver: s.Resolver, Blocked: s.blocked}
}

func (s *Source) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{
		Transport: &http.Transport{
			// Every connection, the first and those after redirects, is
			// checked when dialed (DNS rebinding, redirects inward).
			DialContext:           s.checker().DialContext,
			Proxy:                 nil, // a proxy would hide the address we must check
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("media URL redirects more than 5 times")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("media URL redirects to a %s: URL", req.URL.Scheme)
			}
			return nil
		},
	}
}

// limitedBody fails a read past the limit instead of silently truncating.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, _ := l.ReadCloser.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.ReadCloser.Read(p)
	l.left -= int64(n)
	return n, err
}
