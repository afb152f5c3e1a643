package api_test

import (
	"os"
	"testing"

	"github.com/serentak/serentak/internal/browsertest"
)

// browser is the headless Chromium of this package's browser tests,
// started by the first of them (docs/testing.md).
var browser = browsertest.New()

func TestMain(m *testing.M) {
	code := m.Run()
	browser.Close()
	os.Exit(code)
}
