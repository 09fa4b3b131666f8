package api

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/api/apitest"
)

// TestOpenAPIDocument validates the embedded document as OpenAPI 3.1 with the
// validator's own document validation: structure, references, schemas.
func TestOpenAPIDocument(t *testing.T) {
	if _, err := apitest.Load(OpenAPI()); err != nil {
		t.Fatal(err)
	}
}

// TestOpenAPIVocabulary keeps the document's enumerations equal to the
// server's: the error codes it writes, the event types, member types.
func TestOpenAPIVocabulary(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	codes := []string{strings.ToLower(roster.EINTERNAL)}
	for code := range maps.Keys(statusOf) {
		codes = append(codes, strings.ToLower(code))
	}
	tests := []struct {
		name   string
		schema string
		path   []string
		want   []string
	}{
		{"error codes", "Error", []string{"properties", "error", "properties", "code"}, codes},
		{"event types", "EventType", nil, roster.EventTypes},
		{"member types", "Member", []string{"properties", "type"}, []string{roster.MemberUser, roster.MemberGroup}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal(doc.Components.Schemas[tt.schema], &v); err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.path {
				v = v.(map[string]any)[p]
			}
			var got []string
			for _, e := range v.(map[string]any)["enum"].([]any) {
				got = append(got, e.(string))
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("enum of %s (-server +document):\n%s", tt.schema, diff)
			}
		})
	}
}
