package main

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// TestOperatorService creates operators through the admin service over a
// real store, with their rules: the email's shape, the role, the password's
// length; it authenticates them without telling an unknown email from a
// wrong password, records the sign-in, refuses to remove the last admin, and
// writes audit rows that hold no password or hash.
func TestOperatorService(t *testing.T) { forEachStore(t, testOperatorService) }

func testOperatorService(t *testing.T, db string) {
	ctx := admin.WithActor(context.Background(), admin.Actor{Kind: "cli", Name: "test"})
	st, err := openStore(ctx, Config{DB: db}, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := admin.New(st, time.Now, slog.New(slog.DiscardHandler))

	const password = "correct horse battery"
	for _, c := range []struct{ email, role, password string }{
		{"", "admin", password},
		{"ada", "admin", password},
		{"ada@localhost", "admin", password},
		{"Ada <ada@example.com>", "admin", password},
		{"ada @example.com", "admin", password},
		{"adà@example.com", "admin", password},
		{strings.Repeat("a", 250) + "@example.com", "admin", password},
		{"ada@example.com", "root", password},
		{"ada@example.com", "", password},
		{"ada@example.com", "admin", "short pass!"},
		{"ada@example.com", "admin", strings.Repeat("x", 257)},
	} {
		if _, err := svc.CreateOperator(ctx, c.email, c.role, c.password); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("CreateOperator(%q, %q, %d bytes) = %v, want EINVALID", c.email, c.role, len(c.password), err)
		}
	}
	ada, err := svc.CreateOperator(ctx, "Ada@Example.com", "admin", password)
	if err != nil {
		t.Fatalf("CreateOperator(ada) = %v", err)
	}
	if _, err := svc.CreateOperator(ctx, "bob@example.com", "viewer", strings.Repeat("é", 12)); err != nil {
		t.Fatalf("CreateOperator(bob, 12 characters) = %v", err)
	}
	if _, err := svc.CreateOperator(ctx, "ada@example.COM", "viewer", password); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Errorf("CreateOperator(ada again, in another case) = %v, want ECONFLICT", err)
	}

	// A wrong password and an unknown email get the same answer.
	_, wrong := svc.AuthenticateOperator(ctx, "ada@example.com", "wrong horse battery")
	_, unknown := svc.AuthenticateOperator(ctx, "nobody@example.com", password)
	if roster.ErrorCode(wrong) != roster.EUNAUTHORIZED || wrong.Error() != unknown.Error() {
		t.Errorf("wrong password = %v, unknown email = %v; want one EUNAUTHORIZED", wrong, unknown)
	}
	// An unknown email costs an argon2id hash (19 MiB) as a known one does.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	svc.AuthenticateOperator(ctx, "nobody@example.com", password)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got < 16<<20 {
		t.Errorf("authenticating an unknown email allocated %d bytes: want a password hash's 19 MiB", got)
	}
	if o, err := svc.AuthenticateOperator(ctx, "ADA@example.com", password); err != nil || o.ID != ada.ID || o.PasswordHash != "" {
		t.Fatalf("AuthenticateOperator(ada) = %+v, %v; want ada without her hash", o, err)
	}
	ops, err := svc.Operators(ctx)
	if err != nil || len(ops) != 2 {
		t.Fatalf("Operators = %v, %v", ops, err)
	}
	if ops[0].LastSignIn.IsZero() || !ops[1].LastSignIn.IsZero() || ops[0].PasswordHash != "" {
		t.Errorf("Operators = %+v, %+v; want ada's sign-in recorded, bob's none, no hash", ops[0], ops[1])
	}

	// A new password replaces the old one.
	if err := svc.SetOperatorPassword(ctx, "ada@example.com", "short"); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("SetOperatorPassword(short) = %v, want EINVALID", err)
	}
	const newPassword = "staple battery horse"
	if err := svc.SetOperatorPassword(ctx, "ada@example.com", newPassword); err != nil {
		t.Fatalf("SetOperatorPassword = %v", err)
	}
	if _, err := svc.AuthenticateOperator(ctx, "ada@example.com", password); roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		t.Errorf("the old password = %v, want EUNAUTHORIZED", err)
	}
	if _, err := svc.AuthenticateOperator(ctx, "ada@example.com", newPassword); err != nil {
		t.Errorf("the new password = %v", err)
	}

	if err := svc.RemoveOperator(ctx, "ada@example.com"); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Errorf("RemoveOperator(the last admin) = %v, want ECONFLICT", err)
	}
	if err := svc.RemoveOperator(ctx, "BOB@example.com"); err != nil {
		t.Errorf("RemoveOperator(bob) = %v", err)
	}
	if err := svc.RemoveOperator(ctx, "bob@example.com"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RemoveOperator(bob again) = %v, want ENOTFOUND", err)
	}

	es, err := svc.Audit(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
		for _, leak := range []string{password, newPassword, "argon2id"} {
			if strings.Contains(string(e.Before)+string(e.After), leak) {
				t.Errorf("audit row %s holds %q: %s %s", e.Action, leak, e.Before, e.After)
			}
		}
	}
	if got, want := strings.Join(actions, " "), "operator.remove operator.password operator.create operator.create"; got != want {
		t.Errorf("audit actions = %s, want %s", got, want)
	}
}
