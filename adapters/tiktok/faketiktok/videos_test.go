package faketiktok_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
)

func TestVideoQueryAsDocumented(t *testing.T) {
	fake := faketiktok.New()
	t.Cleanup(fake.Close)
	fake.AddUser(faketiktok.User{OpenID: "open-1", Username: "warung", AccessToken: "act.1"})
	fake.AddUser(faketiktok.User{OpenID: "open-2", Username: "toko", AccessToken: "act.old",
		Scopes: []string{"user.info.basic", "video.publish", "video.upload"}})
	query := func(tok, fields, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, fake.URL+faketiktok.PathVideoQuery+"?fields="+fields, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
		resp, err := fake.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&env)
		return resp.StatusCode, env.Error.Code
	}
	ids21 := `{"filters":{"video_ids":["1"` + strings.Repeat(`,"1"`, 20) + `]}}`
	for _, c := range []struct{ name, tok, fields, body, code string }{
		{"no fields", "act.1", "", `{"filters":{"video_ids":["1"]}}`, "invalid_params"},
		{"not a Video Object field", "act.1", "id,play_count", `{"filters":{"video_ids":["1"]}}`, "invalid_params"},
		{"no video_ids", "act.1", "id,view_count", `{"filters":{}}`, "invalid_params"},
		{"more than 20 ids", "act.1", "id,view_count", ids21, "invalid_params"},
		{"without video.list", "act.old", "id,view_count", `{"filters":{"video_ids":["1"]}}`, "scope_not_authorized"},
		{"a well-formed query", "act.1", "id,view_count", `{"filters":{"video_ids":["1"]}}`, "ok"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, code := query(c.tok, c.fields, c.body); code != c.code {
				t.Fatalf("error.code = %q, want %q", code, c.code)
			}
		})
	}
}
