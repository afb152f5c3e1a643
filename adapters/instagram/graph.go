package instagram

import (
	"context"
	"net/url"

	"github.com/serentak/serentak/adapters/graph"
)

// post makes a non-idempotent Graph call with a form-encoded body (a
// 2,200-character caption does not belong in a URL). It first saves a
// checkpoint naming the call (and makes no call if that fails). final marks
// media_publish, the call that makes the post public: if it may have
// reached Instagram but no answer came, the error is Unknown and the next
// attempt asks the container's status before publishing again.
func (a *attempt) post(ctx context.Context, step string, final bool, path string, form url.Values, out any) error {
	return a.Step(ctx, graph.Call{Step: step, Final: final, Path: path,
		ContentType: "application/x-www-form-urlencoded", Body: []byte(form.Encode()),
		RefusedFunc: func() {
			// Instagram answered that the call failed: the step's outcome
			// is known, it did not happen.
			delete(a.CP, cpStep)
			delete(a.CP, cpStepAt)
		}}, out)
}
