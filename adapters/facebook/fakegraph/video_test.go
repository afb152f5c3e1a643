package fakegraph_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
)

// chunk sends one transfer as Meta's guide shows it: multipart, the bytes
// as the file part video_file_chunk.
func (b bundle) chunk(t *testing.T, session, start string, data []byte) answer {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("upload_phase", "transfer")
	w.WriteField("upload_session_id", session)
	w.WriteField("start_offset", start)
	part, _ := w.CreateFormFile("video_file_chunk", "chunk")
	part.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", b.fake.URL+version+page+"/videos", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "OAuth "+token)
	resp, err := b.fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatal(err)
	}
	return a
}

// The resumable upload's offsets are the server's: a chunk at another
// offset is refused with the offsets expected, and the bytes are
// assembled in order.
func TestResumableUploadOffsets(t *testing.T) {
	b := setup(t, fakegraph.WithChunkSize(4))
	data := []byte("0123456789")
	st := b.call(t, "POST", b.fake.URL+version+page+"/videos", url.Values{"upload_phase": {"start"}, "file_size": {"10"}}, oauth(token))
	if st.status != 200 || st.body["start_offset"] != "0" || st.body["end_offset"] != "4" {
		t.Fatalf("start = %v", st.body)
	}
	session, videoID := st.body["upload_session_id"].(string), st.body["video_id"].(string)

	if a := b.chunk(t, session, "4", data[4:8]); a.status != 400 || a.subcode() != 1363037 {
		t.Fatalf("chunk at the wrong offset = %d %v, want refused with 1363037", a.status, a.body)
	} else if d := a.body["error"].(map[string]any)["error_data"].(map[string]any); d["start_offset"] != "0" || d["end_offset"] != "4" {
		t.Fatalf("error_data = %v, want the expected offsets", d)
	}
	if a := b.chunk(t, session, "0", data[0:3]); a.status != 400 {
		t.Fatalf("short chunk = %d, want refused", a.status)
	}
	for _, r := range [][2]int{{0, 4}, {4, 8}, {8, 10}} {
		a := b.chunk(t, session, []string{"0", "4", "8"}[r[0]/4], data[r[0]:r[1]])
		if a.status != 200 {
			t.Fatalf("chunk %v = %v", r, a.body)
		}
	}
	// Finishing before every byte is in is refused; here every byte is in.
	fin := b.call(t, "POST", b.fake.URL+version+page+"/videos", url.Values{"upload_phase": {"finish"}, "upload_session_id": {session}, "description": {"d"}}, oauth(token))
	if fin.status != 200 || fin.body["success"] != true {
		t.Fatalf("finish = %v", fin.body)
	}
	if got, ok := b.fake.VideoBytes(videoID); !ok || string(got) != string(data) {
		t.Fatalf("assembled %q", got)
	}
	if again := b.call(t, "POST", b.fake.URL+version+page+"/videos", url.Values{"upload_phase": {"finish"}, "upload_session_id": {session}}, oauth(token)); again.status != 400 {
		t.Fatalf("second finish = %v, want refused", again.body)
	}
}

// The status walks through Meta's phases: processing, then ready and
// published, or an error with its message.
func TestVideoStatusPhases(t *testing.T) {
	b := setup(t)
	b.fake.SetVideoProcessing(2, "")
	a := b.call(t, "POST", b.fake.URL+version+page+"/videos", map[string]any{"file_url": b.media.URL + "/v.mp4", "description": "v"}, oauth(token))
	id := a.body["id"].(string)
	status := func() map[string]any {
		return b.call(t, "GET", b.fake.URL+version+id+"?fields=status", nil, oauth(token)).body["status"].(map[string]any)
	}
	for i := range 2 {
		if s := status(); s["video_status"] != "processing" || s["processing_phase"].(map[string]any)["status"] != "in_progress" {
			t.Fatalf("read %d: %v", i+1, s)
		}
	}
	if s := status(); s["video_status"] != "ready" || s["publishing_phase"].(map[string]any)["status"] != "complete" {
		t.Fatalf("after processing: %v", s)
	}

	b.fake.SetVideoProcessing(0, "bad codec")
	a = b.call(t, "POST", b.fake.URL+version+page+"/videos", map[string]any{"file_url": b.media.URL + "/v.mp4", "description": "w"}, oauth(token))
	id = a.body["id"].(string)
	if s := status(); s["video_status"] != "error" || s["processing_phase"].(map[string]any)["status"] != "error" {
		t.Fatalf("failed processing: %v", s)
	}
}

// Commenting as the Page needs pages_manage_engagement; publishing needs
// pages_manage_posts.
func TestCommentsAndPermissions(t *testing.T) {
	b := setup(t)
	a := b.call(t, "POST", b.fake.URL+version+page+"/feed", map[string]any{"message": "hi"}, oauth(token))
	post := a.body["id"].(string)
	c := b.call(t, "POST", b.fake.URL+version+post+"/comments", map[string]any{"message": "first"}, oauth(token))
	if c.status != 200 || c.body["id"] == nil {
		t.Fatalf("comment = %v", c.body)
	}
	list := b.call(t, "GET", b.fake.URL+version+post+"/comments?fields=id,message,from", nil, oauth(token))
	d := list.body["data"].([]any)
	if len(d) != 1 || d[0].(map[string]any)["from"].(map[string]any)["id"] != page {
		t.Fatalf("comments = %v", list.body)
	}
	b.fake.DenyPermission(token, "pages_manage_engagement")
	if c := b.call(t, "POST", b.fake.URL+version+post+"/comments", map[string]any{"message": "again"}, oauth(token)); c.code() != 200 {
		t.Fatalf("comment without pages_manage_engagement = %v, want code 200", c.body)
	}
	b.fake.DenyPermission(token, "pages_manage_posts")
	if a := b.call(t, "POST", b.fake.URL+version+page+"/feed", map[string]any{"message": "no"}, oauth(token)); a.code() != 200 {
		t.Fatalf("post without pages_manage_posts = %v, want code 200", a.body)
	}
	if n := len(b.fake.Comments(post)); n != 1 {
		t.Fatalf("%d comments recorded", n)
	}
}
