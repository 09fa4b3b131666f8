package roster_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeafPackages keeps the SCIM protocol packages free of HTTP and SQL: they
// are pure functions over documents, shared by the server and every store.
func TestLeafPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}",
		"./scim/filter", "./scim/patch", "./scim/schema").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "net/http", dep == "database/sql", strings.HasPrefix(dep, "github.com/rosterhq/roster/store"),
			dep == "github.com/rosterhq/roster", strings.HasPrefix(dep, "github.com/rosterhq/roster/scim/server"):
			t.Errorf("a scim leaf package depends on %s", dep)
		case strings.Contains(dep, ".") && !strings.HasPrefix(dep, "github.com/rosterhq/roster/scim/"):
			t.Errorf("a scim leaf package depends on the third-party package %s", dep)
		}
	}
}

// TestClientPackage keeps the host applications' client on the standard
// library alone: importing it brings none of Roster's server code.
func TestClientPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./client").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(strings.SplitN(dep, "/", 2)[0], ".") && dep != "github.com/rosterhq/roster/client" {
			t.Errorf("package client depends on %s", dep)
		}
	}
}

// TestLoadTool keeps the load tool a plain SCIM client of a running server:
// cmd/roster-bench is built from the standard library alone, so it links none
// of Roster's server or store code and the production binary none of it.
func TestLoadTool(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./cmd/roster-bench").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(strings.SplitN(dep, "/", 2)[0], ".") && dep != "github.com/rosterhq/roster/cmd/roster-bench" {
			t.Errorf("cmd/roster-bench depends on %s", dep)
		}
	}
}

// TestOpenAPIValidatorTestOnly keeps the OpenAPI validator out of the server:
// the binary embeds and serves the app API's document, and only the tests
// (through api/apitest) check traffic against it.
func TestOpenAPIValidatorTestOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./cmd/roster").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/getkin/") || dep == "github.com/rosterhq/roster/api/apitest" {
			t.Errorf("cmd/roster depends on %s", dep)
		}
	}
}
