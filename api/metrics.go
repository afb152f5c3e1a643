package api

import (
	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// serveMetrics answers a Prometheus scrape (Config.Metrics).
func (s *Server) serveMetrics(c echo.Context) error {
	if s.cfg.Metrics == nil {
		return serentak.Errorf(serentak.ECodeNotFound, "this process serves no metrics")
	}
	s.cfg.Metrics.ServeHTTP(c.Response(), c.Request())
	return nil
}

// operatorOnly admits the operator key alone (after authMiddleware): the
// metrics describe every workspace of the install.
func (s *Server) operatorOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !principalOf(c).operator {
			return serentak.Errorf(codeForbidden, "only the operator key may read the metrics")
		}
		return next(c)
	}
}
