package server

import (
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// handleServiceProviderConfig describes what this server supports (RFC 7643 §5),
// honestly: clients such as Entra ID read it to decide what to send.
func (s *Server) handleServiceProviderConfig(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	s.writeJSON(w, http.StatusOK, map[string]any{
		"schemas":          []string{schema.ServiceProviderConfigURN},
		"documentationUri": "https://github.com/rosterhq/roster#readme",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": true, "maxOperations": s.opts.BulkMaxOperations, "maxPayloadSize": s.opts.BulkMaxPayload},
		"filter":           map[string]any{"supported": true, "maxResults": s.opts.MaxCount},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": true},
		// RFC 9865: cursors are keysets, so they never expire.
		"pagination": map[string]any{"cursor": true, "index": true, "defaultPaginationMethod": "index",
			"defaultPageSize": s.opts.DefaultCount, "maxPageSize": s.opts.MaxCount},
		"etag": map[string]any{"supported": true},
		"authenticationSchemes": []any{
			map[string]any{
				"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
				"description": "A secret token issued by Roster for one tenant, sent as \"Authorization: Bearer <token>\".",
				"specUri":     "https://www.rfc-editor.org/rfc/rfc6750",
			},
			map[string]any{
				"type": "oauth2", "name": "OAuth 2.0 client credentials",
				"description": "An OAuth client of one tenant exchanges its id and secret at the token endpoint " + tokenEndpoint(base) +
					" (grant_type client_credentials; client_secret_basic or client_secret_post) for an access token, sent as \"Authorization: Bearer <token>\".",
				"specUri":          "https://www.rfc-editor.org/rfc/rfc6749#section-4.4",
				"documentationUri": "https://github.com/rosterhq/roster/blob/main/docs/oauth.md",
			},
			map[string]any{
				"type": "httpbasic", "name": "HTTP Basic",
				"description": "The tenant's name as the user name and a secret token as the password.",
			},
		},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"},
	})
}

// TokenPath is the token endpoint's path under Roster's public root.
const TokenPath = "/oauth2/token"

// tokenEndpoint returns the token endpoint's URL for the SCIM base URL base.
func tokenEndpoint(base string) string {
	return strings.TrimSuffix(base, Prefix) + TokenPath
}

func (s *Server) handleSchemaList(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	var docs []map[string]any
	for _, sc := range s.registryOf(r).Schemas() {
		docs = append(docs, s.schemaDoc(r, sc, base))
	}
	s.writeList(w, roster.Query{StartIndex: 1}, len(docs), docs, nil)
}

func (s *Server) handleSchemaGet(w http.ResponseWriter, r *http.Request) {
	sc, ok := s.registryOf(r).Schema(r.PathValue("id"))
	if !ok {
		s.writeError(w, r, roster.Errorf(roster.ENOTFOUND, "no schema %q", r.PathValue("id")))
		return
	}
	s.writeJSON(w, http.StatusOK, s.schemaDoc(r, sc, s.baseURL(r)))
}

func (s *Server) schemaDoc(r *http.Request, sc *schema.Schema, base string) map[string]any {
	d := s.registryOf(r).SchemaDoc(sc)
	d["meta"] = map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + sc.ID}
	return d
}

func (s *Server) handleResourceTypeList(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	var docs []map[string]any
	for _, rt := range s.registryOf(r).ResourceTypes() {
		docs = append(docs, s.resourceTypeDoc(r, rt, base))
	}
	s.writeList(w, roster.Query{StartIndex: 1}, len(docs), docs, nil)
}

func (s *Server) handleResourceTypeGet(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.registryOf(r).ResourceType(r.PathValue("id"))
	if !ok {
		s.writeError(w, r, roster.Errorf(roster.ENOTFOUND, "no resource type %q", r.PathValue("id")))
		return
	}
	s.writeJSON(w, http.StatusOK, s.resourceTypeDoc(r, rt, s.baseURL(r)))
}

func (s *Server) resourceTypeDoc(r *http.Request, rt *schema.ResourceType, base string) map[string]any {
	d := s.registryOf(r).ResourceTypeDoc(rt)
	d["meta"] = map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/" + rt.ID}
	return d
}

// handleRootSearch searches users and groups together (RFC 7644 §3.4.3): the
// users come first, then the groups, paged as one list.
func (s *Server) handleRootSearch(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, err := s.bodyParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Cursor != nil {
		s.writeError(w, r, roster.Errorf(roster.EINVALID, "cursor pagination is not offered by the root search, which spans resource types: search /Users or /Groups"))
		return
	}
	uq, err := s.query(r, userType, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	gq, err := s.query(r, groupType, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base := s.baseURL(r)
	users, utotal, err := s.store.Users(r.Context(), tenant, uq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var docs []map[string]any
	for _, u := range users {
		docs = append(docs, s.project(r, userType, s.userDoc(r, u, base), p))
	}
	// The groups' page starts where the users ran out.
	gq.StartIndex = max(1, uq.StartIndex-utotal)
	gq.Count = uq.Count - len(users)
	groups, gtotal, err := s.store.Groups(r.Context(), tenant, gq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, g := range groups {
		docs = append(docs, s.project(r, groupType, groupDoc(g, base, !gq.WithoutMembers), p))
	}
	s.writeList(w, uq, utotal+gtotal, docs, nil)
}
