package schema

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Registry holds the schemas and resource types a SCIM service provider
// serves. A Registry is immutable once built: every method is safe for
// concurrent use, and WithExtension returns a new Registry.
type Registry struct {
	entries []*entry // schemas in registry order: User, Group, enterprise, ws1b, extensions as added
	types   []*typeInfo
}

// entry is a schema with what the registry derives from it.
type entry struct {
	s *Schema
	// attrs is s.Attributes, followed by the common attributes for core schemas.
	attrs []*Attribute
	// pos indexes attrs by exact name.
	pos map[string]int
	// custom marks schemas added with WithExtension, whose canonical values
	// are enforced.
	custom bool
	// core marks the core schema of a resource type, whose attributes are
	// top-level and include the common attributes.
	core bool
}

// typeInfo is a resource type with its schemas resolved.
type typeInfo struct {
	rt   *ResourceType
	core *entry
	exts []*entry // in the order of rt.Extensions
}

func newEntry(s *Schema, common []*Attribute, custom bool) *entry {
	e := &entry{s: s, custom: custom, core: common != nil}
	e.attrs = append(append([]*Attribute(nil), s.Attributes...), common...)
	e.pos = make(map[string]int, len(e.attrs))
	for i, a := range e.attrs {
		e.pos[a.Name] = i
	}
	return e
}

// find returns the index in e.attrs of the attribute called name, matched
// exactly first and then case-insensitively, or -1.
func (e *entry) find(name string) int {
	if i, ok := e.pos[name]; ok {
		return i
	}
	for i, a := range e.attrs {
		if equalFold(a.Name, name) {
			return i
		}
	}
	return -1
}

// New returns the default registry: the User resource type (/Users) with core
// User schema and the optional enterprise User (RFC 7643 §4.3) and Workspace
// ONE Broker User (WS1BUserURN) extensions, and the Group resource type
// (/Groups) with the core Group schema (RFC 7643 §4, §8.7).
func New() *Registry {
	common := commonAttributes()
	user := newEntry(userSchema(), common, false)
	group := newEntry(groupSchema(), common, false)
	enterprise := newEntry(enterpriseSchema(), nil, false)
	ws1b := newEntry(ws1bSchema(), nil, false)
	return &Registry{
		entries: []*entry{user, group, enterprise, ws1b},
		types: []*typeInfo{
			{
				rt: &ResourceType{
					ID: "User", Name: "User", Endpoint: "/Users", Description: "User Account", Schema: UserURN,
					Extensions: []Extension{{Schema: EnterpriseUserURN, Required: false}, {Schema: WS1BUserURN, Required: false}},
				},
				core: user,
				exts: []*entry{enterprise, ws1b},
			},
			{
				rt:   &ResourceType{ID: "Group", Name: "Group", Endpoint: "/Groups", Description: "Group", Schema: GroupURN},
				core: group,
			},
		},
	}
}

// WithExtension returns a new registry in which schema s is an extension of
// resourceType, required or not. The receiver is left as it was, so readers
// holding it are unaffected. s is copied, and empty characteristics take their
// RFC 7643 §2.2 defaults (readWrite, default, none). It fails when the
// resource type is unknown, or s has an invalid URN or attribute name, an
// unknown type or characteristic, a duplicate attribute, or a URN the
// registry already holds.
//
// With s.Open set, s must list no attributes: the extension is free-form.
// Normalize keeps every key given under it, Lookup describes any name as a
// single-valued readWrite string, and the registered schema's description
// ends with a sentence saying so, which is what /Schemas shows clients (its
// "attributes" are empty).
func (r *Registry) WithExtension(resourceType string, s *Schema, required bool) (*Registry, error) {
	ti := r.typeInfo(resourceType)
	if ti == nil {
		return nil, fmt.Errorf("schema: extension: unknown resource type %q", resourceType)
	}
	if s == nil {
		return nil, fmt.Errorf("schema: extension of %s: no schema", ti.rt.Name)
	}
	if err := checkSchema(s); err != nil {
		return nil, fmt.Errorf("schema: extension %q: %w", s.ID, err)
	}
	for _, e := range r.entries {
		if equalFold(e.s.ID, s.ID) || hasPrefixFold(e.s.ID, s.ID+":") || hasPrefixFold(s.ID, e.s.ID+":") {
			return nil, fmt.Errorf("schema: extension %q: clashes with schema %q", s.ID, e.s.ID)
		}
	}

	c := &Schema{ID: s.ID, Name: s.Name, Description: s.Description, Open: s.Open}
	if s.Open {
		c.Description = openDescription(s.Description)
		c.Attributes = []*Attribute{}
	}
	for _, a := range s.Attributes {
		c.Attributes = append(c.Attributes, withDefaults(a.clone()))
	}
	e := newEntry(c, nil, true)

	n := &Registry{
		entries: append(append([]*entry(nil), r.entries...), e),
		types:   make([]*typeInfo, len(r.types)),
	}
	for i, t := range r.types {
		if t != ti {
			n.types[i] = t
			continue
		}
		rt := *t.rt
		rt.Extensions = append(append([]Extension(nil), t.rt.Extensions...), Extension{Schema: c.ID, Required: required})
		n.types[i] = &typeInfo{rt: &rt, core: t.core, exts: append(append([]*entry(nil), t.exts...), e)}
	}
	return n, nil
}

