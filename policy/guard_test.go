package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// TestGuard reads each form of the deprovisioning guard, and the default.
func TestGuard(t *testing.T) {
	tests := []struct {
		name, guard string
		want        roster.DeprovisionGuard
	}{
		{"absent: the default", ``, roster.DeprovisionGuard{Max: 25, Window: time.Hour}},
		{"max", `{"max":5,"window":"1h"}`, roster.DeprovisionGuard{Max: 5, Window: time.Hour}},
		{"percent", `{"percent":10,"window":"30m"}`, roster.DeprovisionGuard{Percent: 10, Window: 30 * time.Minute}},
		{"off", `{"off":true}`, roster.DeprovisionGuard{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"format":1}`
			if tt.guard != "" {
				doc = `{"format":1,"deprovisionGuard":` + tt.guard + `}`
			}
			p, err := Parse([]byte(doc))
			if err != nil {
				t.Fatalf("Parse(%s) = %v", doc, err)
			}
			if got := p.Guard(); got != tt.want {
				t.Errorf("Parse(%s).Guard() = %+v, want %+v", doc, got, tt.want)
			}
			if tt.guard != "" && !strings.Contains(string(p.JSON()), `"deprovisionGuard"`) {
				t.Errorf("JSON() lost the guard: %s", p.JSON())
			}
		})
	}
	if g := Default().Guard(); g != DefaultGuard || g.Off() {
		t.Errorf("Default().Guard() = %+v, want %+v, on", g, DefaultGuard)
	}
}

// TestGuardErrors refuses every malformed guard, naming its field.
func TestGuardErrors(t *testing.T) {
	tests := []struct {
		name, guard, attr, detail string
	}{
		{"empty", `{}`, "deprovisionGuard", "set max (a number of users) or percent"},
		{"window alone", `{"window":"1h"}`, "deprovisionGuard", "set max"},
		{"both", `{"max":5,"percent":10,"window":"1h"}`, "deprovisionGuard", "set max or percent, not both"},
		{"no window", `{"max":5}`, "deprovisionGuard.window", "the window is required"},
		{"zero max", `{"max":0,"window":"1h"}`, "deprovisionGuard.max", "want 1 to 100000"},
		{"negative max", `{"max":-3,"window":"1h"}`, "deprovisionGuard.max", "want 1 to 100000"},
		{"huge max", `{"max":100001,"window":"1h"}`, "deprovisionGuard.max", "want 1 to 100000"},
		{"zero percent", `{"percent":0,"window":"1h"}`, "deprovisionGuard.percent", "want 1 to 100"},
		{"over 100 percent", `{"percent":101,"window":"1h"}`, "deprovisionGuard.percent", "want 1 to 100"},
		{"bad window", `{"max":5,"window":"an hour"}`, "deprovisionGuard.window", `"an hour": not a duration`},
		{"days", `{"max":5,"window":"1d"}`, "deprovisionGuard.window", "not a duration"},
		{"short window", `{"max":5,"window":"30s"}`, "deprovisionGuard.window", "want 1m to 24h"},
		{"long window", `{"max":5,"window":"25h"}`, "deprovisionGuard.window", "want 1m to 24h"},
		{"off with a max", `{"off":true,"max":5}`, "deprovisionGuard.off", "takes no max"},
		{"off with a window", `{"off":true,"window":"1h"}`, "deprovisionGuard.off", "takes no max"},
		{"unknown field", `{"max":5,"window":"1h","limit":3}`, "", `unknown field "limit"`},
		{"max as a string", `{"max":"5","window":"1h"}`, "", "deprovisionGuard.max: expected int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"format":1,"deprovisionGuard":` + tt.guard + `}`
			_, err := Parse([]byte(doc))
			e, ok := err.(*roster.Error)
			if !ok {
				t.Fatalf("Parse(%s) = %v, want a *roster.Error", doc, err)
			}
			if e.Code != roster.EINVALID || e.Attr != tt.attr || !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("Parse(%s) = %s %q %q, want invalid %q containing %q", doc, e.Code, e.Attr, e.Detail, tt.attr, tt.detail)
			}
		})
	}
}

// TestGuardLimit counts a percent of the tenant's users, rounded up, at least one.
func TestGuardLimit(t *testing.T) {
	tests := []struct {
		g     roster.DeprovisionGuard
		users int
		want  int
	}{
		{roster.DeprovisionGuard{Max: 5, Window: time.Hour}, 1000, 5},
		{roster.DeprovisionGuard{Percent: 10, Window: time.Hour}, 1000, 100},
		{roster.DeprovisionGuard{Percent: 10, Window: time.Hour}, 15, 2},
		{roster.DeprovisionGuard{Percent: 10, Window: time.Hour}, 0, 1},
	}
	for _, tt := range tests {
		if got := tt.g.Limit(tt.users); got != tt.want {
			t.Errorf("%+v.Limit(%d) = %d, want %d", tt.g, tt.users, got, tt.want)
		}
	}
}
