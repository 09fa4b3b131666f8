package roster

import (
	"testing"
	"time"
)

func TestCursor(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
	c := EncodeCursor(at, "u1")
	got, id, err := DecodeCursor(c)
	if err != nil || !got.Equal(at) || id != "u1" {
		t.Fatalf("DecodeCursor(EncodeCursor) = %v, %q, %v", got, id, err)
	}
	for _, bad := range []string{"x", "bm9wZQ", EncodeCursor(at, "")} {
		if _, _, err := DecodeCursor(bad); ErrorCode(err) != EINVALIDCURSOR {
			t.Errorf("DecodeCursor(%q) = %v, want EINVALIDCURSOR", bad, err)
		}
	}
	q, err := CursorPage(Query{}, "", 10)
	if err != nil || !q.Cursor || q.Count != 11 || q.StartIndex != 1 || q.Filter != nil {
		t.Errorf("first page = %+v, %v", q, err)
	}
	q, err = CursorPage(Query{}, c, 10)
	if err != nil || q.Filter == nil || q.Filter.String() != `meta.created ge "2026-03-01T09:00:00.123456789Z" and (meta.created gt "2026-03-01T09:00:00.123456789Z" or id gt "u1")` {
		t.Errorf("next page filter = %v, %v", q.Filter, err)
	}
}
