package config

import (
	"fmt"
	"strings"

	"github.com/hibiken/asynq"
)

// ParseRedisURL reads SERENTAK_REDIS_URL: Asynq's redis://, rediss://,
// redis-socket:// and redis-sentinel:// URLs, plus
// redis-cluster://[user:password@]host1:port,host2:port (Asynq has no
// URL form for a cluster).
func ParseRedisURL(u string) (asynq.RedisConnOpt, error) {
	if rest, ok := strings.CutPrefix(u, "redis-cluster://"); ok {
		return parseClusterURL(rest)
	}
	opt, err := asynq.ParseRedisURI(u)
	if err != nil {
		return nil, fmt.Errorf("SERENTAK_REDIS_URL: %w (want redis://, rediss://, redis-socket://, redis-sentinel:// or redis-cluster://)", err)
	}
	return opt, nil
}

// parseClusterURL reads what follows redis-cluster://.
func parseClusterURL(rest string) (asynq.RedisConnOpt, error) {
	var opt asynq.RedisClusterClientOpt
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user, pass, found := strings.Cut(rest[:at], ":")
		if found {
			opt.Username, opt.Password = user, pass
		} else {
			opt.Password = user
		}
		rest = rest[at+1:]
	}
	rest, _, _ = strings.Cut(rest, "/")
	for a := range strings.SplitSeq(rest, ",") {
		if a = strings.TrimSpace(a); a != "" {
			opt.Addrs = append(opt.Addrs, a)
		}
	}
	if len(opt.Addrs) == 0 {
		return nil, fmt.Errorf("SERENTAK_REDIS_URL %q names no cluster nodes; want redis-cluster://host1:6379,host2:6379", "redis-cluster://"+rest)
	}
	return opt, nil
}
