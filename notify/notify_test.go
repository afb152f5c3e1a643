package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/mail"
	"github.com/serentak/serentak/notify"
)

func TestDue(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		lastSent time.Time
		want     bool
	}{
		{"never sent", time.Time{}, true},
		{"a minute ago", now.Add(-time.Minute), false},
		{"a second short of a day", now.Add(-notify.Window + time.Second), false},
		{"exactly a day ago", now.Add(-notify.Window), true},
		{"two days ago", now.Add(-48 * time.Hour), true},
		{"in the future (a clock set back)", now.Add(time.Hour), false},
	} {
		if got := notify.Due(tc.lastSent, now); got != tc.want {
			t.Errorf("%s: Due = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestKey(t *testing.T) {
	a := notify.Problem{Kind: notify.PostFailed, AccountID: "acc_1"}
	for _, other := range []notify.Problem{
		{Kind: notify.AccountNeedsReconnect, AccountID: "acc_1"},
		{Kind: notify.PostFailed, AccountID: "acc_2"},
		{Kind: notify.PostPartiallyFailed, AccountID: "acc_1"},
	} {
		if a.Key() == other.Key() {
			t.Errorf("%+v and %+v share the key %q", a, other, a.Key())
		}
	}
	b := a
	b.PostID = "post_2" // another post of the same account: the same problem
	if a.Key() != b.Key() {
		t.Errorf("two failed posts of one account: keys %q and %q", a.Key(), b.Key())
	}
}

// sender keeps what it is given; fail makes it refuse one address.
type sender struct {
	mu   sync.Mutex
	got  []mail.Message
	fail string
}

func (s *sender) Send(_ context.Context, m mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.To == s.fail {
		return errors.New("550 no such user")
	}
	s.got = append(s.got, m)
	return nil
}

var (
	jakarta = serentak.Workspace{ID: "ws_1", Name: "Toko Budi", Timezone: "Asia/Jakarta", Language: "id"}
	at      = time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC) // 10:00 in Jakarta
)

func TestMessages(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       notify.Problem
		subject string
		has     []string
		hasNot  []string
	}{
		{
			name: "post failed, id",
			p: notify.Problem{Kind: notify.PostFailed, Workspace: jakarta, AccountID: "acc_1", AccountName: "Toko Budi Official",
				Platform: serentak.Instagram, PostID: "post_1", PostText: "Keripik Singkong Pedas\nRp25.000", ScheduledAt: at,
				Error: "(#9004) The media could not be fetched"},
			subject: "Postingan gagal terbit di Instagram (Toko Budi)",
			has: []string{"dijadwalkan 03-12-2026 10:00 WIB tidak terbit di akun Instagram Toko Budi Official",
				"Postingan: Keripik Singkong Pedas Rp25.000", "Pesan dari Instagram: (#9004) The media could not be fetched",
				"(ID post_1)", "paling banyak sekali sehari", "admin ruang kerja Toko Budi"},
		},
		{
			name: "post partially failed, en",
			p: notify.Problem{Kind: notify.PostPartiallyFailed, Workspace: serentak.Workspace{Name: "Shop", Timezone: "UTC", Language: "en"},
				AccountID: "acc_2", AccountName: "@shop", Platform: serentak.TikTok, PostID: "post_2", ScheduledAt: at},
			subject: "A post was only partly published: it failed on TikTok (Shop)",
			has:     []string{"scheduled for 03-12-2026 03:00 UTC was published on the other platforms, but not on the TikTok account @shop", "(ID post_2)", "once a day"},
			hasNot:  []string{"Post:", "said:"},
		},
		{
			name: "account needs reconnecting, id, with the link",
			p: notify.Problem{Kind: notify.AccountNeedsReconnect, Workspace: jakarta, AccountID: "acc_3", AccountName: "Toko Budi",
				Platform: serentak.Facebook, ReconnectURL: "https://serentak.example/v1/oauth/facebook/reconnect?token=rc_abc"},
			subject: "Akun Facebook Toko Budi perlu dihubungkan ulang (Toko Budi)",
			has:     []string{"Hubungkan ulang akunnya lewat tautan ini", "https://serentak.example/v1/oauth/facebook/reconnect?token=rc_abc\n"},
			hasNot:  []string{"ID post_"},
		},
		{
			name: "unknown language: Bahasa Indonesia; no account name: its ID",
			p: notify.Problem{Kind: notify.PostFailed, Workspace: serentak.Workspace{Name: "X", Language: "fr"}, AccountID: "acc_4",
				Platform: serentak.YouTube, ScheduledAt: at},
			subject: "Postingan gagal terbit di YouTube (X)",
			has:     []string{"akun YouTube acc_4"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := notify.Message(tc.p)
			if m.Subject != tc.subject {
				t.Errorf("subject %q, want %q", m.Subject, tc.subject)
			}
			for _, s := range tc.has {
				if !strings.Contains(m.Text, s) {
					t.Errorf("no %q in:\n%s", s, m.Text)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(m.Text, s) {
					t.Errorf("%q in:\n%s", s, m.Text)
				}
			}
		})
	}
}

func TestNotify(t *testing.T) {
	ctx := context.Background()
	p := notify.Problem{Kind: notify.PostFailed, Workspace: jakarta, AccountID: "acc_1", Platform: serentak.Facebook, ScheduledAt: at}
	admins := []string{"owner@example.com", "admin@example.com"}

	s := &sender{}
	sent, err := notify.Notify(ctx, s, p, admins, time.Time{}, at)
	if err != nil || !sent || len(s.got) != 2 || s.got[0].To != "owner@example.com" || s.got[1].To != "admin@example.com" {
		t.Fatalf("first time: sent %v, err %v, got %+v", sent, err, s.got)
	}
	// The same problem an hour later: nothing.
	sent, err = notify.Notify(ctx, s, p, admins, at, at.Add(time.Hour))
	if err != nil || sent || len(s.got) != 2 {
		t.Fatalf("within the day: sent %v, err %v, %d emails", sent, err, len(s.got))
	}
	// A day later: again.
	if sent, _ = notify.Notify(ctx, s, p, admins, at, at.Add(notify.Window)); !sent || len(s.got) != 4 {
		t.Fatalf("a day later: sent %v, %d emails", sent, len(s.got))
	}

	// One address refused: the other still gets it, and the error says which.
	s = &sender{fail: "owner@example.com"}
	sent, err = notify.Notify(ctx, s, p, admins, time.Time{}, at)
	if !sent || err == nil || !strings.Contains(err.Error(), "owner@example.com") || len(s.got) != 1 {
		t.Fatalf("one refused: sent %v, err %v, got %d", sent, err, len(s.got))
	}

	// Nobody to tell, or a problem that cannot be written: nothing sent.
	if sent, err := notify.Notify(ctx, s, p, nil, time.Time{}, at); sent || err != nil {
		t.Errorf("no admins: sent %v, err %v", sent, err)
	}
	for _, bad := range []notify.Problem{
		{Kind: notify.AccountNeedsReconnect, AccountID: "acc_1"}, // no link
		{Kind: "post.exploded", AccountID: "acc_1"},
		{Kind: notify.PostFailed},
	} {
		if sent, err := notify.Notify(ctx, &sender{}, bad, admins, time.Time{}, at); sent || err == nil {
			t.Errorf("%+v: sent %v, err %v; want an error", bad, sent, err)
		}
	}
}
