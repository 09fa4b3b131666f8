package admin_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newClockedService returns an admin service over a fresh SQLite file, on clk.
func newClockedService(t *testing.T, clk *clock) (*admin.Service, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), testdb.SQLitePath(t), sqlite.Options{Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return admin.New(db, clk.now, slog.New(slog.DiscardHandler)), db
}

func TestSessions(t *testing.T) {
	ctx := admin.WithActor(context.Background(), admin.Actor{Kind: "cli", Name: "test"})
	clk := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	svc, db := newClockedService(t, clk)
	const pw = "correct horse battery"
	if _, err := svc.CreateOperator(ctx, "ada@example.com", roster.OperatorAdmin, pw); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.StartSession(ctx, "ada@example.com", "wrong password!", "127.0.0.1"); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Fatalf("StartSession(wrong password) = %v, want EUNAUTHORIZED", err)
	}
	secret, o, err := svc.StartSession(ctx, "ADA@example.com", pw, "127.0.0.1")
	if err != nil || o.Email != "ada@example.com" {
		t.Fatalf("StartSession = %v, %v", o, err)
	}
	if len(secret) < 40 {
		t.Fatalf("session secret %q is short", secret)
	}
	if got, err := svc.Session(ctx, secret); err != nil || got.ID != o.ID || got.PasswordHash != "" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if _, err := svc.Session(ctx, secret+"x"); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Fatalf("Session(other secret) = %v, want EUNAUTHORIZED", err)
	}
	if admin.FormToken(secret) == admin.FormToken(secret+"x") || admin.FormToken(secret) == secret {
		t.Fatal("FormToken does not depend on the secret alone")
	}

	// Used every 20 minutes, the session lives until its absolute bound.
	for range 40 {
		clk.add(20 * time.Minute)
		if _, err := svc.Session(ctx, secret); err != nil {
			if clk.now().Sub(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)) <= admin.SessionAbsolute {
				t.Fatalf("Session after %v of use = %v", clk.now().Sub(o.LastSignIn), err)
			}
			break
		}
	}
	if _, err := svc.Session(ctx, secret); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Fatalf("Session past the absolute bound = %v, want EUNAUTHORIZED", err)
	}

	// Idle past its bound, a session ends.
	secret, _, err = svc.StartSession(ctx, "ada@example.com", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	clk.add(admin.SessionIdle + time.Second)
	if _, err := svc.Session(ctx, secret); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Fatalf("Session idle past its bound = %v, want EUNAUTHORIZED", err)
	}

	// Signing out and changing the password end sessions.
	s1, _, _ := svc.StartSession(ctx, "ada@example.com", pw, "127.0.0.1")
	s2, _, _ := svc.StartSession(ctx, "ada@example.com", pw, "127.0.0.1")
	if err := svc.EndSession(ctx, s1); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, s1); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Fatalf("Session after sign-out = %v", err)
	}
	if _, err := svc.Session(ctx, s2); err != nil {
		t.Fatalf("the other session after sign-out = %v", err)
	}
	if err := svc.SetOperatorPassword(ctx, "ada@example.com", "another long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, s2); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Fatalf("Session after a password change = %v", err)
	}

	rows, err := db.Audit(ctx, roster.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var signIns int
	for _, e := range rows {
		if e.Action == "operator.sign_in" {
			signIns++
			if e.Actor != "operator:ada@example.com" || e.Source != "127.0.0.1" {
				t.Errorf("sign-in audited as %s from %q", e.Actor, e.Source)
			}
		}
	}
	if signIns != 4 {
		t.Errorf("%d sign-ins audited, want 4", signIns)
	}
}
