package app

import (
	"context"
	"fmt"

	"github.com/serentak/serentak/webhook"
)

// webhookStore is the store's webhook half. It is found by assertion so
// this branch builds before gormstore implements webhook.Store (branch
// whstore); once merged, the assertion always holds. MERGE: when gormstore
// has the methods, use a.store directly (and drop ok).
func (a *App) webhookStore() (webhook.Store, bool) {
	s, ok := any(a.store).(webhook.Store)
	return s, ok
}

// webhookDispatcher is the scheduler role's part that enqueues due
// webhook messages; nil when this build cannot send webhooks.
func (a *App) webhookDispatcher() (part, error) {
	store, ok := a.webhookStore()
	if !ok {
		a.log.Info("webhooks are not sent: this build's store has no webhook messages")
		return nil, nil
	}
	d, err := webhook.NewDispatcher(webhook.DispatcherConfig{Store: store, Redis: a.redis, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.onClose(d.Close)
	return d.Run, nil
}

// webhookWorker is the worker role's part that sends webhooks, on its own
// Asynq server and pool so a slow receiver never takes a publishing slot;
// nil when this build cannot send webhooks.
func (a *App) webhookWorker() (part, error) {
	store, ok := a.webhookStore()
	if !ok {
		return nil, nil
	}
	s, err := webhook.NewSender(webhook.Config{
		Store:        store,
		Data:         a.eventData,
		AllowPrivate: a.Config.WebhookAllowPrivate,
		Logger:       a.log,
	})
	if err != nil {
		return nil, err
	}
	w, err := webhook.NewWorker(webhook.WorkerConfig{
		Sender: s, Redis: a.redis, Logger: a.log, TaskCheckInterval: a.Config.CheckInterval,
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		if err := w.Start(); err != nil {
			return fmt.Errorf("start webhook workers: %w", err)
		}
		<-ctx.Done()
		w.Shutdown()
		return nil
	}, nil
}
