package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// seedBodies adds every request body in testdata to the corpus of f.
func seedBodies(f *testing.F) {
	f.Helper()
	for _, dir := range []string{"entra", "entra-roles", "rfc7644"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, tt := range applyTests {
		if tt.ops == nil {
			continue
		}
		body, err := json.Marshal(map[string]any{"schemas": []string{PatchOpSchema}, "Operations": tt.ops})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
}

func FuzzDecode(f *testing.F) {
	seedBodies(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, err := Decode(body, 50)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Decode(%q) = %v, not an *Error", body, err)
			}
			return
		}
		if len(ops) == 0 || len(ops) > 50 {
			t.Fatalf("Decode(%q) returned %d operations", body, len(ops))
		}
		for _, o := range ops {
			if o.Op != "add" && o.Op != "remove" && o.Op != "replace" {
				t.Fatalf("Decode(%q): op %q", body, o.Op)
			}
		}
	})
}

// FuzzApply applies arbitrary operations, unchecked by Decode, to a fixed
// document: Apply must not panic, must fail only with an *Error, must leave
// its input alone and must return a document that encodes as JSON.
func FuzzApply(f *testing.F) {
	seedBodies(f)
	doc := readDoc(f, "bjensen.json")
	doc[customURN] = map[string]any{"folders": []any{"a", "b"}}
	doc[enterpriseURN] = map[string]any{"department": "Sales", "manager": map[string]any{"value": "m1"}}
	doc[openURN] = map[string]any{"level": "3", "site": "Oslo"}
	before, err := json.Marshal(doc)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req request
		if json.Unmarshal(body, &req) != nil || len(req.Operations) > 50 {
			return
		}
		ops := make([]Operation, len(req.Operations))
		for i, o := range req.Operations {
			ops[i] = Operation{Op: o.Op, Value: o.Value}
			if o.Path != nil {
				ops[i].Path = *o.Path
			}
		}
		got, err := Apply(doc, ops, userOpts)
		if after, _ := json.Marshal(doc); !bytes.Equal(before, after) {
			t.Fatalf("Apply(%q) changed its input", body)
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Apply(%q) = %v, not an *Error", body, err)
			}
			return
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("Apply(%q) returned a document that does not encode: %v", body, err)
		}
	})
}
