package punch

import (
	"errors"
	"fmt"
	"testing"
)

func TestError(t *testing.T) {
	cases := []struct {
		err   *Error
		text  string
		label string
	}{
		{newError(ErrSyntax, "", "offset 3: x"), "invalid JSON: offset 3: x", "syntax"},
		{newError(ErrVersion, "v", "2 (want 1)"), "v: unknown version: 2 (want 1)", "version"},
		{newError(ErrType, "type", "t"), "type: unknown type: t", "type"},
		{newError(ErrMissing, "ts", "required"), "ts: missing field: required", "missing"},
		{newError(ErrInvalid, "dir", "d"), "dir: invalid field value: d", "invalid"},
		{newError(ErrUnknownField, "x", "u"), "x: unknown field: u", "unknown_field"},
		{newError(ErrID, "id", "i"), "id: invalid id: i", "id"},
		{newError(ErrCard, "card", "c"), "card: invalid card: c", "card"},
		{newError(ErrFuture, "ts", "f"), "ts: timestamp in the future: f", "future"},
		{newError(ErrTopic, "board", "b"), "board: topic mismatch: b", "topic"},
	}
	for _, c := range cases {
		if c.err.Error() != c.text {
			t.Errorf("Error() = %q, want %q", c.err.Error(), c.text)
		}
		wrapped := fmt.Errorf("events.jsonl:7: %w", c.err)
		if got := KindLabel(wrapped); got != c.label {
			t.Errorf("KindLabel(%v) = %q, want %q", wrapped, got, c.label)
		}
		var pe *Error
		if !errors.As(wrapped, &pe) || pe != c.err {
			t.Errorf("errors.As(%v) failed", wrapped)
		}
	}
	if KindLabel(nil) != "" || KindLabel(errors.New("x")) != "other" {
		t.Error("KindLabel of nil or a foreign error")
	}
}
