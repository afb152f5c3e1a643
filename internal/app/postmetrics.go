package app

import (
	"github.com/serentak/serentak"
	"github.com/serentak/serentak/postmetrics"
)

// platformMetrics is the scheduler role's metrics fetcher
// (docs/api.md#platform-metrics): it reads what the platforms report about
// published deliveries through the same publishers, on their schedule, a
// modest batch a minute. Replicas of the scheduler share the work: each
// row is claimed under a lease in the database.
func (a *App) platformMetrics() *postmetrics.Fetcher {
	fetchers := map[serentak.Platform]serentak.MetricsFetcher{}
	for p, pub := range a.publishers {
		if f, ok := pub.(serentak.MetricsFetcher); ok {
			fetchers[p] = f
		}
	}
	return postmetrics.New(postmetrics.Config{Store: a.store, Fetchers: fetchers, Logger: a.log})
}
