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

// TestOperatorCommands drives the operator commands while the server runs:
// passwords come from stdin only, never empty; the list shows each operator's
// role, creation and last sign-in; the last admin stays; the audit trail has
// each change and no password or hash.
func TestOperatorCommands(t *testing.T) { forEachStore(t, testOperatorCommands) }

func testOperatorCommands(t *testing.T, db string) {
	s := startServer(t, db)
	const password, newPassword = "correct horse battery", "staple battery horse"
	for _, in := range []string{"", "\n", "\r\n"} {
		withStdin(t, in, func() {
			if err := s.cliErr(t, "operator", "create", "--email", "ada@example.com", "--role", "admin"); roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), "stdin") {
				t.Errorf("operator create with stdin %q = %v, want EINVALID asking for the password on stdin", in, err)
			}
		})
	}
	withStdin(t, password+"\n", func() {
		if err := s.cliErr(t, "operator", "create", "--email", "ada@example.com", "--password", password); !strings.Contains(err.Error(), "not defined") {
			t.Errorf("operator create --password = %v, want the flag refused", err)
		}
	})
	withStdin(t, password+"\n", func() {
		if out := s.cli(t, "operator", "create", "--email", "Ada@Example.com", "--role", "admin"); strings.Contains(out, password) {
			t.Errorf("operator create printed the password: %s", out)
		}
	})
	withStdin(t, password, func() { s.cli(t, "operator", "create", "--email", "bob@example.com") })
	withStdin(t, password+"\n", func() {
		if err := s.cliErr(t, "operator", "create", "--email", "ADA@example.com"); roster.ErrorCode(err) != roster.ECONFLICT {
			t.Errorf("operator create of ada in another case = %v, want ECONFLICT", err)
		}
	})
	withStdin(t, "short\n", func() {
		if err := s.cliErr(t, "operator", "create", "--email", "cy@example.com"); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("operator create with a short password = %v, want EINVALID", err)
		}
	})

	svc := admin.New(s.openStore(t), time.Now, slog.New(slog.DiscardHandler))
	if _, err := svc.AuthenticateOperator(context.Background(), "ada@example.com", password); err != nil {
		t.Fatalf("AuthenticateOperator(ada) = %v", err)
	}
	list := strings.Split(strings.TrimSpace(s.cli(t, "operator", "list")), "\n")
	if len(list) != 3 || strings.Join(strings.Fields(list[0]), " ") != "EMAIL ROLE CREATED LAST SIGN-IN" {
		t.Fatalf("operator list:\n%s", strings.Join(list, "\n"))
	}
	ada, bob := strings.Fields(list[1]), strings.Fields(list[2])
	if ada[0] != "Ada@Example.com" || ada[1] != "admin" || ada[3] == "never" || bob[0] != "bob@example.com" || bob[1] != "viewer" || bob[3] != "never" {
		t.Errorf("operator list:\n%s", strings.Join(list, "\n"))
	}

	withStdin(t, newPassword+"\n", func() { s.cli(t, "operator", "password", "--email", "ada@example.com") })
	if _, err := svc.AuthenticateOperator(context.Background(), "ada@example.com", newPassword); err != nil {
		t.Errorf("AuthenticateOperator(ada, new password) = %v", err)
	}
	withStdin(t, "", func() {
		if err := s.cliErr(t, "operator", "password", "--email", "ada@example.com"); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("operator password with nothing on stdin = %v, want EINVALID", err)
		}
	})
	if err := s.cliErr(t, "operator", "remove", "--email", "ada@example.com"); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Errorf("operator remove of the last admin = %v, want ECONFLICT", err)
	}
	s.cli(t, "operator", "remove", "--email", "bob@example.com")
	if err := s.cliErr(t, "operator", "remove", "--email", "nobody@example.com"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("operator remove of nobody = %v, want ENOTFOUND", err)
	}
	if list := strings.TrimSpace(s.cli(t, "operator", "list")); strings.Contains(list, "bob@") || !strings.Contains(list, "Ada@") {
		t.Errorf("operator list after removing bob:\n%s", list)
	}

	audit := s.cli(t, "audit")
	for _, leak := range []string{password, newPassword, "argon2id"} {
		if strings.Contains(audit, leak) {
			t.Errorf("the audit trail holds %q:\n%s", leak, audit)
		}
	}
	for _, want := range []string{"operator.create", "operator.password", "operator.remove", `"email":"bob@example.com"`, cliActor().String()} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit trail lacks %s:\n%s", want, audit)
		}
	}
}
