package sso

import "testing"

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		name, hash, password string
		want                 bool
	}{
		{"right", h, "correct horse battery", true},
		{"wrong", h, "correct horse battery!", false},
		{"empty", h, "", false},
		{"malformed", "$argon2id$v=19$m=x$salt$hash", "correct horse battery", false},
		{"other algorithm", "$2a$10$abcdefghijklmnopqrstuv", "correct horse battery", false},
		{"huge memory", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := VerifyPassword(tc.hash, tc.password); got != tc.want {
				t.Errorf("VerifyPassword(%q, %q) = %v, want %v", tc.hash, tc.password, got, tc.want)
			}
		})
	}
	if _, err := HashPassword("short"); err == nil {
		t.Errorf("HashPassword(short) = nil error, want EINVALID")
	}
}
