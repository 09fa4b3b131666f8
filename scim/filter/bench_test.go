package filter

import "testing"

const complexFilter = `userType eq "Employee" and (emails[type eq "work" and value co "@example.com"] or ` +
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "Tour") and not (active eq false) and meta.lastModified gt "2011-05-13T04:42:34Z"`

func BenchmarkParse(b *testing.B) {
	for _, bb := range []struct{ name, in string }{
		{"simple", `userName eq "x"`},
		{"complex", complexFilter},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bb.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	docs := loadDocs(b, "testdata/users.json", false)
	for _, bb := range []struct{ name, in string }{
		{"simple", `userName eq "BJENSEN@example.com"`},
		{"complex", complexFilter},
	} {
		e, err := Parse(bb.in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, doc := range docs {
					Match(e, doc, testResolver)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, bb := range []struct{ name, in string }{
		{"simple", `userName eq "x"`},
		{"membership", `id eq "G" and members[value eq "U"]`},
		{"complex", complexFilter},
	} {
		e, err := Parse(bb.in)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range []struct {
			name string
			d    Dialect
		}{{"sqlite", SQLite}, {"postgres", Postgres}} {
			b.Run(bb.name+"/"+d.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := Compile(e, testMapping, testResolver, d.d, 1); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
