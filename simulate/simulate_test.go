package simulate

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	ok := Options{IdP: Entra, SCIM: "http://127.0.0.1:8080/scim/v2", Token: "t", Users: 2, Groups: 1}
	if err := ok.Check(); err != nil {
		t.Fatalf("Check(%+v) = %v", ok, err)
	}
	for _, tc := range []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.IdP = "onelogin" }, `directory "onelogin": want entra or okta`},
		{func(o *Options) { o.Users = 1 }, "want 2 to"},
		{func(o *Options) { o.Users = MaxUsers + 1 }, "want 2 to"},
		{func(o *Options) { o.Groups = 0 }, "want 1 to"},
		{func(o *Options) { o.SCIM = "127.0.0.1:8080/scim/v2" }, "want an absolute http(s) URL"},
		{func(o *Options) { o.Token = "" }, "no token"},
	} {
		o := ok
		tc.change(&o)
		if err := o.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%+v) = %v, want %q", o, err, tc.want)
		}
	}
}

// TestGenerate: a seed gives the same people every time, and another seed
// other userNames, so that runs can follow each other on one tenant.
func TestGenerate(t *testing.T) {
	a, b, c := generate(20, 7), generate(20, 7), generate(20, 8)
	names := map[string]bool{}
	for i := range a {
		if *a[i] != *b[i] {
			t.Errorf("person %d: %+v then %+v with the same seed", i, a[i], b[i])
		}
		names[a[i].userName] = true
	}
	if len(names) != 20 {
		t.Errorf("%d distinct userNames of 20", len(names))
	}
	for _, p := range c {
		if names[p.userName] {
			t.Errorf("seeds 7 and 8 both generate %s", p.userName)
		}
	}
}
