package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readBack returns the attributes of a user response that the client wrote:
// without id, meta, groups and the Roster extension, and with schemas sorted.
func readBack(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k, v := range doc {
		switch k {
		case "id", "meta", "groups", "schemas", "urn:ietf:params:scim:schemas:extension:roster:2.0:User",
			"urn:ietf:params:scim:schemas:extension:roster:2.0:SignIn": // Roster's own, with its default login method
			continue
		}
		out[k] = v
	}
	if m, ok := out[entURN].(map[string]any); ok {
		if mgr, ok := m["manager"].(map[string]any); ok {
			delete(mgr, "$ref") // Roster may add the reference; Entra reads value
			delete(mgr, "displayName")
		}
	}
	return out
}

// sent decodes a request body the way readBack shapes a response.
func sent(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "schemas")
	return m
}

// TestAllUserAttributes provisions a user with every core, enterprise and
// ws1b attribute Microsoft's gallery mappings (Oneflow's among them) can send,
// then changes each with PATCH in Entra's forms: each reads back exactly.
func TestAllUserAttributes(t *testing.T) { forEachStore(t, testAllUserAttributes) }

func testAllUserAttributes(t *testing.T, db string) {
	s := startServer(t, db)
	mgr := str(s.do(t, "POST", "/Users", `{"userName":"boss@contoso.com"}`).want(t, 201).body, "id")
	b, err := os.ReadFile(filepath.Join("testdata", "policy", "user-all-attributes.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(b), "{{manager}}", mgr)
	r := s.do(t, "POST", "/Users", body).want(t, 201)
	id := str(r.body, "id")
	if diff := cmp.Diff(sent(t, body), readBack(t, r.body)); diff != "" {
		t.Errorf("POST response differs from the body (-sent +read):\n%s", diff)
	}
	if diff := cmp.Diff(sent(t, body), readBack(t, s.do(t, "GET", "/Users/"+id, "").want(t, 200).body)); diff != "" {
		t.Errorf("GET differs from the body (-sent +read):\n%s", diff)
	}

	// One PATCH operation per attribute, as Entra sends a sync's changes.
	ops := []string{}
	op := func(path string, v any) {
		j, _ := json.Marshal(v)
		ops = append(ops, fmt.Sprintf(`{"op":"Replace","path":%q,"value":%s}`, path, j))
	}
	want := sent(t, body)
	set := func(path string, v any, where map[string]any, key string) {
		op(path, v)
		where[key] = v
	}
	for _, k := range []string{"displayName", "nickName", "title", "userType", "preferredLanguage", "locale", "timezone", "profileUrl", "externalId"} {
		set(k, want[k].(string)+"-2", want, k)
	}
	name := want["name"].(map[string]any)
	for _, k := range []string{"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"} {
		set("name."+k, name[k].(string)+"-2", name, k)
	}
	op("active", "False") // Entra's string boolean
	want["active"] = false
	op(`emails[type eq "work"].value`, "ada.king@contoso.com")
	want["emails"].([]any)[0].(map[string]any)["value"] = "ada.king@contoso.com"
	op(`phoneNumbers[type eq "mobile"].value`, "+44 7700 900999")
	want["phoneNumbers"].([]any)[1].(map[string]any)["value"] = "+44 7700 900999"
	op(`addresses[type eq "work"].locality`, "Marylebone")
	want["addresses"].([]any)[0].(map[string]any)["locality"] = "Marylebone"
	for _, urn := range []string{entURN, ws1bURN} {
		ext := want[urn].(map[string]any)
		for k, v := range ext {
			if sv, ok := v.(string); ok {
				set(urn+":"+k, sv+"-2", ext, k)
			}
		}
	}
	r = s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+strings.Join(ops, ",")+`]}`).want(t, 200)
	if diff := cmp.Diff(want, readBack(t, r.body)); diff != "" {
		t.Errorf("PATCH response (-want +read):\n%s", diff)
	}
	if diff := cmp.Diff(want, readBack(t, s.do(t, "GET", "/Users/"+id, "").want(t, 200).body)); diff != "" {
		t.Errorf("GET after PATCH (-want +read):\n%s", diff)
	}
	// Every ws1b attribute is filterable.
	r = s.do(t, "GET", "/Users?filter="+q(ws1bURN+`:customAttribute3 eq "three-2"`), "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 {
		t.Errorf("ws1b filter: %s", r.raw)
	}
}

// TestProcessMakerAttributes provisions the attribute set ProcessMaker's Entra
// guide maps: preferredLanguage, title, department and the work phone, through
// POST and PATCH.
func TestProcessMakerAttributes(t *testing.T) { forEachStore(t, testProcessMakerAttributes) }

func testProcessMakerAttributes(t *testing.T, db string) {
	s := startServer(t, db)
	r := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"userName":"grace@contoso.com","active":true,"name":{"givenName":"Grace","familyName":"Hopper"},
		"emails":[{"type":"work","value":"grace@contoso.com","primary":true}],
		"preferredLanguage":"en-US","title":"Rear Admiral",
		"phoneNumbers":[{"type":"work","value":"+1 202 555 0100"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Navy"}`).want(t, 201)
	id := str(r.body, "id")
	if str(r.body, "preferredLanguage") != "en-US" || str(r.body, "title") != "Rear Admiral" ||
		str(r.body, "phoneNumbers", 0, "value") != "+1 202 555 0100" || str(r.body, entURN, "department") != "Navy" {
		t.Fatalf("create: %s", r.raw)
	}
	r = s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"preferredLanguage","value":"es-ES"},
		{"op":"Replace","path":"title","value":"Commodore"},
		{"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"+1 202 555 0199"},
		{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Computing"}]}`).want(t, 200)
	r = s.do(t, "GET", "/Users/"+id, "").want(t, 200)
	if str(r.body, "preferredLanguage") != "es-ES" || str(r.body, "title") != "Commodore" ||
		str(r.body, "phoneNumbers", 0, "value") != "+1 202 555 0199" || str(r.body, "phoneNumbers", 0, "type") != "work" ||
		str(r.body, entURN, "department") != "Computing" {
		t.Fatalf("after PATCH: %s", r.raw)
	}
}
