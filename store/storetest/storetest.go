package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// Run runs the suite; open must return a fresh, empty store and close it when t ends.
func Run(t *testing.T, open func(t *testing.T) roster.Store) {
	t.Run("Tenants", func(t *testing.T) { testTenants(t, open(t)) })
	t.Run("TenantPage", func(t *testing.T) { testTenantPage(t, open(t)) })
	t.Run("UserPage", func(t *testing.T) { testUserPage(t, open(t)) })
	t.Run("UserPageManyEmails", func(t *testing.T) { testUserPageManyEmails(t, open(t)) })
	t.Run("GroupPage", func(t *testing.T) { testGroupPage(t, open(t)) })
	t.Run("GroupMembers", func(t *testing.T) { testGroupMembers(t, open(t)) })
	t.Run("UserSessions", func(t *testing.T) { testUserSessions(t, open(t)) })
	t.Run("TenantStats", func(t *testing.T) { testTenantStats(t, open(t)) })
	t.Run("TenantCounts", func(t *testing.T) { testTenantCounts(t, open(t)) })
	t.Run("TenantSettings", func(t *testing.T) { testTenantSettings(t, open(t)) })
	t.Run("TenantDisplayName", func(t *testing.T) { testTenantDisplayName(t, open(t)) })
	t.Run("TenantDisabled", func(t *testing.T) { testTenantDisabled(t, open(t)) })
	t.Run("DeleteTenant", func(t *testing.T) { testDeleteTenant(t, open(t)) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open(t)) })
	t.Run("Operators", func(t *testing.T) { testOperators(t, open(t)) })
	t.Run("OperatorsConcurrent", func(t *testing.T) { testOperatorsConcurrent(t, open(t)) })
	t.Run("OperatorSessions", func(t *testing.T) { testOperatorSessions(t, open(t)) })
	t.Run("SetupLinks", func(t *testing.T) { testSetupLinks(t, open(t)) })
	t.Run("PublicURL", func(t *testing.T) { testPublicURL(t, open(t)) })
	t.Run("Health", func(t *testing.T) { testHealth(t, open(t)) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open(t)) })
	t.Run("AccessTokens", func(t *testing.T) { testAccessTokens(t, open(t)) })
	t.Run("UserCRUD", func(t *testing.T) { testUserCRUD(t, open(t)) })
	t.Run("UserDoc", func(t *testing.T) { testUserDoc(t, open(t)) })
	t.Run("UserNameUnique", func(t *testing.T) { testUserNameUnique(t, open(t)) })
	t.Run("UserNameConcurrent", func(t *testing.T) { testUserNameConcurrent(t, open(t)) })
	t.Run("Entitlements", func(t *testing.T) { testEntitlements(t, open(t)) })
	t.Run("UniqueValues", func(t *testing.T) { testUniqueValues(t, open(t)) })
	t.Run("UniqueValuesConcurrent", func(t *testing.T) { testUniqueConcurrent(t, open(t)) })
	t.Run("RetireUser", func(t *testing.T) { testRetireUser(t, open(t)) })
	t.Run("RestoreUser", func(t *testing.T) { testRestoreUser(t, open(t)) })
	t.Run("RestoreGroup", func(t *testing.T) { testRestoreGroup(t, open(t)) })
	t.Run("HeldPage", func(t *testing.T) { testHeldPage(t, open(t)) })
	t.Run("PatchPersistence", func(t *testing.T) { testPatchPersistence(t, open(t)) })
	t.Run("UserPreconditions", func(t *testing.T) { testUserPreconditions(t, open(t)) })
	t.Run("UserFilters", func(t *testing.T) { testUserFilters(t, open(t)) })
	t.Run("GroupFilters", func(t *testing.T) { testGroupFilters(t, open(t)) })
	t.Run("StoredDateTimes", func(t *testing.T) { testStoredDateTimes(t, open(t)) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, open(t)) })
	t.Run("Sort", func(t *testing.T) { testSort(t, open(t)) })
	t.Run("Groups", func(t *testing.T) { testGroups(t, open(t)) })
	t.Run("EachMember", func(t *testing.T) { testEachMember(t, open(t)) })
	t.Run("MemberBatches", func(t *testing.T) { testMemberBatches(t, open(t)) })
	t.Run("InvalidMembers", func(t *testing.T) { testInvalidMembers(t, open(t)) })
	t.Run("GroupPreconditions", func(t *testing.T) { testGroupPreconditions(t, open(t)) })
	t.Run("GroupNameUnique", func(t *testing.T) { testGroupNameUnique(t, open(t)) })
	t.Run("GroupNameConcurrent", func(t *testing.T) { testGroupNameConcurrent(t, open(t)) })
	t.Run("DeleteCascades", func(t *testing.T) { testDeleteCascades(t, open(t)) })
	t.Run("TenantIsolation", func(t *testing.T) { testTenantIsolation(t, open(t)) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open(t)) })
	t.Run("EventQueries", func(t *testing.T) { testEventQueries(t, open(t)) })
	t.Run("RecentEvents", func(t *testing.T) { testRecentEvents(t, open(t)) })
	t.Run("APIKeys", func(t *testing.T) { testAPIKeys(t, open(t)) })
	t.Run("APIKeyPage", func(t *testing.T) { testAPIKeyPage(t, open(t)) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open(t)) })
	t.Run("ProvisioningLog", func(t *testing.T) { testProvisioningLog(t, open(t)) })
	t.Run("LogRequestIDs", func(t *testing.T) { testLogRequestIDs(t, open(t)) })
	t.Run("LogFilters", func(t *testing.T) { testLogFilters(t, open(t)) })
	t.Run("LogAnyText", func(t *testing.T) { testLogAnyText(t, open(t)) })
	t.Run("LogSources", func(t *testing.T) { testLogSources(t, open(t)) })
	t.Run("EventsFollowed", func(t *testing.T) { testEventsFollowed(t, open(t)) })
	t.Run("ConcurrentWrites", func(t *testing.T) { testConcurrentWrites(t, open(t)) })
	t.Run("Policies", func(t *testing.T) { testPolicies(t, open(t)) })
	t.Run("PolicyVersions", func(t *testing.T) { testPolicyVersions(t, open(t)) })
	t.Run("Folders", func(t *testing.T) { testFolders(t, open(t)) })
	t.Run("Recompute", func(t *testing.T) { testRecompute(t, open(t)) })
	t.Run("OAuthClients", func(t *testing.T) { testOAuthClients(t, open(t)) })
	t.Run("OAuthClientPage", func(t *testing.T) { testOAuthClientPage(t, open(t)) })
	t.Run("SSOConnections", func(t *testing.T) { testSSOConnections(t, open(t)) })
	t.Run("TenantSelectors", func(t *testing.T) { testTenantSelectors(t, open(t)) })
	t.Run("IdentityLinks", func(t *testing.T) { testIdentityLinks(t, open(t)) })
	t.Run("SigningKeys", func(t *testing.T) { testSigningKeys(t, open(t)) })
	t.Run("AuthCodes", func(t *testing.T) { testAuthCodes(t, open(t)) })
	t.Run("UseOnce", func(t *testing.T) { testUseOnce(t, open(t)) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open(t)) })
	t.Run("PruneSignIn", func(t *testing.T) { testPruneSignIn(t, open(t)) })
	t.Run("LoginMethods", func(t *testing.T) { testLoginMethods(t, open(t)) })
}

