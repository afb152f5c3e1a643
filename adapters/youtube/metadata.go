package youtube

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/serentak/serentak"
)

// YouTube's metadata limits (docs/platforms/youtube.md#limits). Compose
// fits titles and descriptions at creation; these are checked again so a
// post that slipped through costs no quota on a certain refusal.
const (
	maxTitle       = 100  // characters
	maxDescription = 5000 // bytes
	maxTags        = 500  // characters, counted as tagsLength does
	// nativeLead is how far ahead the scheduled time must be for
	// NativeSchedule to use publishAt: YouTube refuses a publishAt that
	// has passed by the time the session starts.
	nativeLead = time.Minute
)

// videoMetadata is the JSON body of a session start.
type videoMetadata struct {
	Snippet videoSnippet `json:"snippet"`
	Status  videoStatus  `json:"status"`
}

type videoSnippet struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Tags        []string `json:"tags,omitempty"`
	CategoryID  string   `json:"categoryId"`
}

type videoStatus struct {
	PrivacyStatus string `json:"privacyStatus"`
	PublishAt     string `json:"publishAt,omitempty"`
	// SelfDeclaredMadeForKids is always sent: YouTube asks every upload
	// to declare it.
	SelfDeclaredMadeForKids bool `json:"selfDeclaredMadeForKids"`
}

// metadata builds the snippet and status from the delivery's content.
//
// With NativeSchedule and a scheduled time still ahead, the video goes up
// private with publishAt, and YouTube makes it public then: the upload (and
// processing) can happen early without anything becoming public before
// the chosen time. publishAt always makes a video public, so it is used
// only when the configured privacy is public.
func (a *attempt) metadata() (videoMetadata, error) {
	c := a.req.Content
	title := strings.TrimSpace(c.Title)
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		return videoMetadata{}, serentak.NewPublishError(serentak.Rejected, "invalidTitle",
			"a YouTube video needs a title; give the post's YouTube target a title")
	case n > maxTitle:
		return videoMetadata{}, serentak.NewPublishError(serentak.Rejected, "invalidTitle",
			"the YouTube title has %d characters; YouTube allows %d", n, maxTitle)
	case strings.ContainsAny(title, "<>"):
		return videoMetadata{}, serentak.NewPublishError(serentak.Rejected, "invalidTitle",
			"the YouTube title contains < or >, which YouTube does not allow")
	}
	if n := len(c.Text); n > maxDescription {
		return videoMetadata{}, serentak.NewPublishError(serentak.Rejected, "invalidDescription",
			"the YouTube description is %d bytes; YouTube allows %d", n, maxDescription)
	}
	if strings.ContainsAny(c.Text, "<>") {
		return videoMetadata{}, serentak.NewPublishError(serentak.Rejected, "invalidDescription",
			"the YouTube description contains < or >, which YouTube does not allow")
	}
	// The target's options (API: targets[i].options) win over the
	// install's settings; the API checked them at creation.
	o := c.Options
	privacy, category := a.askedPrivacy(), a.category
	if o.CategoryID != "" {
		category = o.CategoryID
	}
	if tagsLength(o.Tags) > maxTags {
		return videoMetadata{}, serentak.NewPublishError(serentak.Rejected, "invalidTags",
			"the YouTube tags have %d characters; YouTube allows %d", tagsLength(o.Tags), maxTags)
	}
	md := videoMetadata{
		Snippet: videoSnippet{Title: title, Description: c.Text, Tags: hashtagTags(title+"\n"+c.Text, o.Tags...), CategoryID: category},
		Status:  videoStatus{PrivacyStatus: privacy, SelfDeclaredMadeForKids: a.kids || o.MadeForKids},
	}
	if a.native && privacy == "public" && a.req.ScheduledAt.After(a.now().Add(nativeLead)) {
		md.Status.PrivacyStatus = "private"
		md.Status.PublishAt = a.req.ScheduledAt.UTC().Format(time.RFC3339)
	}
	return md, nil
}

// hashtagRE matches a hashtag as YouTube links one: # and letters, digits
// or underscores.
var hashtagRE = regexp.MustCompile(`#([\p{L}\p{M}\p{N}_]+)`)

// hashtagTags makes the hashtags of a title and description into tags,
// without the #, each once (ignoring case), in order, as many as fit in
// YouTube's 500 characters, after the tags given (the target's own,
// which always fit: the API checked them).
func hashtagTags(s string, given ...string) []string {
	tags := append([]string(nil), given...)
	seen := map[string]bool{}
	for _, t := range given {
		seen[strings.ToLower(t)] = true
	}
	for _, m := range hashtagRE.FindAllStringSubmatch(s, -1) {
		t := m[1]
		k := strings.ToLower(t)
		if seen[k] {
			continue
		}
		if tagsLength(append(tags[:len(tags):len(tags)], t)) > maxTags {
			continue // a shorter one further on may still fit
		}
		seen[k] = true
		tags = append(tags, t)
	}
	return tags
}

// tagsLength counts tags as YouTube does: commas between tags count, and a
// tag with a space counts as if quoted.
func tagsLength(tags []string) int {
	n := 0
	for i, t := range tags {
		if i > 0 {
			n++
		}
		n += utf8.RuneCountInString(t)
		if strings.Contains(t, " ") {
			n += 2
		}
	}
	return n
}
