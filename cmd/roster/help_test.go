package main

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// commandTree reads from the source of package main the commands run
// dispatches and, for each, the subcommands its function switches on
// (switch args[0] / args[0] == "..."), so that a command added without help
// is found.
func commandTree(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	funcs := map[string]*ast.FuncDecl{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil {
				funcs[fn.Name.Name] = fn
			}
		}
	}
	tree := map[string][]string{}
	ast.Inspect(funcs["run"], func(n ast.Node) bool {
		sw, ok := n.(*ast.SwitchStmt)
		if !ok || !isIdent(sw.Tag, "cmd") {
			return true
		}
		for _, c := range sw.Body.List {
			clause := c.(*ast.CaseClause)
			handler := calledRun(clause)
			for _, e := range clause.List {
				name := stringLit(e)
				if name == "" || name == "help" || strings.HasPrefix(name, "-") {
					continue
				}
				if handler == "" {
					t.Fatalf("run: case %q calls no run function", name)
				}
				tree[name] = subcommandsOf(funcs[handler])
			}
		}
		return false
	})
	return tree
}

// calledRun returns the name of the runX function a case of run's switch
// returns the result of.
func calledRun(clause *ast.CaseClause) string {
	for _, s := range clause.Body {
		if ret, ok := s.(*ast.ReturnStmt); ok && len(ret.Results) == 1 {
			if call, ok := ret.Results[0].(*ast.CallExpr); ok {
				if id, ok := call.Fun.(*ast.Ident); ok && strings.HasPrefix(id.Name, "run") {
					return id.Name
				}
			}
		}
	}
	return ""
}

// subcommandsOf returns the strings fn compares args[0] with, in switches and
// in ==.
func subcommandsOf(fn *ast.FuncDecl) []string {
	var subs []string
	add := func(e ast.Expr) {
		if s := stringLit(e); s != "" && !slices.Contains(subs, s) {
			subs = append(subs, s)
		}
	}
	ast.Inspect(fn, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SwitchStmt:
			if isArg0(n.Tag) {
				for _, c := range n.Body.List {
					for _, e := range c.(*ast.CaseClause).List {
						add(e)
					}
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL && isArg0(n.X) {
				add(n.Y)
			}
		}
		return true
	})
	return subs
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// isArg0 reports whether e is args[0].
func isArg0(e ast.Expr) bool {
	ix, ok := e.(*ast.IndexExpr)
	if !ok || !isIdent(ix.X, "args") {
		return false
	}
	lit, ok := ix.Index.(*ast.BasicLit)
	return ok && lit.Value == "0"
}

func stringLit(e ast.Expr) string {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return ""
	}
	s, _ := strconv.Unquote(lit.Value)
	return s
}

// TestHelpEverywhere walks the whole command tree and asks every command and
// subcommand for its help: each answers with no error (exit 0), on stdout,
// with a usage line naming its positional arguments, and an example; a group
// lists its subcommands. Help opens no database, and prints the database's
// default without its password.
func TestHelpEverywhere(t *testing.T) {
	tree := commandTree(t)
	if len(tree) < 15 || !slices.Contains(tree["tenant"], "create") || !slices.Contains(tree["webhook"], "replay") {
		t.Fatalf("the command tree read from the source looks wrong: %v", tree)
	}
	// A database help must not open: db.invalid does not resolve.
	env := map[string]string{"ROSTER_DB": "postgres://roster:hunter2secret@db.invalid:5432/roster"}
	help := func(t *testing.T, args ...string) string {
		t.Helper()
		var stdout, stderr strings.Builder
		err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
		if err != nil {
			t.Fatalf("roster %s: %v (exit 2)\nstderr:\n%s", strings.Join(args, " "), err, stderr.String())
		}
		out := stdout.String()
		if stderr.Len() != 0 {
			t.Errorf("roster %s wrote to stderr:\n%s", strings.Join(args, " "), stderr.String())
		}
		if strings.Contains(out, "hunter2secret") {
			t.Errorf("roster %s printed the database password:\n%s", strings.Join(args, " "), out)
		}
		return out
	}
	// Positional arguments the usage lines must name.
	positional := map[string]string{
		"tenant create": "NAME", "tenant delete": "NAME --confirm NAME", "token revoke": "ID", "apikey revoke": "ID",
		"policy set": "FILE", "policy test": "USER.json", "folder update": "ID", "webhook replay": "ID",
		"client revoke": "ID", "user login-method": "USER idp|password|either", "user set-password": "USER",
		"user restore": "USER", "user purge": "USER", "tenant disable": "NAME", "tenant enable": "NAME",
		"setup-link revoke": "ID", "folder delete": "ID", "webhook remove": "ID", "webhook test": "ID",
		"webhook deliveries": "ID", "webhook resume": "ID",
	}
	for cmd, subs := range tree {
		t.Run(cmd, func(t *testing.T) {
			out := help(t, cmd, "--help")
			if len(subs) == 0 {
				wantHelp(t, cmd, out, positional[cmd])
				return
			}
			if !strings.HasPrefix(out, "Usage: roster "+cmd+" SUBCOMMAND") || !strings.Contains(out, "\nExample:\n  roster "+cmd+" ") {
				t.Errorf("roster %s --help: no usage line or example:\n%s", cmd, out)
			}
			for _, sub := range subs {
				path := cmd + " " + sub
				if !strings.Contains(out, "\n  roster "+path) {
					t.Errorf("roster %s --help does not list %s:\n%s", cmd, sub, out)
				}
				wantHelp(t, path, help(t, cmd, sub, "--help"), positional[path])
			}
		})
	}
	// roster help COMMAND [SUBCOMMAND] is the same as --help.
	if a, b := help(t, "help", "token", "create"), help(t, "token", "create", "--help"); a != b {
		t.Errorf("roster help token create printed\n%s\nroster token create --help\n%s", a, b)
	}
}

