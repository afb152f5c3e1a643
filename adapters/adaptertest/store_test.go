package adaptertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
)

func TestStore(t *testing.T) {
	ctx := context.Background()
	s := adaptertest.NewStore(serentak.Checkpoint{"step": "feed"})
	if got := s.Checkpoint()["step"]; got != "feed" {
		t.Fatalf("NewStore holds step %q", got)
	}
	cp := serentak.Checkpoint{"a": "1"}
	if err := s.Save(ctx, cp); err != nil {
		t.Fatal(err)
	}
	cp["a"] = "changed"
	if got := s.Checkpoint()["a"]; got != "1" {
		t.Errorf("the store kept the caller's map, not a copy: %q", got)
	}

	var after []string
	s.SetAfter(func(cp serentak.Checkpoint) { after = append(after, cp["a"]) })
	lost := errors.New("lease lost")
	s.SetHook(func(cp serentak.Checkpoint) error {
		if cp["a"] == "refuse" {
			return lost
		}
		return nil
	})
	if err := s.Save(ctx, serentak.Checkpoint{"a": "refuse"}); !errors.Is(err, lost) {
		t.Errorf("refused save = %v", err)
	}
	if err := s.Save(ctx, serentak.Checkpoint{"a": "2"}); err != nil {
		t.Fatal(err)
	}
	if s.Checkpoint()["a"] != "2" || s.Saves() != 2 || len(after) != 1 || after[0] != "2" {
		t.Errorf("checkpoint %v after %d saves, after-hook saw %v", s.Checkpoint(), s.Saves(), after)
	}

	s.FailAfter(2)
	if err := s.Save(ctx, serentak.Checkpoint{"a": "3"}); !errors.Is(err, adaptertest.ErrDatabaseDown) {
		t.Errorf("save after FailAfter(2) = %v", err)
	}
	if s.Checkpoint()["a"] != "2" {
		t.Errorf("a failed save changed the checkpoint: %v", s.Checkpoint())
	}
}