// Schema URNs the fixtures use.
const (
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	customURN     = "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"
)

// resolve describes the fixtures' attributes as the schema registry would.
func resolve(p filter.AttrPath) (filter.Attr, bool) {
	name := strings.ToLower(p.Name)
	if p.Sub != "" {
		name += "." + strings.ToLower(p.Sub)
	}
	switch strings.ToLower(p.URN) {
	case "", strings.ToLower(filter.UserURN), strings.ToLower(filter.GroupURN):
	case strings.ToLower(enterpriseURN):
		name = "enterprise:" + name
	case strings.ToLower(customURN):
		name = "custom:" + name
	default:
		return filter.Attr{}, false
	}
	switch name {
	case "id", "externalid", "members.value", "enterprise:manager.value":
		return filter.Attr{Type: filter.String, CaseExact: true, MultiValued: strings.HasPrefix(name, "members")}, true
	case "username", "displayname", "title", "name.familyname", "name.givenname", "enterprise:department":
		return filter.Attr{Type: filter.String}, true
	case "active":
		return filter.Attr{Type: filter.Boolean}, true
	case "meta.created", "meta.lastmodified", "custom:hired":
		return filter.Attr{Type: filter.DateTime}, true
	case "emails", "members":
		return filter.Attr{Type: filter.Complex, MultiValued: true}, true
	case "emails.value", "emails.type", "members.type", "members.display":
		return filter.Attr{Type: filter.String, MultiValued: true}, true
	case "emails.primary":
		return filter.Attr{Type: filter.Boolean, MultiValued: true}, true
	case "custom:folders":
		return filter.Attr{Type: filter.String, MultiValued: true}, true
	case "custom:level":
		return filter.Attr{Type: filter.Integer}, true
	}
	return filter.Attr{}, false
}

