// Package embedredis runs an in-process Redis (miniredis) so that
// `serentak serve` with no configuration needs no other server. It keeps
// nothing across restarts; the database is the source of truth and the
// scheduler re-derives the queue from it.
package embedredis

import (
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Server is a running in-process Redis.
type Server struct {
	mini *miniredis.Miniredis
	stop chan struct{}
	done sync.WaitGroup
}

// Start listens on addr ("" picks a free port on 127.0.0.1).
func Start(addr string) (*Server, error) {
	m := miniredis.NewMiniRedis()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := m.StartAddr(addr); err != nil {
		return nil, err
	}
	s := &Server{mini: m, stop: make(chan struct{})}
	s.done.Add(1)
	go s.driveClock()
	return s, nil
}

// driveClock advances miniredis's clock with real time: miniredis never
// expires keys by itself, and Asynq's locks and heartbeats rely on expiry.
func (s *Server) driveClock() {
	defer s.done.Done()
	const step = 100 * time.Millisecond
	t := time.NewTicker(step)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.mini.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Addr is the host:port clients connect to.
func (s *Server) Addr() string { return s.mini.Addr() }

// FlushAll empties the server, as FLUSHALL would (used by tests that prove
// nothing is lost when Redis is).
func (s *Server) FlushAll() { s.mini.FlushAll() }

// Close stops the server.
func (s *Server) Close() {
	close(s.stop)
	s.done.Wait()
	s.mini.Close()
}
