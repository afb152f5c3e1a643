package api

import (
	"context"
	"time"
)

// PasswordHashes is how many argon2id hashes s has computed.
func PasswordHashes(s *Server) int64 { return s.hasher.hashes.Load() }

// SetSignInDelay sets the wait added per failed sign-in past the slow-down
// threshold, so throttling tests do not sleep for seconds.
func SetSignInDelay(s *Server, d time.Duration) { s.signIns.delay = d }

// CheapPasswordHashes makes s hash new passwords with argon2id's smallest
// parameters (t=1, m=8 KiB) instead of OWASP's: the API's tests make and
// sign in hundreds of people, and at 19 MiB a hash the hashing was over half
// of their CPU time. Verification still reads the parameters from each
// hash, so sign-ins against the dummy hash cost what they do in
// production; TestPasswordHashVerify and the hasher's own tests keep the
// real parameters.
func CheapPasswordHashes(s *Server) { s.hasher.time, s.hasher.memory = 1, 8 }

// HashPasswordsAtOnce hashes n passwords concurrently and returns the most
// hashes that ran at one time, and the cap.
func HashPasswordsAtOnce(n int) (peak int64, limit int) {
	h := newPasswordHasher()
	done := make(chan struct{})
	for range n {
		go func() {
			h.hash(context.Background(), "correct horse battery")
			done <- struct{}{}
		}()
	}
	for range n {
		<-done
	}
	return h.peak.Load(), maxConcurrentHashes
}

// VerifyPassword hashes password and verifies candidate against it.
func VerifyPassword(password, candidate string) (encoded string, ok bool, err error) {
	h := newPasswordHasher()
	encoded, err = h.hash(context.Background(), password)
	if err != nil {
		return "", false, err
	}
	ok, err = h.verify(context.Background(), encoded, candidate)
	return encoded, ok, err
}

// HashPassword hashes one password, for the benchmark.
func HashPassword(password string) error {
	_, err := newPasswordHasher().hash(context.Background(), password)
	return err
}

// AuditActions is the action of every mutating workspace route ("" for a
// route recorded never), by "METHOD /path".
func AuditActions() map[string]string {
	out := map[string]string{}
	for route, a := range auditActions {
		out[route] = a.name
	}
	return out
}

// WaitForMail waits until the emails s is sending in the background are
// sent (or have failed).
func WaitForMail(s *Server) { s.mailWG.Wait() }

// FlushClicks writes the link-in-bio clicks s holds now.
func FlushClicks(ctx context.Context, s *Server) error { return s.bioClicks.Flush(ctx) }
