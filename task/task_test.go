package task_test

import (
	"testing"

	"github.com/hibiken/asynq"

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
