// Package graph holds what the Facebook and Instagram publishers share of
// Meta's Graph API: the request mechanics (the token in a header, a capped
// answer, "not sent" told apart from "sent, answer lost"), the error
// object, the usage headers that say when a throttled app may call again,
// and the scrubbing of tokens from errors.
//
// The publisher skeleton is shared too (Config, Publisher, and Attempt
// with its checkpoint step: save "about to call X", call, save the
// result). Each publisher keeps its own classify table, its checkpoint
// keys beyond the step and the result, and its flows: the same codes mean
// different things on the two platforms, and only the mechanics are the
// same.
package graph

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// Defaults both publishers take.
const (
	// DefaultBaseURL is the Graph API host. Instagram Login tokens use
	// https://graph.instagram.com, which serves the same routes.
	DefaultBaseURL = "https://graph.facebook.com"
	// DefaultVersion is pinned: Meta silently routes calls made with an
	// expired version to the oldest live one, so a moving default would
	// change behaviour unseen.
	DefaultVersion = "v25.0"
	// DefaultTimeout is long because a Graph call that names media by URL
	// makes Meta fetch the file before it answers.
	DefaultTimeout = 2 * time.Minute
)

// TimeLayout is the Graph API's timestamp layout ("2017-05-01T18:19:12+0000").
const TimeLayout = "2006-01-02T15:04:05-0700"

// Endpoint is where Graph requests go and what sends them.
type Endpoint struct {
	// BaseURL is the host, without the version or a trailing slash.
	BaseURL    string
	Version    string
	HTTPClient *http.Client
}

// NewEndpoint returns an Endpoint, zero arguments taking the defaults.
func NewEndpoint(baseURL, version string, client *http.Client) Endpoint {
	e := Endpoint{BaseURL: strings.TrimRight(baseURL, "/"), Version: version, HTTPClient: client}
	if e.BaseURL == "" {
		e.BaseURL = DefaultBaseURL
	}
	if e.Version == "" {
		e.Version = DefaultVersion
	}
	if e.HTTPClient == nil {
		e.HTTPClient = &http.Client{Timeout: DefaultTimeout, Transport: newTransport()}
	}
	return e
}

// MaxIdleConnsPerHost is how many idle connections to the Graph host are
// kept for reuse. net/http keeps 2, so a burst of publishes (hundreds due
// at the same minute) would open, handshake TLS for, and close a connection
// per call; the worker runs up to its concurrency of calls at once.
const MaxIdleConnsPerHost = 256

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = MaxIdleConnsPerHost
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	return t
}

// NormalizeText forgives what Meta may change in stored text (line endings
// and surrounding space), for matching a post found on the platform with
// the one we sent.
func NormalizeText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// MediaURL is the URL the platform fetches a media item from: the item's
// own URL, or a public link to an upload made by urlFunc (nil when
// SERENTAK_PUBLIC_URL is not set).
func MediaURL(platform string, m serentak.MediaRef, urlFunc func(serentak.MediaRef) (string, error)) (string, error) {
	if m.URL != "" {
		return m.URL, nil
	}
	if urlFunc == nil {
		return "", serentak.NewPublishError(serentak.Rejected, "",
			"uploaded media %s has no public URL to give %s; set SERENTAK_PUBLIC_URL", m.ID, platform)
	}
	u, err := urlFunc(m)
	if err != nil {
		return "", &serentak.PublishError{Kind: serentak.Transient,
			Message: fmt.Sprintf("could not make a public URL for media %s: %v", m.ID, err), Err: err}
	}
	return u, nil
}

// SaveFailed is the error for a checkpoint that could not be saved before
// a call, which was therefore not made.
func SaveFailed(platform string, err error) *serentak.PublishError {
	return &serentak.PublishError{Kind: serentak.Transient, Err: err,
		Message: fmt.Sprintf("could not save the publish checkpoint, so nothing more was sent to %s: %v", platform, err)}
}
