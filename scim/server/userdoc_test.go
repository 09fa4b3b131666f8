package server

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// TestUserDocRendered: a GET of a user and a userName lookup without a
// projection, which a store that keeps the document's text answers from it
// (userDocReader), answer byte for byte what rendering the decoded document
// answers; an excludedAttributes that names nothing takes that path.
func TestUserDocRendered(t *testing.T) {
	const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	docs := []struct {
		name string
		doc  map[string]any
		idp  map[string]any
	}{
		{"entra", map[string]any{
			"schemas":  []any{filter.UserURN, enterprise},
			"userName": "ada@contoso.com", "active": true, "displayName": "Ada <Lovelace> & co",
			"externalId": "ext-ada", "name": map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
			"emails":   []any{map[string]any{"value": "ada@contoso.com", "type": "work", "primary": true}},
			enterprise: map[string]any{"department": "Analytics", "employeeNumber": "1815"},
		}, nil},
		{"no schemas", map[string]any{"userName": "bob@contoso.com", "active": false}, nil},
		{"a password", map[string]any{"schemas": []any{filter.UserURN}, "userName": "cy@contoso.com", "password": "secret"}, nil},
		{"keys in other cases", map[string]any{"schemas": []any{filter.UserURN}, "userName": "di@contoso.com", "DisplayName": "Di", "Name": map[string]any{"GivenName": "Di"}}, nil},
		{"an empty extension", map[string]any{"schemas": []any{filter.UserURN, enterprise}, "userName": "ed@contoso.com", enterprise: map[string]any{}}, nil},
		{"an extension's key in another case", map[string]any{"schemas": []any{filter.UserURN, enterprise}, "userName": "fi@contoso.com", enterprise: map[string]any{"Department": "Sales"}}, nil},
		{"an unknown attribute and extension", map[string]any{"schemas": []any{filter.UserURN}, "userName": "gu@contoso.com", "nickName": "g", "zzz": json.Number("1.50"),
			"urn:example:unknown": map[string]any{"b": []any{}, "a": "\u2028\u00e9"}}, nil},
		{"values from the IdP", map[string]any{"schemas": []any{filter.UserURN}, "userName": "hu@contoso.com", "title": "Ms"}, map[string]any{"title": "Dr"}},
		{"an empty key", map[string]any{"schemas": []any{filter.UserURN}, "userName": "jo@contoso.com", "": "e"}, nil},
		{"groups and ids in the document", map[string]any{"schemas": []any{filter.UserURN}, "userName": "io@contoso.com", "groups": []any{}, "id": "other"}, nil},
	}
	forEachStore(t, func(t *testing.T, st roster.Store, tenantID string) {
		ctx := context.Background()
		do := serve(t, st, tenantID)
		g := &roster.Group{DisplayName: "Staff", Doc: map[string]any{"displayName": "Staff"}, Members: []roster.Member{}}
		users := make([]*roster.User, len(docs))
		for i, d := range docs {
			name, _ := d.doc["userName"].(string)
			active, _ := d.doc["active"].(bool)
			users[i] = &roster.User{UserName: name, Active: active, Doc: d.doc, IdP: d.idp}
			if err := st.CreateUser(ctx, tenantID, users[i]); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				g.Members = append(g.Members, roster.Member{ID: users[i].ID})
			}
		}
		if err := st.CreateGroup(ctx, tenantID, g); err != nil {
			t.Fatal(err)
		}
		for i, d := range docs {
			u := users[i]
			get := "/Users/" + u.ID
			lookup := "/Users?filter=" + url.QueryEscape(`userName eq "`+u.UserName+`"`)
			for _, p := range [][2]string{{get, get + "?excludedAttributes=noSuchAttribute"}, {lookup, lookup + "&excludedAttributes=noSuchAttribute"}} {
				code, got := do("GET", p[0], "")
				wantCode, want := do("GET", p[1], "")
				if code != 200 || wantCode != 200 {
					t.Fatalf("%s: GET %s = %d, %d: %s", d.name, p[0], code, wantCode, got)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: GET %s (-rendered +from the text):\n%s", d.name, p[0], diff)
				}
			}
		}
	})
}
