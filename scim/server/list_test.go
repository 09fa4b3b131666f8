package server

import (
	"encoding/json"
	"testing"
)

// TestListResponseJSON checks the hand-written ListResponse against
// encoding/json on the RFC 7644 §3.4.2 fields, for index and cursor pages.
func TestListResponseJSON(t *testing.T) {
	type wire struct {
		Schemas      []string         `json:"schemas"`
		TotalResults *int             `json:"totalResults,omitempty"`
		StartIndex   int              `json:"startIndex,omitempty"`
		ItemsPerPage int              `json:"itemsPerPage"`
		NextCursor   string           `json:"nextCursor,omitempty"`
		Resources    []map[string]any `json:"Resources"`
	}
	docs := []map[string]any{
		{"id": "1", "userName": "ada@contoso.com", "active": true, "name": map[string]any{"givenName": "Ada <&>"}},
		{"id": "2", "userName": "grace@contoso.com", "emails": []any{map[string]any{"value": "g@contoso.com", "primary": true}}},
	}
	for _, res := range []listResponse{
		{TotalResults: 2, StartIndex: 1, Resources: docs},
		{TotalResults: 0, StartIndex: 1, Resources: []map[string]any{}},
		{TotalResults: 7, StartIndex: 0, Resources: docs[:1]},
		{Cursor: true, NextCursor: "YWJj\"", Resources: docs},
		{Cursor: true, Resources: []map[string]any{}},
	} {
		w := wire{Schemas: []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, StartIndex: res.StartIndex,
			ItemsPerPage: len(res.Resources), NextCursor: res.NextCursor, Resources: res.Resources}
		if !res.Cursor {
			w.TotalResults = &res.TotalResults
		} else {
			w.StartIndex = 0
		}
		want, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		got, err := res.appendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("appendJSON(%+v) = %s, %v\nwant %s", res, got, err, want)
		}
	}
}
