package postgres

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/scim/filter"
)

// roundTrips counts the round trips on the connections it dialled: a read
// that follows a write is the server's answer to what was sent.
type roundTrips struct{ n atomic.Int64 }

type countedConn struct {
	net.Conn
	rt    *roundTrips
	wrote bool
}

func (c *countedConn) Write(b []byte) (int, error) {
	c.wrote = true
	return c.Conn.Write(b)
}

func (c *countedConn) Read(b []byte) (int, error) {
	if c.wrote {
		c.wrote = false
		c.rt.n.Add(1)
	}
	return c.Conn.Read(b)
}

// TestWriteRoundTrips counts the round trips of the SCIM writes Entra sends
// most, and of its lookup, on a warm connection (its statements prepared), between the write
// and the server: the sequencer's run, on a connection of its own, is not
// counted. The counts are what docs/performance.md reports.
func TestWriteRoundTrips(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, testdb.Postgres(t))
	rt := &roundTrips{}
	cfg := db.pool.Config()
	cfg.MaxConns = 1
	var d net.Dialer
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: c, rt: rt}, nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	db.pool.Close()
	db.pool = pool
	tn := &roster.Tenant{Name: "acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	guard := roster.DeprovisionGuard{Max: 1000, Window: time.Hour}
	user := func(i int, active bool) *roster.User {
		name := fmt.Sprintf("u%d@example.com", i)
		return &roster.User{UserName: name, Active: active, Entitlements: roster.Entitlements{Active: active},
			Emails: []roster.Email{{Value: name, Type: "work", Primary: true}},
			Doc:    map[string]any{"userName": name, "active": active, "emails": []any{map[string]any{"value": name}}}}
	}
	writes := []struct {
		name string
		want int64
		fn   func(i int) error
	}{
		{"create", 1, func(i int) error { return db.CreateUser(ctx, tn.ID, user(i, true)) }},
		{"create with a unique value", 2, func(i int) error {
			u := user(i, true)
			u.Unique = map[string]string{"employeeNumber": fmt.Sprint(i)}
			return db.CreateUser(ctx, tn.ID, u)
		}},
		{"replace (PATCH), emails changed", 2, func(i int) error {
			u := user(i, true)
			if err := db.CreateUser(ctx, tn.ID, u); err != nil {
				return err
			}
			rt.n.Store(0)
			u.Emails[0].Value = "new-" + u.UserName
			_, err := db.ReplaceUserGuarded(ctx, tn.ID, u, u.Version, guard)
			return err
		}},
		{"deactivate, guarded", 2, func(i int) error {
			u := user(i, true)
			if err := db.CreateUser(ctx, tn.ID, u); err != nil {
				return err
			}
			rt.n.Store(0)
			u.Active, u.Entitlements.Active = false, false
			_, err := db.ReplaceUserGuarded(ctx, tn.ID, u, u.Version, guard)
			return err
		}},
		{"Entra's userName lookup", 1, func(int) error {
			e, err := filter.Parse(`userName eq "U1@example.com"`)
			if err != nil {
				return err
			}
			str := func(filter.AttrPath) (filter.Attr, bool) { return filter.Attr{Type: filter.String}, true }
			users, total, err := db.Users(ctx, tn.ID, roster.Query{Filter: e, Resolve: str, StartIndex: 1, Count: 100})
			if err == nil && (len(users) != 1 || total != 1) {
				err = fmt.Errorf("found %d of %d users, want 1", len(users), total)
			}
			return err
		}},
		{"delete, guarded", 2, func(i int) error {
			u := user(i, true)
			if err := db.CreateUser(ctx, tn.ID, u); err != nil {
				return err
			}
			rt.n.Store(0)
			_, err := db.DeleteUserGuarded(ctx, tn.ID, u.ID, u.Version, false, guard)
			return err
		}},
	}
	i := 0
	for _, w := range writes {
		// The first writes prepare the statements on the connection.
		for range 3 {
			i++
			if err := w.fn(i); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
		}
		i++
		rt.n.Store(0)
		if err := w.fn(i); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		got := rt.n.Load()
		t.Logf("%s: %d round trips", w.name, got)
		if got > w.want {
			t.Errorf("%s took %d round trips, want at most %d", w.name, got, w.want)
		}
	}
}
