package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
)

// TestUnreachable stops the PostgreSQL server under an open store: every
// method answers EUNAVAILABLE with the reason store_unavailable, never an
// internal error, and the same store serves again once the server is back.
// The server is a private one (testdb.NewCluster), since stopping the shared
// one would fail other tests.
func TestUnreachable(t *testing.T) {
	c := testdb.NewCluster(t)
	db := open(t, c.URL())
	ctx := context.Background()
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	u := &roster.User{UserName: "ada@example.com"}
	if err := db.CreateUser(ctx, tn.ID, u); err != nil {
		t.Fatal(err)
	}
	g := &roster.Group{DisplayName: "Ops"}
	if err := db.CreateGroup(ctx, tn.ID, g); err != nil {
		t.Fatal(err)
	}

	c.Stop(t)
	now := time.Now()
	for _, tt := range []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return db.Ping(ctx) }},
		{"Tenant", func() error { _, err := db.Tenant(ctx, tn.ID); return err }},
		{"Tenants", func() error { _, err := db.Tenants(ctx); return err }},
		{"TokensByPrefix", func() error { _, err := db.TokensByPrefix(ctx, "rst_abcd"); return err }},
		{"ConfigVersion", func() error { _, err := db.ConfigVersion(ctx, tn.ID); return err }},
		{"CreateUser", func() error { return db.CreateUser(ctx, tn.ID, &roster.User{UserName: "bob@example.com"}) }},
		{"User", func() error { _, err := db.User(ctx, tn.ID, u.ID); return err }},
		{"Users", func() error { _, _, err := db.Users(ctx, tn.ID, roster.Query{Count: 10, StartIndex: 1}); return err }},
		{"ReplaceUser", func() error { return db.ReplaceUser(ctx, tn.ID, u, u.Version) }},
		{"DeleteUser", func() error { return db.DeleteUser(ctx, tn.ID, u.ID, 0) }},
		{"CreateGroup", func() error { return db.CreateGroup(ctx, tn.ID, &roster.Group{DisplayName: "Dev"}) }},
		{"Group", func() error { _, err := db.Group(ctx, tn.ID, g.ID, false); return err }},
		{"Groups", func() error { _, _, err := db.Groups(ctx, tn.ID, roster.Query{Count: 10, StartIndex: 1}); return err }},
		{"UpdateGroup", func() error {
			return db.UpdateGroup(ctx, tn.ID, g, false, []roster.MemberChange{{Op: roster.MembersAdd, IDs: []string{u.ID}}}, 0)
		}},
		{"EachMember", func() error { return db.EachMember(ctx, tn.ID, g.ID, func(roster.Member) error { return nil }) }},
		{"SetPolicy", func() error { _, err := db.SetPolicy(ctx, tn.ID, []byte(`{}`), 0, ""); return err }},
		{"Events", func() error { _, err := db.Events(ctx, roster.EventQuery{Limit: 10}); return err }},
		{"AppendLog", func() error { return db.AppendLog(ctx, []*roster.LogEntry{{Time: now, Method: "GET"}}) }},
		{"Log", func() error { _, err := db.Log(ctx, roster.LogQuery{Limit: 10}); return err }},
		{"Webhooks", func() error { _, err := db.Webhooks(ctx); return err }},
		{"SigningKeys", func() error { _, err := db.SigningKeys(ctx); return err }},
		{"Session", func() error { _, err := db.Session(ctx, tn.ID, "s"); return err }},
		{"TouchTokens", func() error { return db.TouchTokens(ctx, map[string]time.Time{"t": now}) }},
	} {
		err := tt.call()
		var re *roster.Error
		if roster.ErrorCode(err) != roster.EUNAVAILABLE || !errors.As(err, &re) || re.Reason != "store_unavailable" {
			t.Errorf("%s with the server down = %v (code %q), want %s (store_unavailable)", tt.name, err, roster.ErrorCode(err), roster.EUNAVAILABLE)
		}
	}

	c.Start(t)
	if _, err := db.User(ctx, tn.ID, u.ID); err != nil {
		t.Errorf("User once the server is back = %v", err)
	}
	if err := db.CreateUser(ctx, tn.ID, &roster.User{UserName: "bob@example.com"}); err != nil {
		t.Errorf("CreateUser once the server is back = %v", err)
	}
}
