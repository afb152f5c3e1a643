package instagram

import (
	"context"
	"net/url"
	"time"

	"github.com/serentak/serentak/adapters/graph"
)

// client is the attempt's Graph client, with the account's token.
func (a *attempt) client() *graph.Client {
	return &graph.Client{
		Endpoint:     a.endpoint,
		Token:        a.req.Account.Token.AccessToken,
		Platform:     "Instagram",
		Setting:      "SERENTAK_INSTAGRAM_API_URL",
		Reconciles:   "checks the container",
		ClassifyFunc: Classify,
	}
}

// post makes a non-idempotent Graph call with a form-encoded body (a
// 2,200-character caption does not belong in a URL). It first saves a
// checkpoint naming the call (and makes no call if that fails). final marks
// media_publish, the call that makes the post public: if it may have
// reached Instagram but no answer came, the error is Unknown and the next
// attempt asks the container's status before publishing again.
func (a *attempt) post(ctx context.Context, step string, final bool, path string, form url.Values, out any) error {
	a.cp[cpStep] = step
	a.cp[cpStepAt] = a.now().UTC().Format(time.RFC3339Nano)
	if err := a.save(ctx); err != nil {
		return saveFailed(err)
	}
	return a.client().Post(ctx, graph.Call{Step: step, Final: final, Gate: graph.GateFor(a.req, final), Path: path,
		ContentType: "application/x-www-form-urlencoded", Body: []byte(form.Encode()),
		RefusedFunc: func() {
			// Instagram answered that the call failed: the step's outcome
			// is known, it did not happen.
			delete(a.cp, cpStep)
			delete(a.cp, cpStepAt)
		}}, out)
}

// get makes an idempotent Graph read; every failure to get an answer is
// Transient.
func (a *attempt) get(ctx context.Context, path string, query url.Values, out any) error {
	return a.client().Get(ctx, path, query, out)
}
