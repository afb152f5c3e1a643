package task_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
)

func TestWebhookSendRoundTrip(t *testing.T) {
	tk, opts := task.NewWebhookSend("msg_1", 3)
	if tk.Type() != task.TypeWebhookSend {
		t.Errorf("type %q, want %q", tk.Type(), task.TypeWebhookSend)
	}
	p, err := task.ParseWebhookSend(tk)
	if err != nil || p.MessageID != "msg_1" {
		t.Errorf("ParseWebhookSend: %+v, %v", p, err)
	}
	// The ID names the attempt, so the next attempt is a new task and the
	// same attempt enqueued twice is one.
	if a, b := task.WebhookSendID("msg_1", 3), task.WebhookSendID("msg_1", 4); a != "msg_1:3" || a == b {
		t.Errorf("IDs %q and %q", a, b)
	}
	want := map[asynq.OptionType]any{asynq.QueueOpt: task.QueueWebhooks, asynq.TaskIDOpt: "msg_1:3", asynq.MaxRetryOpt: 0}
	for _, o := range opts {
		if w, ok := want[o.Type()]; ok && o.Value() != w {
			t.Errorf("option %v = %v, want %v", o.Type(), o.Value(), w)
		}
		delete(want, o.Type())
	}
	if len(want) > 0 {
		t.Errorf("options missing: %v", want)
	}
	if _, err := task.ParseWebhookSend(asynq.NewTask(task.TypeWebhookSend, []byte(`{}`))); err == nil {
		t.Error("a payload without message_id was accepted")
	}
}

// The traceparent rides in the payload; the task's ID does not depend on
// it, so two schedulers with different traces still make one task.
func TestPublishCarriesTraceParent(t *testing.T) {
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tk, opts := task.NewPublishOf(task.PublishPayload{DeliveryID: "dlv_1", Version: 2, TraceParent: tp}, serentak.Facebook, time.Now())
	p, err := task.ParsePublish(tk)
	if err != nil || p.TraceParent != tp || p.DeliveryID != "dlv_1" || p.Version != 2 {
		t.Fatalf("ParsePublish = %+v, %v; want the payload back with its traceparent", p, err)
	}
	_, plain := task.NewPublish("dlv_1", 2, serentak.Facebook, time.Now())
	if fmt.Sprint(opts[1]) != fmt.Sprint(plain[1]) {
		t.Errorf("task ID option %v with a traceparent, %v without; want the same", opts[1], plain[1])
	}
	old := asynq.NewTask(task.TypePublish, []byte(`{"delivery_id":"dlv_1","version":2}`))
	if p, err := task.ParsePublish(old); err != nil || p.TraceParent != "" {
		t.Errorf("a payload from before tracing: %+v, %v", p, err)
	}
}
