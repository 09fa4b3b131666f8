package roster

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/rosterhq/roster/scim/filter"
)

// A cursor names the last resource of a page by its creation time and id; the
// next page is the resources after it in creation order. Both the SCIM API
// (RFC 9865) and the app API page with it. Cursors are opaque to clients.

// cursorMark starts every cursor, so that a cursor of another version is told apart.
const cursorMark = "c1|"

// EncodeCursor returns the cursor of the page after the resource created at created with id.
func EncodeCursor(created time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorMark + created.UTC().Format(time.RFC3339Nano) + "|" + id))
}

// DecodeCursor reads a cursor of EncodeCursor. EINVALIDCURSOR when it is not one.
func DecodeCursor(c string) (created time.Time, id string, err error) {
	bad := Errorf(EINVALIDCURSOR, "cursor %q is not one this server issued: send an empty cursor for the first page, then each next cursor as it is", c)
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	rest, ok := strings.CutPrefix(string(b), cursorMark)
	at, id, ok2 := strings.Cut(rest, "|")
	created, err = time.Parse(time.RFC3339Nano, at)
	if !ok || !ok2 || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return created, id, nil
}

// CursorPage turns q into a page of cursor pagination: the resources after
// cursor ("" for the first page) in creation order, with one resource more
// than size read to tell whether another page follows, and no count (see
// Query.Cursor). The keyset condition is written
// created >= T and (created > T or id > ID), whose first term is a range of
// the creation index, where the page starts. EINVALIDCURSOR.
func CursorPage(q Query, cursor string, size int) (Query, error) {
	q.Cursor, q.StartIndex, q.Count = true, 1, size+1
	if size <= 0 {
		q.Count = 0
	}
	if cursor == "" {
		return q, nil
	}
	created, id, err := DecodeCursor(cursor)
	if err != nil {
		return q, err
	}
	at := filter.Value{Kind: filter.KindString, Text: created.UTC().Format(time.RFC3339Nano)}
	createdAttr := filter.AttrPath{Name: "meta", Sub: "created"}
	after := &filter.Logical{Op: filter.And,
		Left: &filter.Compare{Attr: createdAttr, Op: filter.Ge, Value: at},
		Right: &filter.Logical{Op: filter.Or,
			Left:  &filter.Compare{Attr: createdAttr, Op: filter.Gt, Value: at},
			Right: &filter.Compare{Attr: filter.AttrPath{Name: "id"}, Op: filter.Gt, Value: filter.Value{Kind: filter.KindString, Text: id}},
		},
	}
	if q.Filter == nil {
		q.Filter = after
	} else {
		q.Filter = &filter.Logical{Op: filter.And, Left: q.Filter, Right: after}
	}
	return q, nil
}
