package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rosterhq/roster/api"
	"github.com/rosterhq/roster/api/apitest"
)

// TestOpenAPI reads the app API's OpenAPI document without an API key, and
// calls every operation it lists once, each checked against it by the app
// helper.
func TestOpenAPI(t *testing.T) { forEachStore(t, testOpenAPI) }

func testOpenAPI(t *testing.T, db string) {
	s := startServer(t, db)
	req, err := http.NewRequest("GET", s.root()+"/api/v1/openapi.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || !bytes.Equal(raw, api.OpenAPI()) {
		t.Fatalf("GET /api/v1/openapi.json = %d %q, %d bytes; want 200 and the embedded document", res.StatusCode, res.Header.Get("Content-Type"), len(raw))
	}
	if _, err := apitest.Load(raw); err != nil {
		t.Fatalf("the served document: %v", err)
	}
	checkContract(t, req, res, raw)

	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--name", "app"))
	ada := str(s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, "ada@example.com", "ada@example.com")).want(t, 201).body, "id")
	g := str(s.do(t, "POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","externalId":"g-1","members":[{"value":%q}]}`, ada)).want(t, 201).body, "id")
	s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":""}`).want(t, 400)
	s.logRows(t, 3) // the provisioning log is written in batches
	for _, path := range []string{
		"/events?limit=1", "/events?types=user.created,group.created&wait=0&tenant=default",
		"/users?active=true&email=ada@example.com&limit=1", "/users/" + ada, "/users/" + ada + "/groups",
		"/groups?externalId=g-1", "/groups/" + g, "/groups/" + g + "/members?limit=1",
		"/provisioning-log?status=4xx&since=1h&limit=5", "/provisioning-log?format=json&action=create&user=" + ada,
	} {
		s.app(t, key, path).want(t, 200)
	}
	s.app(t, key, "/drift?limit=10").want(t, 200)
	writer := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--scope", "write"))
	bob := str(s.appSend(t, writer, "POST", "/users", `{"userName":"bob@example.com"}`).want(t, 201).body, "id")
	s.appSend(t, writer, "PATCH", "/users/"+bob, `{"title":"CTO"}`).want(t, 400)
	s.appSend(t, key, "POST", "/users", `{"userName":"carl@example.com"}`).want(t, 403)
	// The exports answer in their own media types, one row a line.
	for _, format := range []string{"ndjson", "csv"} {
		res := appRaw(t, s, key, "/provisioning-log?format="+format)
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || bytes.Count(raw, []byte("\n")) < 2 {
			t.Errorf("provisioning log as %s = %d\n%s", format, res.StatusCode, raw)
		}
	}
	// The errors every operation lists.
	s.app(t, key, "/users/nope").want(t, 404)
	s.app(t, key, "/events?limit=0").want(t, 400)
	s.app(t, "rak_nope", "/groups").want(t, 401)
	s.app(t, key, "/no-such-route").want(t, 404)
}

// TestOpenAPIBroken shows that the check of the app helper catches a document
// that drifted from the server, and names what drifted: each case breaks a
// copy of the document and checks a real exchange against it.
func TestOpenAPIBroken(t *testing.T) {
	s := startServer(t, sqliteDB(t))
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--name", "app"))
	ada := str(s.do(t, "POST", "/Users", fmt.Sprintf(mailUserBody, "ada@example.com", "ada@example.com")).want(t, 201).body, "id")
	tests := []struct {
		name string
		path string
		edit func(doc map[string]any)
		want string // in the error
	}{
		{"a field of another type", "/users/" + ada, func(doc map[string]any) {
			schema(doc, "User", "properties", "user_name")["type"] = "number"
		}, `at "/user_name"`},
		{"a required field the server leaves out", "/users/" + ada, func(doc map[string]any) {
			u := schema(doc, "User")
			u["required"] = append(u["required"].([]any), "nickname")
		}, `property "nickname" is missing`},
		{"a field the document lacks", "/users/" + ada, func(doc map[string]any) {
			delete(schema(doc, "Email", "properties"), "primary")
			e := schema(doc, "Email")
			e["required"] = []any{"value"}
		}, `property "primary" is unsupported`},
		{"an error body of another shape", "/users/nope", func(doc map[string]any) {
			schema(doc, "Error", "properties", "error", "properties", "code")["enum"] = []any{"invalid"}
		}, `at "/error/code"`},
		{"a status the operation does not list", "/users/nope", func(doc map[string]any) {
			responses := doc["paths"].(map[string]any)["/users/{id}"].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)
			delete(responses, "404")
		}, "status is not supported"},
		{"a parameter stricter than the server", "/events?limit=500", func(doc map[string]any) {
			doc["components"].(map[string]any)["parameters"].(map[string]any)["limit"].(map[string]any)["schema"].(map[string]any)["maximum"] = 100
		}, `parameter "limit" in query`},
		{"a route the document lacks", "/groups", func(doc map[string]any) {
			delete(doc["paths"].(map[string]any), "/groups")
		}, "not an operation of the document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
				t.Fatal(err)
			}
			tt.edit(doc)
			broken, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			c, err := apitest.Load(broken)
			if err != nil {
				t.Fatalf("the broken document does not load: %v", err)
			}
			req, res, body := exchange(t, s, key, tt.path)
			good, err := contract()
			if err != nil {
				t.Fatal(err)
			}
			if err := good.Check(req, res.StatusCode, res.Header, body); err != nil {
				t.Fatalf("GET %s against the document: %v", tt.path, err)
			}
			err = c.Check(req, res.StatusCode, res.Header, body)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("GET %s against the broken document: %v; want an error naming %q", tt.path, err, tt.want)

			}
		})
	}
}

// schema returns a component schema of doc, or an object within it.
func schema(doc map[string]any, name string, path ...string) map[string]any {
	v := doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	for _, p := range path {
		v = v[p].(map[string]any)
	}
	return v
}

// exchange sends a GET to the app API with an API key and returns the request,
// the response and its body, unchecked.
func exchange(t *testing.T, s *testServer, key, path string) (*http.Request, *http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", s.root()+"/api/v1"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return req, res, body
}
