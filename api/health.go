package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

var statusOK = map[string]string{"status": "ok"}

// healthz answers while the process runs.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, statusOK)
}

// readyz answers 200 when the database and Redis answer (cfg.ReadyFunc),
// else 503 naming what is down.
func (s *Server) readyz(c echo.Context) error {
	if s.cfg.ReadyFunc != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
		defer cancel()
		if err := s.cfg.ReadyFunc(ctx); err != nil {
			s.log.Warn("not ready", "request_id", requestID(c), "error", err.Error())
			return serentak.Errorf(serentak.ECodeUnavailable, "not ready: %s", err.Error())
		}
	}
	return c.JSON(http.StatusOK, statusOK)
}
