// Package row holds what both stores do alike with the rows they read and
// write: resource documents as JSON, version preconditions, the group
// references of a user, and the order of ids a RETURNING clause produced.
package row

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster"
)

// EncodeDoc renders a resource document for a JSON column.
func EncodeDoc(doc map[string]any) (string, error) {
	if doc == nil {
		return "{}", nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", roster.Errorf(roster.EINVALID, "the resource cannot be stored as JSON: %v", err)
	}
	return string(b), nil
}

// DecodeDoc reads a JSON column, keeping numbers exact as json.Number.
func DecodeDoc(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("bad stored document: %w", err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

// CheckVersion returns EPRECONDITION when want is not 0 and differs from the stored version.
func CheckVersion(kind, id string, stored, want int64) error {
	if want != 0 && stored != want {
		return roster.Errorf(roster.EPRECONDITION, "%s %q is at version %d, not %d", kind, id, stored, want)
	}
	return nil
}

// GroupRefs reads a JSON array of [id, displayName] pairs.
func GroupRefs(b []byte) ([]roster.GroupRef, error) {
	var rows [][2]string
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("bad groups %q: %w", b, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	gs := make([]roster.GroupRef, len(rows))
	for i, r := range rows {
		gs[i] = roster.GroupRef{ID: r[0], DisplayName: r[1]}
	}
	return gs, nil
}

// InOrder returns the ids of got (say, what a RETURNING clause produced, in no
// defined order) in the order of want, each once.
func InOrder(got, want []string) []string {
	if len(got) == 0 {
		return nil
	}
	set := make(map[string]bool, len(got))
	for _, id := range got {
		set[id] = true
	}
	out := make([]string, 0, len(got))
	for _, id := range want {
		if set[id] {
			out = append(out, id)
			delete(set, id)
		}
	}
	return out
}
