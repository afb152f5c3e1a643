package app

import (
	"github.com/serentak/serentak"
	"github.com/serentak/serentak/notify"
)

// notifier is the scheduler role's part that emails the workspaces'
// admins about failed posts and accounts to reconnect (docs/api.md#email),
// through the same mail server as the API. Without one it marks the
// pending notifications skipped, so they do not pile up.
func (a *App) notifier() (part, error) {
	rcs := make(map[serentak.Platform]notify.Reconnector, len(a.oauth.connectors))
	for p, c := range a.oauth.connectors {
		rcs[p] = c
	}
	n, err := notify.New(notify.Config{Store: a.store, Sender: a.mailer, Reconnectors: rcs, Logger: a.log})
	if err != nil {
		return nil, err
	}
	return n.Run, nil
}
