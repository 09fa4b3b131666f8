package policy

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// UserFrom derives the indexed fields of a user from its normalised document.
func UserFrom(id string, doc map[string]any) *roster.User {
	u := &roster.User{ID: id, Doc: doc, Active: true}
	u.UserName, _ = doc["userName"].(string)
	u.ExternalID, _ = doc["externalId"].(string)
	u.DisplayName, _ = doc["displayName"].(string)
	if a, ok := doc["active"].(bool); ok {
		u.Active = a
	}
	emails, _ := doc["emails"].([]any)
	for _, e := range emails {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		v, _ := m["value"].(string)
		if v == "" {
			continue
		}
		t, _ := m["type"].(string)
		p, _ := m["primary"].(bool)
		u.Emails = append(u.Emails, roster.Email{Value: v, Type: t, Primary: p})
	}
	return u
}

// AppUser returns the user the host application creates with the document in
// (userName, emails, name, externalId and any attribute of the tenant's
// schemas), validated as a SCIM create is: schemas, the policy's checks and
// entitlements. The user awaits adoption by the IdP. EINVALID naming the
// attribute, with a reason of the provisioning log's catalog.
func (p *Policy) AppUser(in map[string]any, fs *FolderIndex) (*roster.User, error) {
	if _, ok := in["schemas"]; !ok {
		in["schemas"] = []any{schema.UserURN}
	}
	doc, err := p.registry.Normalize(userType, in, nil, schema.Options{Mode: schema.Create, Unknown: p.unknown})
	if err != nil {
		return nil, schemaInvalid(err)
	}
	method, err := TakeLoginMethod(doc)
	if err != nil {
		return nil, err
	}
	u := UserFrom("", doc)
	u.LoginMethod = method
	o, err := p.Change(nil, doc, fs)
	if err != nil {
		return nil, err
	}
	u.Entitlements, u.Unique, u.AwaitingAdoption = o.Entitlements, o.Unique, true
	return u, nil
}

// AppWrite returns old with the attributes of attrs, each one the policy
// gives the app ("app" in its attributes), set to its value (null removes
// it), validated as a SCIM write is. The IdP's values stay beside them
// (roster.User.IdP), for the drift report: once the IdP wrote the user, an
// attribute the app sets to what the IdP did not send differs from it.
// EINVALID naming an attribute the app may not write.
func (p *Policy) AppWrite(old *roster.User, attrs map[string]any, fs *FolderIndex) (*roster.User, error) {
	seen := View(old)
	doc := cloneDoc(old.Doc)
	idp := make(map[string]any, len(old.IdP)+len(attrs))
	for k, v := range old.IdP {
		idp[k] = v
	}
	for name, v := range attrs {
		path, ok := p.AppOwned(name)
		if !ok {
			return nil, &roster.Error{Code: roster.EINVALID, Attr: name, Reason: "attribute_not_app_owned", Detail: fmt.Sprintf(
				"%s is not the app's to write: the tenant's policy must say \"attributes\": {%q: \"app\"}", name, name)}
		}
		urn, n := splitPath(path)
		set(doc, urn, n, v)
		if old.AwaitingAdoption {
			continue // the IdP sent nothing yet
		}
		if sent := get(seen, urn, n); reflect.DeepEqual(sent, v) {
			delete(idp, path)
		} else {
			idp[path] = sent
		}
	}
	doc, err := p.registry.Normalize(userType, doc, old.Doc, schema.Options{Mode: schema.Replace, Unknown: p.unknown})
	if err != nil {
		return nil, schemaInvalid(err)
	}
	u := UserFrom(old.ID, doc)
	u.LoginMethod, u.AwaitingAdoption = old.LoginMethod, old.AwaitingAdoption
	if len(idp) > 0 {
		u.IdP = idp
	}
	o, err := p.Change(old.Doc, doc, fs)
	if err != nil {
		return nil, err
	}
	u.Entitlements, u.Unique = o.Entitlements, o.Unique
	return u, nil
}

// schemaInvalid returns a schema's refusal as EINVALID naming the attribute.
func schemaInvalid(err error) error {
	var se *schema.Error
	if errors.As(err, &se) {
		return &roster.Error{Code: roster.EINVALID, Attr: se.Attr, Detail: se.Detail, Reason: "value_invalid"}
	}
	return err
}
