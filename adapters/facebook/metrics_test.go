package facebook_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/facebook"
	"github.com/serentak/serentak/adapters/facebook/fakegraph"
)

// A refusal naming read_insights is the metrics permission, told apart
// from an expired login; one about the app itself stays the operator's.
func TestMetricsPermissionErrors(t *testing.T) {
	fake := fakegraph.New()
	t.Cleanup(fake.Close)
	fake.AddPage("1", "tok")
	pub := facebook.New(facebook.Config{BaseURL: fake.URL})
	req := serentak.MetricsRequest{Account: serentak.Account{ExternalID: "1", Token: serentak.Token{AccessToken: "tok"}}, ExternalID: "1_2"}
	for _, c := range []struct {
		name    string
		fault   fakegraph.Fault
		missing bool
	}{
		{"user did not grant it", fakegraph.Fault{Code: 10, Message: "(#10) Requires read_insights permission"}, true},
		{"app not approved", fakegraph.Fault{Code: 10, Message: "(#10) read_insights permission must be approved via App Review"}, false},
		{"token expired", fakegraph.Fault{Code: 190, Subcode: 463, Message: "Session has expired"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake.ClearFaults()
			fake.Inject(func(*http.Request) *fakegraph.Fault { f := c.fault; return &f })
			_, err := pub.FetchMetrics(context.Background(), req)
			if got := errors.Is(err, serentak.ErrMetricsPermission); got != c.missing {
				t.Fatalf("FetchMetrics = %v; ErrMetricsPermission %v, want %v", err, got, c.missing)
			}
		})
	}
}
