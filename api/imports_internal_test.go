package api

import (
	"testing"

	"github.com/serentak/serentak"
)

// Each field of POST /posts is reported in the column it was read from.
func TestImportColumn(t *testing.T) {
	for field, want := range map[string]string{
		"product.name":                       "name",
		"product":                            "name",
		"product.price.amount":               "price",
		"product.price.currency":             "currency",
		"product.description":                "description",
		"product.url":                        "url",
		"product.whatsapp":                   "whatsapp",
		"hashtags[3]":                        "hashtags",
		"media[0].url":                       "media_urls",
		"targets[1].media":                   "media_urls",
		"scheduled_at":                       "scheduled_at",
		"caption":                            "caption",
		"targets[0].caption":                 "caption",
		"targets[12].title":                  "title",
		"targets[0].options.privacy_level":   "tiktok_privacy_level",
		"targets[0].options":                 "tiktok_privacy_level",
		"targets[2].account_id":              "accounts",
		"targets":                            "accounts",
		"targets[0].options.disable_comment": "accounts",
		"language":                           "",
	} {
		if got := importColumn(field); got != want {
			t.Errorf("importColumn(%q) = %q, want %q", field, got, want)
		}
	}
}

func TestImportRowMessagesNameAccounts(t *testing.T) {
	r := importRow{targets: []string{"acc_a", "acc_b"}}
	got := r.fieldErrors([]serentak.FieldError{{Field: "targets[1].caption", Code: "too_long", Message: "targets[1] (Instagram): too long"}})
	if len(got) != 1 || got[0].Column != "caption" || got[0].Message != "account acc_b (Instagram): too long" {
		t.Errorf("fieldErrors = %+v", got)
	}
}
