package apitest

import (
	"strings"
	"testing"
)

// TestLoad refuses documents that are not valid OpenAPI 3.1.
func TestLoad(t *testing.T) {
	const ok = `{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {"responses": {"200": {"description": "d", "content": {"application/json": {"schema": %s}}}}}}}}`
	tests := []struct {
		name string
		doc  string
		want string // in the error; "" for none
	}{
		{"valid", strings.Replace(ok, "%s", `{"type": "object"}`, 1), ""},
		{"version 3.0", strings.Replace(strings.Replace(ok, "3.1.0", "3.0.3", 1), "%s", `{"type": "object"}`, 1), "want 3.1"},
		{"a reference to nothing", strings.Replace(ok, "%s", `{"$ref": "#/components/schemas/Nope"}`, 1), "Nope"},
		{"an unknown type", strings.Replace(ok, "%s", `{"type": "whole"}`, 1), "whole"},
		{"not JSON", `{"openapi": `, "load"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.doc))
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Load(%s) = %v, want an error naming %q", tt.name, err, tt.want)
			}
		})
	}
}
