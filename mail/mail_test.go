package mail_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/serentak/serentak/mail"
	"github.com/serentak/serentak/mail/mailtest"
)

func sender(t *testing.T, srv *mailtest.Server, from string) *mail.SMTP {
	t.Helper()
	cfg, err := mail.ParseURL(srv.URL(from))
	if err != nil {
		t.Fatalf("ParseURL: %v", err)
	}
	cfg.TLSConfig = srv.ClientTLS()
	return mail.NewSMTP(cfg)
}

func TestSendArrives(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    mailtest.Options
		wantTLS bool
	}{
		{"plain, no auth", mailtest.Options{}, false},
		{"auth on this machine", mailtest.Options{Username: "serentak", Password: "s3cret pass"}, false},
		{"STARTTLS offered is used", mailtest.Options{StartTLS: true, RequireTLS: true, Username: "serentak", Password: "pw"}, true},
		{"smtps: TLS from the start", mailtest.Options{ImplicitTLS: true, Username: "serentak", Password: "pw"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := mailtest.Start(t, tc.opts)
			s := sender(t, srv, "Serentak <noreply@serentak.test>")
			msg := mail.Message{
				To:      "budi@example.com",
				Subject: "Atur ulang kata sandi Serentak — ç",
				Text:    "Halo Budi,\n.\nBuka tautan ini: https://serentak.test/v1/password-resets/abc?lang=en\n",
				HTML:    `<p>Halo Budi, <a href="https://serentak.test/x">buka</a></p>`,
			}
			if err := s.Send(context.Background(), msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitFor(t, 1)[0]
			if got.From != "noreply@serentak.test" || len(got.To) != 1 || got.To[0] != "budi@example.com" {
				t.Errorf("envelope: from %q to %q", got.From, got.To)
			}
			if got.Subject != msg.Subject {
				t.Errorf("subject %q, want %q", got.Subject, msg.Subject)
			}
			if got.Text != strings.ReplaceAll(msg.Text, "\r\n", "\n") {
				t.Errorf("text %q, want %q", got.Text, msg.Text)
			}
			if got.HTML != msg.HTML {
				t.Errorf("html %q, want %q", got.HTML, msg.HTML)
			}
			if got.TLS != tc.wantTLS {
				t.Errorf("TLS %v, want %v", got.TLS, tc.wantTLS)
			}
			if got.AuthUser != tc.opts.Username {
				t.Errorf("authenticated as %q, want %q", got.AuthUser, tc.opts.Username)
			}
			if f := got.Header.Get("From"); f != `"Serentak" <noreply@serentak.test>` {
				t.Errorf("From header %q", f)
			}
			if got.Header.Get("Message-ID") == "" || got.Header.Get("Date") == "" {
				t.Errorf("no Message-ID or Date: %v", got.Header)
			}
		})
	}
}

func TestSendTextOnly(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	if err := sender(t, srv, "noreply@serentak.test").Send(context.Background(), mail.Message{To: "a@example.com", Subject: "s", Text: "only text"}); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1)[0]
	if strings.TrimSuffix(got.Text, "\n") != "only text" || got.HTML != "" { // DATA ends the last line
		t.Errorf("text %q html %q", got.Text, got.HTML)
	}
}

