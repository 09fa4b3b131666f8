package schema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster/scim/schema"
)

// FuzzNormalize checks that Normalize never panics on any JSON object and
// that its output, when it has one, is already normal: normalising it again
// returns it unchanged.
func FuzzNormalize(f *testing.F) {
	for _, dir := range []string{"testdata", "testdata/entra"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			for _, unknown := range []uint8{0, 1, 2} {
				f.Add(b, unknown, false)
			}
		}
	}
	f.Add([]byte(`{"userName":"b","emails":{"value":"a","primary":"True"},"urn:ietf:params:scim:schemas:extension:2.0:Metadata:level":1e3}`), uint8(0), false)
	f.Add([]byte(`{"displayName":"g","members":[{"value":"u1"},null,{"value":"u2","foo":[1,{"a":null}]}]}`), uint8(1), true)
	f.Add([]byte(`{"userName":"b","urn:ietf:params:scim:schemas:extension:2.0:Tags":{"a":1.50,"B":{"x":[null]},"c":null},`+
		`"urn:ietf:params:scim:schemas:extension:2.0:Tags:d":"e","urn:ietf:params:scim:schemas:extension:ws1b:2.0:User:domain":"x"}`), uint8(2), false)
	r := testRegistry(f)
	f.Fuzz(func(t *testing.T, body []byte, unknown uint8, group bool) {
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			return
		}
		rt := "User"
		if group {
			rt = "Group"
		}
		o := schema.Options{Unknown: schema.Unknown(unknown % 3)}
		got, err := r.Normalize(rt, doc, nil, o)
		if err != nil {
			return
		}
		again, err := r.Normalize(rt, got, nil, o)
		if err != nil {
			t.Fatalf("Normalize(Normalize(%s)) = %v, want success", body, err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("Normalize is not idempotent on %s (-once +twice):\n%s", body, diff)
		}
		r.Project(rt, got, nil, nil)
	})
}