func (r *Registry) typeInfo(name string) *typeInfo {
	for _, t := range r.types {
		if equalFold(t.rt.Name, name) {
			return t
		}
	}
	return nil
}

// ResourceType returns the resource type called name, matched
// case-insensitively. The result must not be modified.
func (r *Registry) ResourceType(name string) (*ResourceType, bool) {
	t := r.typeInfo(name)
	if t == nil {
		return nil, false
	}
	return t.rt, true
}

// ResourceTypes returns every resource type, User first and Group second.
// The resource types must not be modified.
func (r *Registry) ResourceTypes() []*ResourceType {
	out := make([]*ResourceType, len(r.types))
	for i, t := range r.types {
		out[i] = t.rt
	}
	return out
}

// Schema returns the schema with URN id, matched case-insensitively. The
// result must not be modified.
func (r *Registry) Schema(id string) (*Schema, bool) {
	for _, e := range r.entries {
		if equalFold(e.s.ID, id) {
			return e.s, true
		}
	}
	return nil, false
}

// Schemas returns every schema in registry order: core User, core Group, the
// enterprise and Workspace ONE Broker User extensions, then extensions in the
// order they were added.
// The schemas must not be modified.
func (r *Registry) Schemas() []*Schema {
	out := make([]*Schema, len(r.entries))
	for i, e := range r.entries {
		out[i] = e.s
	}
	return out
}

// Sensitive returns the names of the attributes and sub-attributes, in every
// schema, that are never returned ("returned": "never", RFC 7643 §2.2), such
// as the core User's password: what a log of requests must not keep. Each
// name is listed once, as defined.
func (r *Registry) Sensitive() []string {
	var out []string
	var walk func(attrs []*Attribute)
	walk = func(attrs []*Attribute) {
		for _, a := range attrs {
			if a.Returned == returnedNever && !slices.Contains(out, a.Name) {
				out = append(out, a.Name)
			}
			walk(a.SubAttributes)
		}
	}
	for _, e := range r.entries {
		walk(e.attrs)
	}
	return out
}

// schemaEntry returns the schema of resource type t with URN urn: the core
// schema when urn is empty or the core URN, else an extension of t, or nil.
func (t *typeInfo) schemaEntry(urn string) *entry {
	if urn == "" || equalFold(urn, t.core.s.ID) {
		return t.core
	}
	for _, e := range t.exts {
		if equalFold(e.s.ID, urn) {
			return e
		}
	}
	return nil
}

// Lookup returns the attribute name of resourceType in the schema urn, or its
// sub-attribute sub when sub is not empty. An empty urn or the core URN of the
// resource type means a core attribute, including the common attributes id,
// externalId and meta; any other urn must be an extension of the resource
// type. Names and URNs are matched case-insensitively. The result must not be
// modified.
//
// In an open extension (Schema.Open) every non-empty name is an attribute: a
// single-valued, readWrite string that is not case-exact, named as given; it
// has no sub-attributes. Filters and PATCH paths on its keys resolve so.
func (r *Registry) Lookup(resourceType, urn, name, sub string) (*Attribute, bool) {
	t := r.typeInfo(resourceType)
	if t == nil {
		return nil, false
	}
	e := t.schemaEntry(urn)
	if e == nil {
		return nil, false
	}
	if e.s.Open {
		if name == "" || sub != "" {
			return nil, false
		}
		return openAttribute(name), true
	}
	i := e.find(name)
	if i < 0 {
		return nil, false
	}
	a := e.attrs[i]
	if sub == "" {
		return a, true
	}
	s := a.sub(sub)
	return s, s != nil
}

// CaseExact reports whether values of the attribute are compared
// case-sensitively (RFC 7643 §2.2). Unknown attributes are not case-exact.
func (r *Registry) CaseExact(resourceType, urn, name, sub string) bool {
	a, ok := r.Lookup(resourceType, urn, name, sub)
	return ok && a.CaseExact
}

// SchemaDoc returns s as a Schema resource (RFC 7643 §7) with "schemas" set
// and without "meta", which the server adds.
func (r *Registry) SchemaDoc(s *Schema) map[string]any {
	return resourceDoc(s, SchemaURN)
}

// ResourceTypeDoc returns rt as a ResourceType resource (RFC 7643 §6) with
// "schemas" set and without "meta", which the server adds.
func (r *Registry) ResourceTypeDoc(rt *ResourceType) map[string]any {
	return resourceDoc(rt, ResourceTypeURN)
}

// resourceDoc returns the JSON form of v as a document with "schemas" set to
// urn, so the document and json.Marshal of v can never disagree.
func resourceDoc(v any, urn string) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("schema: marshal %T: %v", v, err)) // only strings, bools and slices: cannot fail
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		panic(fmt.Sprintf("schema: unmarshal %T: %v", v, err))
	}
	doc["schemas"] = []any{urn}
	return doc
}
