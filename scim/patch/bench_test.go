package patch

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// entra5 is a realistic Entra user update: five operations as Entra sends them.
const entra5 = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
{"op":"Replace","path":"displayName","value":"Pvlo"},
{"op":"Replace","path":"emails[type eq \"work\"].value","value":"TestBcwqnm@test.microsoft.com"},
{"op":"Replace","path":"name.familyName","value":"Pkqf"},
{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Sales"},
{"op":"Replace","path":"active","value":"False"}]}`

func BenchmarkApplyEntra5(b *testing.B) {
	doc := readDoc(b, "user.json")
	ops, err := Decode([]byte(entra5), MaxOperations)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Apply(doc, ops, userOpts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	body := []byte(entra5)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Decode(body, MaxOperations); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractValues takes 100 member adds out of a request: in one
// operation, as Entra batches them, and in 100 operations.
func BenchmarkExtractValues(b *testing.B) {
	refs := make([]string, 100)
	for i := range refs {
		refs[i] = fmt.Sprintf(`{"value":"%08d-8d2a-4f8e-bf98-7363c4aed4ef"}`, i)
	}
	batch := []Operation{{Op: "add", Path: "members", Value: json.RawMessage("[" + strings.Join(refs, ",") + "]")}}
	single := make([]Operation, len(refs))
	for i, r := range refs {
		single[i] = Operation{Op: "add", Path: "members", Value: json.RawMessage("[" + r + "]")}
	}
	for _, bm := range []struct {
		name string
		ops  []Operation
	}{{"batch", batch}, {"ops", single}} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, changes, err := ExtractValues(bm.ops, "members")
				if err != nil || len(changes) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}
