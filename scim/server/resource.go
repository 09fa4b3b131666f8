package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/patch"
	"github.com/rosterhq/roster/scim/schema"
)

// Resource type names, as in /ResourceTypes.
const (
	userType  = "User"
	groupType = "Group"
)

// timeFormat renders meta times (RFC 3339 with milliseconds, UTC).
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// baseURL is the public URL of the SCIM root for r.
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimSuffix(s.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + "/scim/v2"
}

// meta builds the meta attribute of a resource (RFC 7643 §3.1).
func meta(resourceType, location string, created, modified time.Time, version int64) map[string]any {
	return map[string]any{
		"resourceType": resourceType,
		"created":      created.UTC().Format(timeFormat),
		"lastModified": modified.UTC().Format(timeFormat),
		"location":     location,
		"version":      etag(version),
	}
}

// userDoc renders a stored user as its SCIM representation: as its IdP sees
// it (policy.View), with the IdP's values of the attributes it does not own.
func userDoc(u *roster.User, base string) map[string]any {
	seen := policy.View(u)
	doc := make(map[string]any, len(seen)+3)
	for k, v := range seen {
		doc[k] = v
	}
	doc["id"] = u.ID
	doc["meta"] = meta(userType, base+"/Users/"+u.ID, u.Created, u.Modified, u.Version)
	if len(u.Groups) > 0 {
		groups := make([]any, len(u.Groups))
		for i, g := range u.Groups {
			groups[i] = map[string]any{"value": g.ID, "display": g.DisplayName, "$ref": base + "/Groups/" + g.ID, "type": "direct"}
		}
		doc["groups"] = groups
	}
	return doc
}

// groupDoc renders a stored group; members are included when loaded.
func groupDoc(g *roster.Group, base string, withMembers bool) map[string]any {
	doc := make(map[string]any, len(g.Doc)+3)
	for k, v := range g.Doc {
		doc[k] = v
	}
	doc["id"] = g.ID
	doc["meta"] = meta(groupType, base+"/Groups/"+g.ID, g.Created, g.Modified, g.Version)
	if withMembers && len(g.Members) > 0 {
		members := make([]any, len(g.Members))
		for i, m := range g.Members {
			members[i] = memberDoc(m, base)
		}
		doc["members"] = members
	}
	return doc
}

// memberDoc renders one member of a group.
func memberDoc(m roster.Member, base string) map[string]any {
	ref := base + "/Users/" + m.ID
	if m.Type == roster.MemberGroup {
		ref = base + "/Groups/" + m.ID
	}
	e := map[string]any{"value": m.ID, "$ref": ref, "type": m.Type}
	if m.Display != "" {
		e["display"] = m.Display
	}
	return e
}

// userFrom derives the indexed fields of a user from its normalised document.
func userFrom(id string, doc map[string]any) *roster.User {
	return policy.UserFrom(id, doc)
}

// groupFrom derives a group from its normalised document. Members are taken out of
// the document: they live in the membership table.
func groupFrom(id string, doc map[string]any) *roster.Group {
	g := &roster.Group{ID: id, Doc: doc}
	g.DisplayName, _ = doc["displayName"].(string)
	g.ExternalID, _ = doc["externalId"].(string)
	members, _ := doc["members"].([]any)
	delete(doc, "members")
	g.Members = []roster.Member{}
	seen := map[string]bool{}
	for _, e := range members {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		v, _ := m["value"].(string)
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		g.Members = append(g.Members, roster.Member{ID: v})
	}
	return g
}

// coreURN is the core schema of each resource type.
func coreURN(resourceType string) string {
	if resourceType == groupType {
		return schema.GroupURN
	}
	return schema.UserURN
}

// resolver adapts the schema registry to the filter package.
func (s *Server) resolver(r *http.Request, resourceType string) filter.Resolver {
	reg := s.registryOf(r)
	return func(p filter.AttrPath) (filter.Attr, bool) {
		a, ok := reg.Lookup(resourceType, p.URN, p.Name, p.Sub)
		if !ok {
			return filter.Attr{}, false
		}
		multi := a.MultiValued
		if p.Sub != "" {
			if parent, ok := reg.Lookup(resourceType, p.URN, p.Name, ""); ok && parent.MultiValued {
				multi = true
			}
		}
		return filter.Attr{Type: filterType(a.Type), CaseExact: a.CaseExact, MultiValued: multi}, true
	}
}

// canonical rewrites an attribute path into its schema's spelling, so that
// attributes held only in the stored document are found whatever case a
// client wrote them in. Unknown paths are returned as written.
func (s *Server) canonical(r *http.Request, resourceType string) func(filter.AttrPath) filter.AttrPath {
	reg := s.registryOf(r)
	return func(p filter.AttrPath) filter.AttrPath {
		if a, ok := reg.Lookup(resourceType, p.URN, p.Name, ""); ok {
			p.Name = a.Name
		}
		if p.Sub != "" {
			if a, ok := reg.Lookup(resourceType, p.URN, p.Name, p.Sub); ok {
				p.Sub = a.Name
			}
		}
		if p.URN != "" {
			if sc, ok := reg.Schema(p.URN); ok {
				p.URN = sc.ID
			}
		}
		return p
	}
}

// patchOptions adapts the schema registry to the patch package. The keys of
// an open extension take any JSON value, which Normalize then stores as a
// string.
func (s *Server) patchOptions(r *http.Request, resourceType string) patch.Options {
	reg := s.registryOf(r)
	return patch.Options{
		CoreURN: coreURN(resourceType),
		Attr: func(p filter.AttrPath) (patch.Attribute, bool) {
			a, ok := reg.Lookup(resourceType, p.URN, p.Name, p.Sub)
			if !ok {
				return patch.Attribute{}, false
			}
			sc, _ := reg.Schema(p.URN)
			return patch.Attribute{Type: filterType(a.Type), MultiValued: a.MultiValued, CaseExact: a.CaseExact,
				Mutability: a.Mutability, AnyValue: sc != nil && sc.Open}, true
		},
	}
}

func filterType(t schema.Type) filter.Type {
	switch t {
	case "boolean":
		return filter.Boolean
	case "decimal":
		return filter.Decimal
	case "integer":
		return filter.Integer
	case "dateTime":
		return filter.DateTime
	case "reference":
		return filter.Reference
	case "binary":
		return filter.Binary
	case "complex":
		return filter.Complex
	}
	return filter.String
}