// userSpec describes a fixture user; newUser derives the indexed fields from it
// the way the SCIM server does.
type userSpec struct {
	userName, displayName, externalID string
	inactive                          bool
	emails                            []roster.Email
	department                        string
	folders                           []string
	level                             int
	familyName, title                 string
}

func newUser(s userSpec) *roster.User {
	doc := map[string]any{
		"schemas":  []any{filter.UserURN},
		"userName": s.userName,
		"active":   !s.inactive,
	}
	if s.displayName != "" {
		doc["displayName"] = s.displayName
	}
	if s.externalID != "" {
		doc["externalId"] = s.externalID
	}
	if s.title != "" {
		doc["title"] = s.title
	}
	if s.familyName != "" {
		doc["name"] = map[string]any{"familyName": s.familyName}
	}
	if len(s.emails) > 0 {
		var es []any
		for _, e := range s.emails {
			es = append(es, map[string]any{"value": e.Value, "type": e.Type, "primary": e.Primary})
		}
		doc["emails"] = es
	}
	if s.department != "" {
		doc[enterpriseURN] = map[string]any{"department": s.department}
	}
	if s.folders != nil || s.level != 0 {
		ext := map[string]any{}
		if s.folders != nil {
			fs := []any{}
			for _, f := range s.folders {
				fs = append(fs, f)
			}
			ext["folders"] = fs
		}
		if s.level != 0 {
			ext["level"] = s.level
		}
		doc[customURN] = ext
	}
	return &roster.User{
		UserName:    s.userName,
		ExternalID:  s.externalID,
		DisplayName: s.displayName,
		Active:      !s.inactive,
		Emails:      s.emails,
		Doc:         doc,
	}
}

func newGroup(displayName string, memberIDs ...string) *roster.Group {
	g := &roster.Group{
		DisplayName: displayName,
		Doc:         map[string]any{"schemas": []any{filter.GroupURN}, "displayName": displayName},
	}
	for _, id := range memberIDs {
		g.Members = append(g.Members, roster.Member{ID: id})
	}
	return g
}

func mustTenant(t *testing.T, s roster.Store, name string) *roster.Tenant {
	t.Helper()
	tn := &roster.Tenant{Name: name}
	if err := s.CreateTenant(context.Background(), tn); err != nil {
		t.Fatalf("CreateTenant(%q) = %v", name, err)
	}
	return tn
}

func mustUser(t *testing.T, s roster.Store, tenantID string, spec userSpec) *roster.User {
	t.Helper()
	u := newUser(spec)
	if err := s.CreateUser(context.Background(), tenantID, u); err != nil {
		t.Fatalf("CreateUser(%q) = %v", spec.userName, err)
	}
	return u
}

func mustGroup(t *testing.T, s roster.Store, tenantID, displayName string, memberIDs ...string) *roster.Group {
	t.Helper()
	g := newGroup(displayName, memberIDs...)
	if err := s.CreateGroup(context.Background(), tenantID, g); err != nil {
		t.Fatalf("CreateGroup(%q) = %v", displayName, err)
	}
	return g
}

func mustParse(t *testing.T, s string) filter.Expr {
	t.Helper()
	e, err := filter.Parse(s)
	if err != nil {
		t.Fatalf("filter.Parse(%q) = %v", s, err)
	}
	return e
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := roster.ErrorCode(err); got != code {
		t.Fatalf("%s = %v (code %q), want code %q", what, err, got, code)
	}
}

// normal renders v as JSON and back, so that documents built in Go (int, []string)
// compare equal to documents read from a store (json.Number, []any).
func normal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var out any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatalf("json decode: %v", err)
	}
	return out
}

func userNames(us []*roster.User) []string {
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.UserName
	}
	return names
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func memberIDs(ms []roster.Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return sorted(ids)
}

// OneWinner checks the outcomes of concurrent attempts of which exactly one
// may succeed, the others failing with ECONFLICT, and returns the index of
// the one that succeeded (-1 when none did).
func OneWinner(t testing.TB, what string, errs []error) int {
	t.Helper()
	winner, ok := -1, 0
	for i, err := range errs {
		switch roster.ErrorCode(err) {
		case "":
			winner = i
			ok++
		case roster.ECONFLICT:
		default:
			t.Errorf("%s %d = %v, want success or %s", what, i, err, roster.ECONFLICT)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent %s succeeded, want 1", ok, len(errs), what)
	}
	return winner
}
