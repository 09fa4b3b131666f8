package term

import "testing"

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"ada@acme.com":               "ada@acme.com",
		"tab\tand\nnewline":          "tab\tand\nnewline",
		"\x1b]0;owned\x07title":      "]0;ownedtitle",
		"csi\u009b31mred":            "csi31mred",
		"del\x7f and bad \xff utf-8": "del and bad  utf-8",
		"Zoë, 山田":                    "Zoë, 山田",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