// wantHelp checks the help of the command path: a usage line naming
// positional (when given), a sentence, and an example of the command.
func wantHelp(t *testing.T, path, out, positional string) {
	t.Helper()
	usage, _, _ := strings.Cut(out, "\n")
	if !strings.HasPrefix(usage, "Usage: roster "+path) || !strings.Contains(usage, positional) {
		t.Errorf("roster %s --help: usage line %q, want roster %s … %s", path, usage, path, positional)
	}
	if d, ok := findDoc(path); !ok || d.summary == "" {
		t.Errorf("roster %s: no doc in commandDocs", path)
	}
	if !strings.Contains(out, "\nExample:\n  roster "+path) {
		t.Errorf("roster %s --help: no example:\n%s", path, out)
	}
}

// TestUnknownFlag gives commands a flag they do not have: the error (exit 2)
// names the nearest flag they have, when one is near.
func TestUnknownFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "": no suggestion
	}{
		{[]string{"token", "create", "--tenat", "acme"}, "did you mean --tenant?"},
		{[]string{"token", "create", "--tenant", "acme", "-expire=90d"}, "did you mean --expires?"},
		{[]string{"serve", "--admin-adr", "127.0.0.1:0"}, "did you mean --admin-addr?"},
		{[]string{"log", "--stat", "4xx"}, "did you mean --status?"},
		{[]string{"tenant", "list", "--colour"}, ""},
	} {
		var stdout, stderr strings.Builder
		err := run(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("roster %s = %v, want a usage error", strings.Join(tc.args, " "), err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(stderr.String(), msg) || !strings.Contains(msg, "not defined") {
			t.Errorf("roster %s: error %q, stderr:\n%s\nwant the error on stderr", strings.Join(tc.args, " "), msg, stderr.String())
		}
		if tc.want == "" && strings.Contains(msg, "did you mean") || !strings.Contains(msg, tc.want) {
			t.Errorf("roster %s: %q, want %q", strings.Join(tc.args, " "), msg, tc.want)
		}
	}
}

// TestUnknownCommand mistypes commands and subcommands: the error lists the
// subcommands there are and names the nearest, when one is near.
func TestUnknownCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "": no suggestion
	}{
		{[]string{"tenat"}, `unknown command "tenat"; did you mean tenant?`},
		{[]string{"tenant", "crete"}, "want create, list, get, update, disable, enable or delete; did you mean create?"},
		{[]string{"webhook", "lst"}, "did you mean list?"},
		{[]string{"setup-link", "revok"}, "did you mean revoke?"},
		{[]string{"user", "restor", "--tenant", "acme", "ada"}, "did you mean restore?"},
		{[]string{"group", "bogus"}, `group: unknown subcommand "bogus": want list, get, restore or purge`},
		{[]string{"zzzz"}, ""},
	} {
		var stdout, stderr strings.Builder
		err := run(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
		if err == nil {
			t.Errorf("roster %s succeeded", strings.Join(tc.args, " "))
			continue
		}
		msg := err.Error() + "\n" + stderr.String()
		if tc.want == "" && strings.Contains(msg, "did you mean") || !strings.Contains(msg, tc.want) {
			t.Errorf("roster %s: %q, want %q", strings.Join(tc.args, " "), msg, tc.want)
		}
	}
}
