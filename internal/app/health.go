package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/secretbox"
)

// CheckDependencies is `serentak healthcheck -role worker|scheduler`: the
// roles without an HTTP server are as healthy as what they work on, so it
// asks the database and Redis of cfg, as the process would reach them,
// whether they answer. It applies no migration and reads no sealed value.
func CheckDependencies(ctx context.Context, cfg config.Config) error {
	var errs []error
	// The key only satisfies Open: nothing sealed is read.
	key := cfg.SecretKey
	if key == "" {
		key = "healthcheck: no sealed value is read"
	}
	store, err := openStoreWithKey(ctx, cfg, secretbox.KeyFromString(key))
	if err != nil {
		errs = append(errs, fmt.Errorf("database does not answer: %w", err))
	} else {
		store.Close()
	}
	if cfg.Redis == nil {
		errs = append(errs, errors.New("SERENTAK_REDIS_URL is not set: the worker and scheduler roles need the Redis the API uses"))
	} else {
		rdb := redis.NewUniversalClient(redisUniversal(cfg.Redis))
		defer rdb.Close()
		if err := rdb.Ping(ctx).Err(); err != nil {
			errs = append(errs, fmt.Errorf("redis does not answer: %w", err))
		}
	}
	return errors.Join(errs...)
}
