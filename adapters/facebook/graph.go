package facebook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/serentak/serentak/adapters/graph"
)

// post makes a non-idempotent Graph call with a JSON body. It first saves
// a checkpoint saying the call is about to be made (and makes no call if
// that fails). final marks the call that makes the post public: if it may
// have reached Facebook but no answer came, the error is Unknown and the
// next attempt reconciles before publishing again.
func (a *attempt) post(ctx context.Context, step string, final bool, path, fields string, body map[string]any, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("facebook: encoding the %s request: %w", step, err)
	}
	q := url.Values{}
	if fields != "" {
		q.Set("fields", fields)
	}
	return a.Step(ctx, graph.Call{Step: step, Final: final, Path: path, Query: q, ContentType: "application/json", Body: b}, out)
}
