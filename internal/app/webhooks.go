package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"

	"github.com/serentak/serentak/webhook"
)

// webhookDispatcher is the scheduler role's part that enqueues due
// webhook messages.
func (a *App) webhookDispatcher() (part, error) {
	d, err := webhook.NewDispatcher(webhook.DispatcherConfig{Store: a.store, Redis: a.redis, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.onClose(d.Close)
	return d.Run, nil
}

// webhookWorker is the worker role's part that sends webhooks, on its own
// Asynq server and pool so a slow receiver never takes a publishing slot;
// its body's data is what GET answers for the event's subject
// (api.EventData).
func (a *App) webhookWorker() (part, error) {
	s, err := webhook.NewSender(webhook.Config{
		Store: a.store,
		Data: func(ctx context.Context, m serentak.Message) (json.RawMessage, error) {
			return api.EventData(ctx, a.store, m)
		},
		AllowPrivate: a.Config.WebhookAllowPrivate,
		Logger:       a.log,
		ObserveFunc:  a.metrics.WebhookAttempt,
		// One span per attempt; webhook endpoints' URLs are not in it.
		TracerProvider: a.tracer,
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
