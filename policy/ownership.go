package policy

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// Attribute ownership modes: who writes an attribute (the policy's
// "attributes" field).
const (
	OwnIdP        = "idp"         // the IdP's value wins (the default)
	OwnCreateOnly = "create-only" // taken when the user is created, later IdP writes ignored
	OwnApp        = "app"         // never taken from the IdP; the host app writes it
	OwnIgnore     = "ignore"      // dropped
)

// Sync modes (the policy's "sync" field).
const (
	SyncFull       = "full"        // IdP updates and deletes apply (the default)
	SyncCreateOnly = "create-only" // IdP updates and deletes are acknowledged, not applied
)

// owned is an attribute the policy names in "attributes" or "allow": a
// top-level attribute of the core schema (URN "") or of an extension.
type owned struct {
	urn, name string
	mode      string
}

// path is the attribute's path as the IdP values and the drift report key it:
// "title", or "urn:…:enterprise:2.0:User:department".
func (o owned) path() string {
	if o.urn == "" {
		return o.name
	}
	return o.urn + ":" + o.name
}

// compileOwnership checks "attributes", "allow" and "sync".
func (p *Policy) compileOwnership() error {
	d := p.doc
	if err := oneOf("sync", d.Sync, SyncFull, SyncCreateOnly); err != nil {
		return err
	}
	keys := make([]string, 0, len(d.Attributes))
	for k := range d.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := fmt.Sprintf("attributes[%q]", k)
		if err := oneOf(f, d.Attributes[k], OwnIdP, OwnCreateOnly, OwnApp, OwnIgnore); err != nil {
			return err
		}
		if d.Attributes[k] == "" {
			return invalid(f, "policy: %s: want one of %s, %s, %s, %s", f, OwnIdP, OwnCreateOnly, OwnApp, OwnIgnore)
		}
		o, err := p.ownedAttribute(f, k)
		if err != nil {
			return err
		}
		o.mode = d.Attributes[k]
		p.owned = append(p.owned, o)
	}
	for i, k := range d.Allow {
		o, err := p.ownedAttribute(fmt.Sprintf("allow[%d]", i), k)
		if err != nil {
			return err
		}
		p.allow = append(p.allow, o)
	}
	return nil
}

// ownedAttribute resolves the attribute name of the policy's field: a core
// attribute ("title"), an extension's by its full path
// ("urn:…:enterprise:2.0:User:department"), or an extension's by its name
// alone when one extension has it ("department"). userName and the
// read-only attributes cannot be owned: the IdP matches users by userName.
func (p *Policy) ownedAttribute(field, name string) (owned, error) {
	var o owned
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		o = owned{urn: name[:i], name: name[i+1:]}
		if strings.EqualFold(o.urn, schema.UserURN) {
			o.urn = ""
		}
	} else {
		o = owned{name: name}
	}
	a, ok := p.registry.Lookup(userType, o.urn, o.name, "")
	if !ok && o.urn == "" {
		for _, s := range p.registry.Schemas() {
			if s.ID == schema.UserURN || strings.EqualFold(s.ID, URN) || strings.EqualFold(s.ID, SignInURN) || s.Open {
				continue
			}
			if x, found := p.registry.Lookup(userType, s.ID, name, ""); found {
				if ok {
					return o, invalid(field, "policy: %s: several extensions have an attribute %q: name it with its URN", field, name)
				}
				a, ok, o.urn = x, true, s.ID
			}
		}
	}
	if !ok {
		return o, invalid(field, "policy: %s: no such User attribute", field)
	}
	if sc, found := p.registry.Schema(o.urn); found && o.urn != "" {
		o.urn = sc.ID
	}
	o.name = a.Name
	if o.urn == "" && strings.EqualFold(o.name, "userName") || a.Mutability == "readOnly" ||
		strings.EqualFold(o.urn, URN) || strings.EqualFold(o.urn, SignInURN) {
		return o, invalid(field, "policy: %s: %s is not the IdP's to give away: Roster matches users by userName, and read-only attributes are Roster's", field, o.path())
	}
	return o, nil
}

