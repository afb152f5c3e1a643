package adaptertest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/serentak/serentak"
)

// PublishErr returns err as a *serentak.PublishError, failing the test
// when it is not one.
func PublishErr(t testing.TB, err error) *serentak.PublishError {
	t.Helper()
	var pe *serentak.PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *serentak.PublishError", err, err)
	}
	return pe
}

// NoSecrets fails the test when err, or any error it wraps, carries one
// of secrets, in its text or its %+v form.
func NoSecrets(t testing.TB, err error, secrets ...string) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		text := e.Error() + fmt.Sprintf("%+v", e)
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("error leaks %q: %v", s, e)
			}
		}
	}
}

// MediaFile is what a media server answers for a path prefix.
type MediaFile struct {
	ContentType string
	Body        []byte
}

// NewMediaServer starts a media host, the kind a platform fetches media
// URLs from: each path prefix (ending in "/") answers its file. It is
// closed when the test ends.
func NewMediaServer(t testing.TB, files map[string]MediaFile) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for prefix, f := range files {
		mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", f.ContentType)
			w.Write(f.Body)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
