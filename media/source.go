package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
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
	// HeadTimeout bounds Head; 0 means DefaultHeadTimeout.
	HeadTimeout time.Duration
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

// HeadLen is how many leading bytes Head asks for: enough to sniff a file
// (SniffLen) and, for most images, to read their size from the header.
const HeadLen = 8 << 10

// DefaultHeadTimeout bounds Head when Source.HeadTimeout is 0: a post's
// creation waits for it, so a slow media server must not hold the API.
const DefaultHeadTimeout = 5 * time.Second

// Head is what the first bytes of a media URL say about it.
type Head struct {
	ContentType string
	Kind        serentak.MediaKind
	// Size is the whole file's size, from Content-Range (or Content-Length
	// when the server ignored the range); 0 when the server did not say.
	Size int64
	// Inspection holds an image's dimensions when its header was within
	// the bytes read; zero otherwise (and always for videos, whose boxes
	// may be anywhere in the file).
	serentak.Inspection
}

// ErrNotMedia: the URL answers with something the platforms do not take
// (a web page, a login form, a PDF).
var ErrNotMedia = errors.New("not an image or video the platforms take")

// Head reads the first HeadLen bytes of a media URL with a range request
// (bytes=0-…), through the same checks as Open (safeurl on the URL and on
// every connection, redirects included; AllowPrivate), and tells what the
// file is from those bytes, never from the URL's name. It is what lets a
// URL without an extension (https://cdn.example.com/p?id=7) be typed when a
// post is created. A server that ignores Range is read no further than
// HeadLen. Errors: the URL cannot be read (network, status, timeout), or
// ErrNotMedia when its bytes are not a file the platforms take (then
// ContentType says what they are).
func (s *Source) Head(ctx context.Context, rawURL string) (Head, error) {
	timeout := s.HeadTimeout
	if timeout <= 0 {
		timeout = DefaultHeadTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := s.checker().Check(ctx, rawURL); err != nil {
		return Head{}, fmt.Errorf("media URL %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Head{}, err
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=0-%d", HeadLen-1))
	resp, err := s.client().Do(req)
	if err != nil {
		return Head{}, fmt.Errorf("read media: %w", err)
	}
	defer resp.Body.Close()
	var h Head
	switch resp.StatusCode {
	case http.StatusPartialContent:
		h.Size = rangeTotal(resp.Header.Get("Content-Range"))
	case http.StatusOK: // the server ignored Range: the whole file is coming
		h.Size = max(resp.ContentLength, 0)
	default:
		return Head{}, fmt.Errorf("read media: the server answered %s", resp.Status)
	}
	buf, err := io.ReadAll(io.LimitReader(resp.Body, HeadLen))
	if err != nil && len(buf) == 0 {
		return Head{}, fmt.Errorf("read media: %w", err)
	}
	ct, kind, ok := Sniff(buf)
	if !ok {
		// The type the bytes do have is answered too, for the message.
		return Head{ContentType: ct}, fmt.Errorf("%w: its first bytes are %s", ErrNotMedia, ct)
	}
	h.ContentType, h.Kind = ct, kind
	if kind == serentak.MediaImage {
		// Best effort: a JPEG whose size comes after a large EXIF block
		// is simply not measured.
		if in, err := Inspect(bytes.NewReader(buf), int64(len(buf)), ct); err == nil {
			h.Inspection = in
		}
	}
	return h, nil
}

// rangeTotal reads the total of "bytes 0-8191/123456"; 0 when unknown.
func rangeTotal(cr string) int64 {
	_, total, ok := strings.Cut(cr, "/")
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(total), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
