// Package mail sends email: one Message to one person, through an SMTP
// server named by a URL (SERENTAK_SMTP_URL). It knows nothing of what the
// email says; the API and the notifications write the texts.
//
// The URL's format (docs/api.md#email):
//
//	smtp://USER:PASSWORD@HOST:PORT?from=Serentak%20%3Cnoreply%40example.com%3E
//	smtps://USER:PASSWORD@HOST:465?from=noreply@example.com
//
// smtp:// connects in the clear (port 587 by default) and upgrades with
// STARTTLS whenever the server offers it; smtps:// speaks TLS from the
// first byte (port 465 by default). User and password are optional and
// percent-encoded; they are sent (AUTH PLAIN, or LOGIN when that is all
// the server offers) only over TLS, or to a server on this machine. from
// is the sender, a bare address or "Name <address>"; without it the user
// name is used when it is an address.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Message is one email to one person. Text is required; HTML, when set,
// is sent beside it as the alternative a mail app shows.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender sends an email. An error means it was not accepted by the mail
// server; nil means it was (delivery itself is the server's business).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPConfig is where and how to send (ParseURL reads it from a URL).
type SMTPConfig struct {
	// Host and Port of the SMTP server.
	Host, Port string
	// ImplicitTLS: TLS from the first byte (smtps://); otherwise
	// STARTTLS when the server offers it.
	ImplicitTLS bool
	// Username and Password, when set, authenticate.
	Username, Password string
	// From is the sender, as the From header shows it.
	From netmail.Address
	// TLSConfig verifies the server; nil: the system's roots for Host.
	TLSConfig *tls.Config
	// Timeout bounds one Send when its context has no earlier deadline
	// (default 30 s), so a silent server cannot hold a sender forever.
	Timeout time.Duration
}

// DefaultTimeout bounds one Send (SMTPConfig.Timeout).
const DefaultTimeout = 30 * time.Second

// ParseURL reads an SMTP URL (see the package comment). The error never
// repeats the password.
func ParseURL(raw string) (SMTPConfig, error) {
	var c SMTPConfig
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the whole URL, password included.
		return c, errors.New("SERENTAK_SMTP_URL is not a URL: want smtp://user:password@host:587?from=noreply@example.com")
	}
	switch u.Scheme {
	case "smtp":
		c.Port = "587"
	case "smtps":
		c.Port, c.ImplicitTLS = "465", true
	default:
		return c, fmt.Errorf("SERENTAK_SMTP_URL: scheme %q: want smtp:// (STARTTLS when offered) or smtps:// (TLS from the start)", u.Scheme)
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return c, errors.New("SERENTAK_SMTP_URL names no host: want smtp://user:password@host:587?from=noreply@example.com")
	}
	if p := u.Port(); p != "" {
		c.Port = p
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "from" {
			return c, fmt.Errorf("SERENTAK_SMTP_URL: unknown setting %q: only from= is read", k)
		}
	}
	from := q.Get("from")
	if from == "" && strings.Contains(c.Username, "@") {
		from = c.Username
	}
	if from == "" {
		return c, errors.New("SERENTAK_SMTP_URL names no sender: add ?from=noreply@example.com (or set SERENTAK_SMTP_FROM)")
	}
	if err := c.SetFrom(from); err != nil {
		return c, err
	}
	return c, nil
}

// SetFrom sets the sender from "address" or "Name <address>".
func (c *SMTPConfig) SetFrom(from string) error {
	a, err := netmail.ParseAddress(from)
	if err != nil || strings.ContainsAny(from, "\r\n") {
		return fmt.Errorf("the email sender %q is not an address: want noreply@example.com or \"Serentak <noreply@example.com>\"", from)
	}
	c.From = *a
	return nil
}

// Redacted is the server's URL for a log: no password.
func (c SMTPConfig) Redacted() string {
	scheme := "smtp"
	if c.ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(c.Host, c.Port)}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// SMTP sends through one SMTP server, a connection per message: the API
// sends a few emails an hour, not a stream.
type SMTP struct {
	cfg SMTPConfig
	now func() time.Time
	// dialAddr, when set, is dialled instead of Host:Port (tests: a
	// server on this machine standing for a remote one).
	dialAddr string
}

// NewSMTP returns a Sender for cfg.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &SMTP{cfg: cfg, now: time.Now}
}

