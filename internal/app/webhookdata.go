package app

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/serentak/serentak"
)

// eventData renders a webhook message's data: what GET answers for its
// subject. The api package's renderer (api.EventData, branch whstore)
// does it; until it is merged, no message can exist (see webhookStore).
// MERGE: replace the body with `return api.EventData(ctx, a.store, m)`.
func (a *App) eventData(ctx context.Context, m serentak.Message) (json.RawMessage, error) {
	return nil, errors.New("this build cannot render webhook bodies (api.EventData is missing)")
}
