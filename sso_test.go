package roster

import "testing"

func TestAllowsRedirect(t *testing.T) {
	web := &OAuthClient{RedirectURIs: []string{"https://app.example.com/cb", "http://127.0.0.1/cb"}}
	native := &OAuthClient{Public: true, RedirectURIs: []string{"http://127.0.0.1/cb", "http://[::1]/cb", "com.example.app:/cb"}}
	for _, tc := range []struct {
		c    *OAuthClient
		uri  string
		want bool
	}{
		{web, "https://app.example.com/cb", true},
		{web, "https://app.example.com/cb/", false},
		{web, "https://app.example.com/cb?x=1", false},
		{web, "http://127.0.0.1:8080/cb", false}, // any port is for native apps only
		{native, "http://127.0.0.1:53123/cb", true},
		{native, "http://127.0.0.1/cb", true},
		{native, "http://[::1]:4000/cb", true},
		{native, "http://127.0.0.1:53123/other", false},
		{native, "http://localhost:53123/cb", false},
		{native, "https://127.0.0.1:53123/cb", false},
		{native, "http://user@127.0.0.1:53123/cb", false},
		{native, "com.example.app:/cb", true},
		{native, "com.example.app:/cb2", false},
	} {
		if got := tc.c.AllowsRedirect(tc.uri); got != tc.want {
			t.Errorf("public=%t AllowsRedirect(%q) = %t, want %t", tc.c.Public, tc.uri, got, tc.want)
		}
	}
}

func TestCheckRedirectURI(t *testing.T) {
	for _, tc := range []struct {
		uri    string
		public bool
		ok     bool
	}{
		{"https://app.example.com/cb", false, true},
		{"http://127.0.0.1/cb", false, true},
		{"http://localhost:3000/cb", false, true},
		{"http://app.example.com/cb", false, false},
		{"https://app.example.com/cb#x", false, false},
		{"/cb", false, false},
		{"com.example.app:/cb", true, true},
		{"com.example.app:/cb", false, false},
		{"myapp:/cb", true, false},
		{"javascript:alert(1)", true, false},
	} {
		if err := CheckRedirectURI(tc.uri, tc.public); (err == nil) != tc.ok {
			t.Errorf("CheckRedirectURI(%q, public=%t) = %v, want ok=%t", tc.uri, tc.public, err, tc.ok)
		}
	}
}
