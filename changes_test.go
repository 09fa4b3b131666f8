package roster

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChanged(t *testing.T) {
	old := map[string]any{"title": "Engineer", "active": true, "n": 1.0, "gone": "x"}
	new := map[string]any{"title": "Manager", "active": true, "n": json.Number("1"), "added": "y"}
	want := map[string]any{"title": "Engineer", "gone": "x", "added": nil}
	if diff := cmp.Diff(want, Changed(old, new)); diff != "" {
		t.Errorf("Changed (-want +got):\n%s", diff)
	}
}
