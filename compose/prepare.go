package compose

import (
	"strconv"
	"strings"

	"github.com/serentak/serentak"
)

// Prepare reads what a post says before it is fitted to any platform:
// its hashtags as people write them, and the product's order link and
// WhatsApp number in any of their spellings. It returns the input as it is
// published (hashtags cleaned, without '#'; a wa.me link and the WhatsApp
// number in E.164 digits), the warnings about the post itself and the
// faults of its own fields. Both are the post's, not a platform's, so a
// caller fitting one post for several targets calls Prepare first, says
// them once for the post and passes the prepared input to Fit, which then
// finds nothing more to change. Fit prepares its input too, so Fit alone
// is complete.
func Prepare(in Input) (Input, []serentak.Warning, []serentak.FieldError) {
	var warnings []serentak.Warning
	var errs []serentak.FieldError
	in.Hashtags, warnings = cleanHashtags(in.Hashtags)
	if in.Product != nil {
		pr := *in.Product
		if raw := strings.TrimSpace(pr.URL); raw != "" {
			link, number, err := readOrderURL(raw)
			switch {
			case err != nil:
				errs = append(errs, fieldErr("product.url", codeInvalid, "%s", err.Error()))
			default:
				if number != "" && link != raw && looksLikeURL(raw) {
					warnings = append(warnings, serentak.NewWarning(serentak.WarnOrderLinkRewritten, "given", raw, "link", link))
				}
				pr.URL = link
			}
		}
		if raw := strings.TrimSpace(pr.WhatsApp); raw != "" {
			n, err := ParseWhatsApp(raw)
			if err != nil {
				errs = append(errs, fieldErr("product.whatsapp", codeInvalid, "%s", err.Error()))
			} else {
				pr.WhatsApp = n
			}
		}
		in.Product = &pr
	}
	return in, warnings, errs
}

// looksLikeURL tells a link from a number written in the url field.
func looksLikeURL(s string) bool {
	return strings.Contains(s, "/")
}

// cleanHashtags reads hashtags as people write them: "#umkm" is umkm;
// "oleh-oleh" (an Indonesian reduplication), "keripik pedas" or
// "kue.kering" would not be one hashtag on any platform (a hashtag ends at
// the first space or punctuation other than '_'), so they become
// #oleholeh, #keripikpedas and #kuekering, with a warning; one with
// nothing left is left out, with a warning; repeats (ignoring case) are
// dropped.
func cleanHashtags(tags []string) ([]string, []serentak.Warning) {
	var out []string
	var warnings []serentak.Warning
	for i, raw := range tags {
		given := clean(raw)
		tag := strings.TrimLeft(given, "#")
		var b strings.Builder
		for _, r := range tag {
			if isTagRune(r) {
				b.WriteRune(r)
			}
		}
		cleaned := b.String()
		switch {
		case cleaned == "" && given == "":
			warnings = append(warnings, serentak.NewWarning(serentak.WarnHashtagEmpty, "index", strconv.Itoa(i)))
			continue
		case cleaned == "":
			warnings = append(warnings, serentak.NewWarning(serentak.WarnHashtagNoLetters, "index", strconv.Itoa(i), "given", strconv.Quote(given)))
			continue
		case cleaned != tag:
			warnings = append(warnings, serentak.NewWarning(serentak.WarnHashtagRewritten, "index", strconv.Itoa(i), "given", strconv.Quote(given), "tag", cleaned))
		}
		if !hasFold(out, cleaned) {
			out = append(out, cleaned)
		}
	}
	return out, warnings
}