// A password is never sent over a plain connection to another machine
// (the server here offers no STARTTLS, and is spoken to as a remote host).
func TestSendRefusesPasswordInTheClear(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Username: "u", Password: "secret-password"})
	cfg, err := mail.ParseURL(srv.URL("noreply@serentak.test"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host = "mail.example.com"
	s := mail.NewSMTP(cfg)
	mail.DialAddr(s, srv.Addr)
	err = s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
	if err == nil {
		t.Fatal("sent a password over an unencrypted connection")
	}
	if strings.Contains(err.Error(), "secret-password") {
		t.Errorf("the error shows the password: %v", err)
	}
	if n := srv.AuthAttempts(); n != 0 {
		t.Errorf("%d AUTH commands reached the server", n)
	}
	if len(srv.Messages()) != 0 {
		t.Error("a message arrived")
	}
}

func TestSendErrors(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Username: "u", Password: "right"})
		cfg, _ := mail.ParseURL(srv.URL("noreply@serentak.test"))
		cfg.Password = "wrong-password-xyz"
		err := mail.NewSMTP(cfg).Send(context.Background(), mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
		if err == nil || strings.Contains(err.Error(), "wrong-password-xyz") {
			t.Fatalf("err = %v, want an error without the password", err)
		}
	})
	t.Run("recipient refused", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Reject: &smtp.SMTPError{Code: 550, Message: "no such user"}})
		err := sender(t, srv, "noreply@serentak.test").Send(context.Background(), mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
		if err == nil || !strings.Contains(err.Error(), "no such user") {
			t.Fatalf("err = %v, want the server's refusal", err)
		}
	})
	t.Run("header injection", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		s := sender(t, srv, "noreply@serentak.test")
		for _, m := range []mail.Message{
			{To: "a@example.com\r\nBcc: b@example.com", Subject: "s", Text: "t"},
			{To: "a@example.com", Subject: "s\r\nBcc: b@example.com", Text: "t"},
			{To: "not an address", Subject: "s", Text: "t"},
		} {
			if err := s.Send(context.Background(), m); err == nil {
				t.Errorf("sent %+v", m)
			}
		}
		if len(srv.Messages()) != 0 {
			t.Error("a message arrived")
		}
	})
	t.Run("canceled context", func(t *testing.T) {
		// A listener that accepts and never speaks: Send must end with
		// its context, not hang.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		cfg, _ := mail.ParseURL("smtp://" + ln.Addr().String() + "?from=noreply@serentak.test")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- mail.NewSMTP(cfg).Send(ctx, mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
		}()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw                  string
		host, port, user, pw string
		from                 string
		tls                  bool
		wantErr              string
	}{
		{raw: "smtp://user:p%40ss@mail.example.com?from=noreply@example.com", host: "mail.example.com", port: "587", user: "user", pw: "p@ss", from: "noreply@example.com"},
		{raw: "smtps://mail.example.com?from=Serentak%20%3Cnoreply%40example.com%3E", host: "mail.example.com", port: "465", from: "noreply@example.com", tls: true},
		{raw: "smtp://noreply@example.com:pw@mail.example.com:2525", host: "mail.example.com", port: "2525", user: "noreply@example.com", pw: "pw", from: "noreply@example.com"},
		{raw: "smtp://[::1]:25?from=a@b.c", host: "::1", port: "25", from: "a@b.c"},
		{raw: "http://mail.example.com?from=a@b.c", wantErr: "scheme"},
		{raw: "smtp://?from=a@b.c", wantErr: "no host"},
		{raw: "smtp://user:pw@mail.example.com", wantErr: "no sender"},
		{raw: "smtp://mail.example.com?from=nonsense", wantErr: "not an address"},
		{raw: "smtp://mail.example.com?from=a@b.c&tls=off", wantErr: "unknown setting"},
		{raw: "smtp://user:topsecret@mail example.com", wantErr: "not a URL"},
	} {
		c, err := mail.ParseURL(tc.raw)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseURL(%q) err = %v, want %q", tc.raw, err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "topsecret") {
				t.Errorf("ParseURL(%q) err shows the password: %v", tc.raw, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.raw, err)
			continue
		}
		if c.Host != tc.host || c.Port != tc.port || c.Username != tc.user || c.Password != tc.pw || c.From.Address != tc.from || c.ImplicitTLS != tc.tls {
			t.Errorf("ParseURL(%q) = %+v", tc.raw, c)
		}
		if strings.Contains(c.Redacted(), tc.pw) && tc.pw != "" {
			t.Errorf("Redacted() = %q shows the password", c.Redacted())
		}
	}
}