// SyncCreateOnly reports whether the tenant's IdP creates users only: its
// updates and deletes are acknowledged without being applied.
func (p *Policy) SyncCreateOnly() bool { return p.doc.Sync == SyncCreateOnly }

// AppOwned reports whether the attribute at path ("department", or with its
// URN) is the host app's to write: "app" in the policy's attributes. It
// returns the attribute's canonical path.
func (p *Policy) AppOwned(path string) (string, bool) {
	o, err := p.ownedAttribute("", path)
	if err != nil {
		return "", false
	}
	return o.path(), p.modeOf(o.urn, o.name) == OwnApp
}

// Tracked returns who writes the attribute at path and whether the IdP value
// kept for it is drift the host app should see: the attribute is the app's or
// taken at create only.
func (p *Policy) Tracked(path string) (string, bool) {
	o, err := p.ownedAttribute("", path)
	if err != nil {
		return "", false
	}
	m := p.modeOf(o.urn, o.name)
	return m, m == OwnApp || m == OwnCreateOnly
}

// modeOf returns who writes the attribute, with the catalog reason of an IdP
// write the mode ignores.
func (p *Policy) modeOf(urn, name string) string {
	m, _ := p.mode(urn, name)
	return m
}

func (p *Policy) mode(urn, name string) (mode, reason string) {
	for _, o := range p.owned {
		if strings.EqualFold(o.urn, urn) && strings.EqualFold(o.name, name) {
			return o.mode, ownReason[o.mode]
		}
	}
	if len(p.allow) > 0 && !slices.ContainsFunc(p.allow, func(o owned) bool {
		return strings.EqualFold(o.urn, urn) && strings.EqualFold(o.name, name)
	}) {
		return OwnIgnore, "attribute_not_allowed"
	}
	if p.SyncCreateOnly() {
		return OwnCreateOnly, "sync_create_only"
	}
	return OwnIdP, ""
}

var ownReason = map[string]string{
	OwnCreateOnly: "attribute_create_only",
	OwnApp:        "attribute_app_owned",
	OwnIgnore:     "attribute_ignored",
}

// owns reports whether the policy keeps any attribute from the IdP.
func (p *Policy) owns() bool {
	return len(p.owned) > 0 || len(p.allow) > 0 || p.SyncCreateOnly()
}

// Taken is what the policy's ownership takes of an IdP write.
type Taken struct {
	// IdP is the user's new roster.User.IdP: the IdP's value of each attribute
	// whose stored value differs from it.
	IdP map[string]any
	// Reasons are the catalog reasons of the values this write sent that
	// were not taken, one per attribute path, in path order.
	Reasons []string
	// Ignored are the paths of those values, beside Reasons.
	Ignored []string
}

// Take applies the policy's attribute ownership ("attributes", "allow",
// "sync") to doc, the user as the IdP now sees it (a POST's or PUT's body, a
// PATCH applied to View(old)), in place: each attribute the IdP may not set
// gets the stored value back, old's (nil old: none). A create is old nil or
// old awaiting adoption: create-only attributes are taken then, app-owned
// ones keep the app's value. userName and schemas are always the IdP's.
func (p *Policy) Take(old *roster.User, doc map[string]any) Taken {
	var t Taken
	if !p.owns() {
		return t
	}
	for k, v := range cloneDoc(doc) {
		doc[k] = v // set may change extension objects, which old may share
	}
	var stored, seen map[string]any
	if old != nil {
		stored, seen = old.Doc, View(old)
	}
	create := old == nil || old.AwaitingAdoption
	for _, a := range p.attributesOf(doc, stored, seen) {
		mode, reason := p.mode(a.urn, a.name)
		in, had := get(doc, a.urn, a.name), get(stored, a.urn, a.name)
		keep := in
		switch {
		case mode == OwnIdP, mode == OwnCreateOnly && create:
			continue
		case mode == OwnIgnore:
			keep = nil
		default:
			keep = had
		}
		set(doc, a.urn, a.name, keep)
		if reflect.DeepEqual(in, keep) {
			continue
		}
		if t.IdP == nil {
			t.IdP = map[string]any{}
		}
		path := a.path()
		t.IdP[path] = in
		if seen == nil || !reflect.DeepEqual(in, get(seen, a.urn, a.name)) {
			t.Reasons, t.Ignored = append(t.Reasons, reason), append(t.Ignored, path)
		}
	}
	return t
}

