package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
)

func TestParseRedisURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want asynq.RedisConnOpt
	}{
		{"redis://:pw@10.0.0.5:6380/2", asynq.RedisClientOpt{Addr: "10.0.0.5:6380", Password: "pw", DB: 2}},
		{"redis-sentinel://:pw@s1:26379,s2:26379?master=mymaster", asynq.RedisFailoverClientOpt{
			MasterName: "mymaster", SentinelAddrs: []string{"s1:26379", "s2:26379"}, SentinelPassword: "pw"}},
		{"redis-cluster://h1:6379, h2:6379", asynq.RedisClusterClientOpt{Addrs: []string{"h1:6379", "h2:6379"}}},
		{"redis-cluster://app:secret@h1:6379,h2:6379/", asynq.RedisClusterClientOpt{
			Username: "app", Password: "secret", Addrs: []string{"h1:6379", "h2:6379"}}},
		{"redis-cluster://secret@h1:6379", asynq.RedisClusterClientOpt{Password: "secret", Addrs: []string{"h1:6379"}}},
	} {
		got, err := ParseRedisURL(tc.url)
		if err != nil {
			t.Errorf("ParseRedisURL(%q): %v", tc.url, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseRedisURL(%q) (-want +got):\n%s", tc.url, diff)
		}
	}
}

// rediss:// turns TLS on; the TLS settings are Asynq's, so only their
// presence is checked.
func TestParseRedisURLTLS(t *testing.T) {
	got, err := ParseRedisURL("rediss://cache.example:6380")
	if err != nil {
		t.Fatal(err)
	}
	o, ok := got.(asynq.RedisClientOpt)
	if !ok || o.Addr != "cache.example:6380" || o.TLSConfig == nil {
		t.Errorf("got %#v, want a TLS client of cache.example:6380", got)
	}
}

func TestParseRedisURLRefuses(t *testing.T) {
	for _, u := range []string{"nonsense://x", "redis-cluster://", "redis-cluster://pw@/0"} {
		_, err := ParseRedisURL(u)
		if err == nil || !strings.Contains(err.Error(), "SERENTAK_REDIS_URL") {
			t.Errorf("ParseRedisURL(%q) = %v, want an error naming SERENTAK_REDIS_URL", u, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("ParseRedisURL(%q) error shows the password: %v", u, err)
		}
	}
}

func TestLoadParsesRedisURL(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load(env(map[string]string{"SERENTAK_REDIS_URL": "redis://127.0.0.1:6379/3"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := (asynq.RedisClientOpt{Addr: "127.0.0.1:6379", DB: 3}); c.Redis != want {
		t.Errorf("Redis = %#v, want %#v", c.Redis, want)
	}
	if c, _ := Load(env(nil)); c.Redis != nil {
		t.Errorf("Redis = %#v without SERENTAK_REDIS_URL, want nil (the embedded one)", c.Redis)
	}
	if _, err := Load(env(map[string]string{"SERENTAK_REDIS_URL": "nonsense://"})); err == nil || !strings.Contains(err.Error(), "SERENTAK_REDIS_URL") {
		t.Errorf("Load with a bad SERENTAK_REDIS_URL: %v, want an error naming it", err)
	}
}
