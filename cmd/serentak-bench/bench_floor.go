package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak/adapters/graph"
	"github.com/serentak/serentak/config"
)

// The floor is what this machine allows any design that publishes each
// delivery through its own Asynq task and makes its platform call: the
// burst again, with the same number of deliveries, worker concurrency,
// lead, check interval, Redis and fake platform (a fresh child), but each
// task only waits for the due second and posts to the fake, with no
// database at all. Bare Asynq (no-op tasks) is the ceiling the issue
// names; the floor says how much of it is left once every delivery makes
// the one HTTP call it cannot do without, on the same two cores.

// floorCeiling runs the floor on the bench's Redis (a fresh embedded one
// when serve used its own) and returns it as a report: its throughput and
// lateness are the burst's, measured the same way (tally).
func floorCeiling(ctx context.Context, cfg config.Config, c benchConfig) (benchReport, error) {
	opt := cfg.Redis
	if opt == nil {
		var err error
		if opt, err = embeddedForBench(); err != nil {
			return benchReport{}, err
		}
	}
	fake, err := startBenchPlatform(ctx, c.Latency, c.Pages)
	if err != nil {
		return benchReport{}, err
	}
	defer fake.Close()
	return platformFloor(ctx, opt, fake, c.Posts, c.Pages, cfg.Concurrency, cfg.Lead, cfg.CheckInterval)
}

// platformFloor is the floor of n deliveries over pages Pages of fake.
func platformFloor(ctx context.Context, opt asynq.RedisConnOpt, fake *benchPlatform, n, pages, concurrency int, lead, check time.Duration) (benchReport, error) {
	const queue, kind = "bench-floor", "bench:call"
	client := asynq.NewClient(opt)
	defer client.Close()
	// Enqueueing takes a while (one round trip each); the due second
	// leaves room for it and for the lead, as the burst's does.
	due := time.Now().Add(lead + 2*time.Second + time.Duration(n)*200*time.Microsecond).Truncate(time.Second).Add(time.Second)
	for i := range n {
		t := asynq.NewTask(kind, []byte(strconv.Itoa(i)))
		if _, err := client.EnqueueContext(ctx, t, asynq.Queue(queue), asynq.ProcessAt(due.Add(-lead)), asynq.MaxRetry(0)); err != nil {
			return benchReport{}, err
		}
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}, Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	srv := asynq.NewServer(opt, asynq.Config{
		Concurrency:              concurrency,
		Queues:                   map[string]int{queue: 1},
		DelayedTaskCheckInterval: check,
		TaskCheckInterval:        check,
		Logger:                   quietAsynq{},
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(kind, func(ctx context.Context, t *asynq.Task) error {
		i, err := strconv.Atoi(string(t.Payload()))
		if err != nil {
			return err
		}
		if err := sleepUntil(ctx, due); err != nil {
			return err
		}
		page, token := benchPage(i % pages)
		form := url.Values{"message": {fmt.Sprintf("floor %d", i)}, "access_token": {token}}
		resp, err := hc.PostForm(fake.GraphURL+"/"+graph.DefaultVersion+"/"+page+"/feed", form)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("the fake platform answered %s", resp.Status)
		}
		return nil
	})
	if err := srv.Start(mux); err != nil {
		return benchReport{}, err
	}
	defer srv.Shutdown()
	got, err := fake.AwaitArrivals(n, due)
	if err != nil {
		return benchReport{}, err
	}
	if got < n {
		return benchReport{}, fmt.Errorf("the floor's %d calls: %d arrived in time", n, got)
	}
	arrivals, err := fake.Arrivals()
	if err != nil {
		return benchReport{}, err
	}
	var rep benchReport
	rep.tally(arrivals, n, due)
	return rep, nil
}

// sleepUntil waits for t, or for ctx.
func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
