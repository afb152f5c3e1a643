package facebook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/serentak/serentak/adapters/graph"
)

// client is the attempt's Graph client, with the Page token.
func (a *attempt) client() *graph.Client {
	return &graph.Client{
		Endpoint:     a.endpoint,
		Token:        a.req.Account.Token.AccessToken,
		Platform:     "Facebook",
		Setting:      "SERENTAK_FACEBOOK_API_URL",
		Reconciles:   "looks it up",
		ClassifyFunc: Classify,
	}
}

// post makes a non-idempotent Graph call with a JSON body. It first saves
// a checkpoint saying the call is about to be made (and makes no call if
// that fails). final marks the call that makes the post public: if it may
// have reached Facebook but no answer came, the error is Unknown and the
// next attempt reconciles before publishing again.
func (a *attempt) post(ctx context.Context, step string, final bool, path, fields string, body map[string]any, out any) error {
	a.cp[cpStep] = step
	a.cp[cpStepAt] = a.now().UTC().Format(time.RFC3339Nano)
	if err := a.save(ctx); err != nil {
		return saveFailed(err)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("facebook: encoding the %s request: %w", step, err)
	}
	q := url.Values{}
	if fields != "" {
		q.Set("fields", fields)
	}
	return a.client().Post(ctx, graph.Call{Step: step, Final: final, Gate: graph.GateFor(a.req, final), Path: path, Query: q,
		ContentType: "application/json", Body: b}, out)
}

// get makes an idempotent Graph read; every failure to get an answer is
// Transient.
func (a *attempt) get(ctx context.Context, path string, query url.Values, out any) error {
	return a.client().Get(ctx, path, query, out)
}