// attributesOf lists the attributes of the documents, core and extension,
// but for userName, schemas and id, in path order.
func (p *Policy) attributesOf(docs ...map[string]any) []owned {
	seen := map[string]owned{}
	for _, d := range docs {
		for k, v := range d {
			if sc, ok := p.registry.Schema(k); ok && sc.ID != schema.UserURN {
				m, _ := v.(map[string]any)
				for sub := range m {
					o := owned{urn: sc.ID, name: sub}
					seen[strings.ToLower(o.path())] = o
				}
				continue
			}
			switch strings.ToLower(k) {
			case "username", "schemas", "id", "meta":
				continue
			}
			seen[strings.ToLower(k)] = owned{name: k}
		}
	}
	out := make([]owned, 0, len(seen))
	for _, o := range seen {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b owned) int { return strings.Compare(a.path(), b.path()) })
	return out
}

// View returns the user as its IdP last wrote it: its document with the
// IdP's values of the attributes the policy kept from it (u.IdP) in place of
// the stored ones. SCIM answers with it, so that the IdP sees no difference
// to send again every cycle. It is u.Doc itself when u.IdP is empty.
func View(u *roster.User) map[string]any {
	if len(u.IdP) == 0 {
		return u.Doc
	}
	doc := cloneDoc(u.Doc)
	for path, v := range u.IdP {
		urn, name := splitPath(path)
		set(doc, urn, name, v)
	}
	return doc
}

// splitPath splits an IdP value's path into its URN ("" for core) and name.
func splitPath(path string) (urn, name string) {
	i := strings.LastIndexByte(path, ':')
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// get returns the value of the top-level attribute name of doc, or of its
// extension urn, ignoring case; nil when absent.
func get(doc map[string]any, urn, name string) any {
	if urn != "" {
		ext, _ := lookup(doc, urn).(map[string]any)
		return lookup(ext, name)
	}
	return lookup(doc, name)
}

// set sets the attribute (deleting it for nil), creating or removing its
// extension's object as needed.
func set(doc map[string]any, urn, name string, v any) {
	m := doc
	if urn != "" {
		key := keyOf(doc, urn)
		ext, _ := doc[key].(map[string]any)
		if ext == nil {
			if v == nil {
				return
			}
			ext = map[string]any{}
			doc[key] = ext
		}
		m = ext
		defer func() {
			if len(ext) == 0 {
				delete(doc, key)
			}
		}()
	}
	k := keyOf(m, name)
	if v == nil {
		delete(m, k)
		return
	}
	m[k] = v
}

// keyOf returns the key of m that is name in any case, or name.
func keyOf(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// cloneDoc copies doc and its extension objects, which set may change.
func cloneDoc(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if m, ok := v.(map[string]any); ok && strings.HasPrefix(strings.ToLower(k), "urn:") {
			c := make(map[string]any, len(m))
			for kk, vv := range m {
				c[kk] = vv
			}
			v = c
		}
		out[k] = v
	}
	return out
}

// Value returns the value of the attribute at path (as roster.User.IdP keys
// it) in doc; nil when absent.
func Value(doc map[string]any, path string) any {
	urn, name := splitPath(path)
	return get(doc, urn, name)
}
