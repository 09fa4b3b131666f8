package policy

import (
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// SignInURN is the schema of Roster's sign-in extension of the User: how the
// user may sign in. Unlike the Roster extension (URN), it is written, by the
// IdP or an admin, and read back as written: Roster derives nothing into it.
const SignInURN = roster.SignInURN

func signInSchema() *schema.Schema {
	return &schema.Schema{
		ID: SignInURN, Name: "RosterSignIn",
		Description: "How the user may sign in to the app through Roster.",
		Attributes: []*schema.Attribute{{
			Name: "loginMethod", Type: schema.String,
			Description: "idp: through the tenant's IdP (the default); password: with a password kept by Roster " +
				"(roster user set-password); either: both.",
			CanonicalValues: []string{roster.LoginMethodIdP, roster.LoginMethodPassword, roster.LoginMethodEither},
			Mutability:      "readWrite", Returned: "default", Uniqueness: "none",
		}},
	}
}

// TakeLoginMethod removes the sign-in extension from a normalised user
// document (the store keeps the login method in a column of its own, not in
// the document) and returns its loginMethod: "" when the document has none.
// EINVALID, naming the attribute, for a value other than idp, password and
// either (in any case).
func TakeLoginMethod(doc map[string]any) (string, error) {
	var ext any
	for k, v := range doc {
		if strings.EqualFold(k, SignInURN) {
			ext = v
			delete(doc, k)
		}
	}
	m, _ := ext.(map[string]any)
	var v any
	for k, x := range m {
		if strings.EqualFold(k, "loginMethod") {
			v = x
		}
	}
	if v == nil {
		return "", nil
	}
	s, _ := v.(string)
	method, err := roster.ParseLoginMethod(s)
	if err != nil {
		return "", &roster.Error{Code: roster.EINVALID, Attr: SignInURN + ":loginMethod", Reason: "value_invalid",
			Detail: SignInURN + ":loginMethod must be idp, password or either"}
	}
	return method, nil
}

// SignInExtension returns the sign-in extension object of a user.
func SignInExtension(u *roster.User) map[string]any {
	m := u.LoginMethod
	if m == "" {
		m = roster.LoginMethodIdP
	}
	return map[string]any{"loginMethod": m}
}