// Send delivers m to the server: connect, STARTTLS when offered,
// authenticate when configured, MAIL, RCPT, DATA, QUIT.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	to, err := netmail.ParseAddress(m.To)
	if err != nil || strings.ContainsAny(m.To, "\r\n") {
		return fmt.Errorf("send email: the recipient %q is not an address", m.To)
	}
	body, err := s.compose(to, m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	conn, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("send email: connect to %s: %w", s.cfg.Redacted(), err)
	}
	// A deadline on the connection bounds every read and write; closing
	// it when ctx ends unblocks one in progress.
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := s.converse(conn, to.Address, body); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return fmt.Errorf("send email through %s: %w", s.cfg.Redacted(), err)
	}
	return nil
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(s.cfg.Host, s.cfg.Port)
	if s.dialAddr != "" {
		addr = s.dialAddr
	}
	if s.cfg.ImplicitTLS {
		d := tls.Dialer{Config: s.tlsConfig()}
		return d.DialContext(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.cfg.TLSConfig != nil {
		c := s.cfg.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.cfg.Host
		}
		return c
	}
	return &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
}

// converse speaks SMTP over conn.
func (s *SMTP) converse(conn net.Conn, to string, body []byte) error {
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(helloName(s.cfg.From.Address)); err != nil {
		return err
	}
	if !s.cfg.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(s.auth(c)); err != nil {
			// net/smtp's own refusal names the password rule; the
			// server's answer never carries the password.
			return fmt.Errorf("authenticate as %s: %w", s.cfg.Username, err)
		}
	}
	if err := c.Mail(s.cfg.From.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// auth picks PLAIN, or LOGIN when the server offers only that (as some
// hosted services do).
func (s *SMTP) auth(c *smtp.Client) smtp.Auth {
	_, mechs := c.Extension("AUTH")
	plain := smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)
	fields := strings.Fields(strings.ToUpper(mechs))
	if slices.Contains(fields, "LOGIN") && !slices.Contains(fields, "PLAIN") {
		return &loginAuth{plain: plain, user: s.cfg.Username, password: s.cfg.Password}
	}
	return plain
}

// loginAuth is AUTH LOGIN, with PlainAuth's rule on when a password may
// be sent: over TLS, or to this machine.
type loginAuth struct {
	plain          smtp.Auth
	user, password string
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	// PlainAuth.Start refuses an unencrypted connection to another host;
	// its own answer is discarded.
	if _, _, err := a.plain.Start(server); err != nil {
		return "", nil, err
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:":
		return []byte(a.user), nil
	case "password:":
		return []byte(a.password), nil
	}
	return nil, fmt.Errorf("AUTH LOGIN: unexpected challenge %q", fromServer)
}

// helloName is the name given in EHLO: the sender's domain, a name the
// server may check against the sender.
func helloName(from string) string {
	if _, domain, ok := strings.Cut(from, "@"); ok && domain != "" {
		return domain
	}
	return "localhost"
}

// compose writes the message: headers (the subject and names encoded for
// any language), then the text, or the text and the HTML as
// alternatives, quoted-printable in UTF-8.
func (s *SMTP) compose(to *netmail.Address, m Message) ([]byte, error) {
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("send email: the subject has a line break")
	}
	var buf bytes.Buffer
	var id [12]byte
	rand.Read(id[:]) // cannot fail (Go 1.24 and later)
	h := []string{
		"From: " + s.cfg.From.String(),
		"To: " + to.String(),
		"Subject: " + mime.QEncoding.Encode("utf-8", m.Subject),
		"Date: " + s.now().Format(time.RFC1123Z),
		"Message-ID: <" + hex.EncodeToString(id[:]) + "@" + helloName(s.cfg.From.Address) + ">",
		"MIME-Version: 1.0",
		// Replies from out-of-office robots are not wanted.
		"Auto-Submitted: auto-generated",
	}
	for _, line := range h {
		buf.WriteString(line + "\r\n")
	}
	if m.HTML == "" {
		buf.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		if err := writeQP(&buf, m.Text); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	mw := multipart.NewWriter(&buf)
	buf.WriteString("Content-Type: multipart/alternative; boundary=" + mw.Boundary() + "\r\n\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, text string) error {
	qp := quotedprintable.NewWriter(w)
	// Lines end in CRLF on the wire; quotedprintable keeps them as hard
	// line breaks.
	if _, err := qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
		return err
	}
	return qp.Close()
}

// Interface guard.
var _ Sender = (*SMTP)(nil)
