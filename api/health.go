package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

var statusOK = map[string]string{"status": "ok"}

// healthz answers while the process runs.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, statusOK)
}

// DependencyError is what Config.ReadyFunc returns for a dependency that
// does not answer (see Unready).
type DependencyError struct {
	// Name is what /readyz answers: "database", "redis".
	Name string
	// Err is the cause, logged only: it names internal addresses.
	Err error
}

// Unready names the dependency a ready check found down, for
// Config.ReadyFunc: return api.Unready("redis", err). Several may be
// joined with errors.Join.
func Unready(name string, err error) error { return &DependencyError{Name: name, Err: err} }

func (e *DependencyError) Error() string { return e.Name + ": " + e.Err.Error() }
func (e *DependencyError) Unwrap() error { return e.Err }

// readyz answers 200 when the database and Redis answer (cfg.ReadyFunc),
// else 503 naming, in the error's details, each dependency that is down —
// its name only: the cause goes to the log, since dial errors carry the
// internal addresses of the database and Redis.
func (s *Server) readyz(c echo.Context) error {
	if s.cfg.ReadyFunc == nil {
		return c.JSON(http.StatusOK, statusOK)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	err := s.cfg.ReadyFunc(ctx)
	if err == nil {
		return c.JSON(http.StatusOK, statusOK)
	}
	s.log.Warn("not ready", "request_id", requestID(c), "error", err.Error())
	var names []string
	var details []serentak.FieldError
	for _, d := range dependencyErrors(err) {
		names = append(names, d.Name)
		details = append(details, fieldError(d.Name, serentak.ECodeUnavailable, "%s does not answer", d.Name))
	}
	if len(names) == 0 {
		return serentak.Errorf(serentak.ECodeUnavailable, "not ready: a dependency does not answer; the server log says which")
	}
	verb := "does"
	if len(names) > 1 {
		verb = "do"
	}
	e := serentak.Errorf(serentak.ECodeUnavailable, "not ready: %s %s not answer", strings.Join(names, " and "), verb)
	e.Details = details
	return e
}

// dependencyErrors finds every DependencyError in err's tree, joined
// errors included (errors.As would stop at the first).
func dependencyErrors(err error) []*DependencyError {
	if d, ok := err.(*DependencyError); ok {
		return []*DependencyError{d}
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if next := u.Unwrap(); next != nil {
			return dependencyErrors(next)
		}
	case interface{ Unwrap() []error }:
		var out []*DependencyError
		for _, e := range u.Unwrap() {
			out = append(out, dependencyErrors(e)...)
		}
		return out
	}
	return nil
}
