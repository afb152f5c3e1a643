// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp,
// an implementation independent of net/smtp's client) on 127.0.0.1 for
// tests, and keeps what arrives, decoded, for them to read.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/serentak/serentak/testkit"
)

// Options shape the server.
type Options struct {
	// Username and Password, when set, are required (AUTH PLAIN) before
	// any mail is taken.
	Username, Password string
	// StartTLS offers STARTTLS (a certificate for 127.0.0.1, trusted by
	// ClientTLS).
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte (smtps://).
	ImplicitTLS bool
	// RequireTLS refuses AUTH and MAIL before STARTTLS.
	RequireTLS bool
	// Reject refuses every recipient with this SMTP error.
	Reject *smtp.SMTPError
}

// Received is one message that arrived.
type Received struct {
	From string   // MAIL FROM
	To   []string // RCPT TO
	// TLS: the message came over TLS. AuthUser: who authenticated.
	TLS      bool
	AuthUser string
	Raw      []byte
	Header   mail.Header
	Subject  string // decoded
	// Text and HTML are the decoded parts.
	Text, HTML string
}

// Server is a running SMTP server; Close is registered with t.Cleanup.
type Server struct {
	Addr string
	opts Options
	pool *x509.CertPool
	srv  *smtp.Server

	mu   sync.Mutex
	msgs []Received
	// authTried counts AUTH attempts (a test that no password crossed a
	// plain connection reads it).
	authTried int
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "mailtest.local"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.AllowInsecureAuth = !opts.RequireTLS
	var tlsConf *tls.Config
	if opts.StartTLS || opts.ImplicitTLS {
		cert, pool := selfSigned(t)
		s.pool = pool
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}}
		if opts.StartTLS {
			s.srv.TLSConfig = tlsConf
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, tlsConf)
	}
	s.Addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		s.srv.Close()
		ln.Close() // Close may come before Serve has registered ln
		<-done
	})
	return s
}

// URL is a SERENTAK_SMTP_URL for this server, sending from from.
func (s *Server) URL(from string) string {
	u := url.URL{Scheme: "smtp", Host: s.Addr, RawQuery: url.Values{"from": {from}}.Encode()}
	if s.opts.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	return u.String()
}

// ClientTLS trusts the server's certificate (nil without TLS).
func (s *Server) ClientTLS() *tls.Config {
	if s.pool == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.pool, MinVersion: tls.VersionTLS12}
}

// Messages is what has arrived so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// AuthAttempts counts the AUTH commands the server was sent.
func (s *Server) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authTried
}

// WaitFor waits until n messages have arrived and returns them.
func (s *Server) WaitFor(t testing.TB, n int) []Received {
	t.Helper()
	testkit.WaitFor(t, 10*time.Second, "emails to arrive", func() bool { return len(s.Messages()) >= n })
	return s.Messages()
}

type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: s, conn: c}, nil
}

func (ss *session) tls() bool {
	_, ok := ss.conn.TLSConnectionState()
	return ok
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	ss.s.mu.Lock()
	ss.s.authTried++
	ss.s.mu.Unlock()
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return errors.New("invalid username or password")
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.RequireTLS && !ss.tls() {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	}
	if ss.s.opts.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.opts.Reject != nil {
		return ss.s.opts.Reject
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Received{From: ss.from, To: ss.to, TLS: ss.tls(), AuthUser: ss.user, Raw: raw}
	if err := decode(&m); err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest cannot read the message: " + err.Error()}
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// decode parses the message as a mail app would: the subject, and the
// text and HTML parts.
func decode(m *Received) error {
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Raw)))
	if err != nil {
		return err
	}
	m.Header = msg.Header
	var dec mime.WordDecoder
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return err
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	if !strings.HasPrefix(typ, "multipart/") {
		return m.keep(typ, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		pt, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			return err
		}
		if err := m.keep(pt, p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
			return err
		}
	}
}

func (m *Received) keep(typ, encoding string, r io.Reader) error {
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch typ {
	case "text/plain":
		m.Text = text
	case "text/html":
		m.HTML = text
	}
	return nil
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("mailtest: key: %v", err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
