package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/serentak/serentak"
)

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		in     string
		code   string // "" for success
		fields []string
	}{
		{in: `{"caption":"x","targets":[{"account_id":"acc_1"}]}`},
		{in: ` {"caption":"x"} `},
		{in: `{"caption":"x","captoin":"y"}`, code: "validation_failed", fields: []string{"captoin"}},
		{in: `{"product":{"name":"x","pric":1}}`, code: "validation_failed", fields: []string{"product.pric"}},
		{in: `{"media":[{"url":"a"},{"url":"b","typ":"image"}]}`, code: "validation_failed", fields: []string{"media[1].typ"}},
		{in: `{"targets":[{"account_id":"a","Caption":"x"}]}`, code: "validation_failed", fields: []string{"targets[0].Caption"}},
		{in: `{"a":1,"b":2}`, code: "validation_failed", fields: []string{"a", "b"}},
		{in: `{"scheduled_at":5}`, code: "validation_failed", fields: []string{"scheduled_at"}},
		{in: `{"product":{"price":{"amount":"1"}}}`, code: "validation_failed", fields: []string{"product.price.amount"}},
		{in: `{"product":{"price":{"amount":true}}}`, code: "validation_failed", fields: []string{"product.price.amount"}},
		{in: `{"product":{"price":{"amount":1e400}}}`}, // kept as text; its bound is compose.ParseAmount's (TestPriceAmounts)
		{in: `{"hashtags":"umkm"}`, code: "validation_failed", fields: []string{"hashtags"}},
		{in: `{"product":[]}`, code: "validation_failed", fields: []string{"product"}},
		{in: `{"caption":"x"`, code: "bad_request"},
		{in: `{"caption":"x"}}`, code: "bad_request"},
		{in: `{"caption":"x"}{}`, code: "bad_request"},
		{in: `null`, code: "bad_request"},
		{in: `"x"`, code: "bad_request"},
		{in: ``, code: "bad_request"},
		{in: `{'caption':'x'}`, code: "bad_request"},
	}
	for _, tt := range tests {
		var req postRequest
		err := decodeStrict([]byte(tt.in), &req)
		if tt.code == "" {
			if err != nil {
				t.Errorf("decodeStrict(%s) = %v, want nil", tt.in, err)
			}
			continue
		}
		var e *serentak.Error
		if !errors.As(err, &e) || e.Code != tt.code {
			t.Errorf("decodeStrict(%s) = %v, want code %s", tt.in, err, tt.code)
			continue
		}
		var got []string
		for _, d := range e.Details {
			got = append(got, d.Field)
		}
		if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
			t.Errorf("decodeStrict(%s) fields = %v, want %v", tt.in, got, tt.fields)
		}
	}
}
