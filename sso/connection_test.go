package sso

import (
	"bytes"
	"os"
	"testing"
)

func TestNormalizeIssuer(t *testing.T) {
	tests := []struct {
		name, in, want string
		fails          bool
	}{
		{name: "entra v2.0", in: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
			want: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"},
		{name: "entra authority", in: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47",
			want: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"},
		{name: "entra authority with slash", in: " https://login.microsoftonline.com/contoso.onmicrosoft.com/ ",
			want: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0"},
		{name: "entra other path", in: "https://login.microsoftonline.com/t/oauth2/v2.0/authorize", fails: true},
		{name: "entra root", in: "https://login.microsoftonline.com/", fails: true},
		{name: "other issuer kept as given", in: "https://acme.okta.com/", want: "https://acme.okta.com/"},
		{name: "not absolute", in: "login.microsoftonline.com/t", fails: true},
		{name: "query", in: "https://idp.example/?x=1", fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeIssuer(tt.in)
			if (err != nil) != tt.fails || got != tt.want {
				t.Errorf("NormalizeIssuer(%q) = %q, %v; want %q, fails %t", tt.in, got, err, tt.want, tt.fails)
			}
		})
	}
}

func TestSealer(t *testing.T) {
	key, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("a", []byte("secret"))
	if got, err := s.Open("a", sealed); err != nil || string(got) != "secret" {
		t.Errorf("Open(Seal) = %q, %v", got, err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Error("the sealed value contains the secret")
	}
	if _, err := s.Open("b", sealed); err == nil {
		t.Error("Open for another purpose succeeded")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open("a", sealed); err == nil {
		t.Error("Open of a changed value succeeded")
	}
	other, _ := ParseKey(NewKey())
	o, _ := NewSealer(other)
	if _, err := o.Open("a", s.Seal("a", []byte("x"))); err == nil {
		t.Error("Open under another key succeeded")
	}
	if _, err := ParseKey("c2hvcnQ="); err == nil {
		t.Error("ParseKey(a short key) succeeded")
	}
	path := t.TempDir() + "/roster.db.key"
	k1, err := KeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v; want mode 0600", fi, err)
	}
	k2, err := KeyFile(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("KeyFile twice = %x, %v; want the same key %x", k2, err, k1)
	}
}
