package main

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestSimulate plays each directory against a fresh server with roster
// simulate: every request is answered as the directory expects, the printed
// table carries the provisioning log's verdict on each, the token the run
// issued is revoked after it, and the host app's feed holds the expected
// events in order.
func TestSimulate(t *testing.T) {
	for _, tc := range []struct {
		idp    string
		events []string
		log    []string // verdicts the table must show
	}{
		{"entra", []string{
			"user.created", "user.created", "user.created", "user.created",
			"group.created", "group.members_added", "group.created", "group.members_added",
			"user.updated", "user.updated", "group.members_removed", "user.deactivated", "user.deleted",
		}, []string{"test-connection", "lookup", "create", "members-add", "update", "members-remove", "deactivate", "delete"}},
		{"okta", []string{
			"user.created", "user.created", "user.created", "user.created",
			"group.created", "group.members_added", "group.created", "group.members_added",
			"user.updated", "user.updated", "group.members_removed", "group.updated", "user.deactivated", "group.deleted",
		}, []string{"test-connection", "lookup", "create", "members-add", "replace", "members-remove", "update", "deactivate", "delete"}},
	} {
		t.Run(tc.idp, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, db string) {
				s := startServer(t, db)
				var stdout, stderr strings.Builder
				args := []string{"simulate", "--idp", tc.idp, "--tenant", "default", "--users", "4", "--groups", "2", "--seed", "7",
					"--url", strings.TrimSuffix(s.base, "/scim/v2"), "--db", s.db}
				if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
					t.Fatalf("roster simulate: %v\n%s%s", err, stdout.String(), stderr.String())
				}
				out := stdout.String()
				for _, v := range tc.log {
					if !strings.Contains(out, "  "+v) {
						t.Errorf("the table has no step the log calls %s:\n%s", v, out)
					}
				}
				if strings.Contains(out, "not in the provisioning log") {
					t.Errorf("a step has no verdict:\n%s", out)
				}
				if tokens := s.cli(t, "token", "list", "--tenant", "default"); !strings.Contains(tokens, "roster simulate") ||
					!strings.Contains(tokens[strings.Index(tokens, "roster simulate"):], "revoked") {
					t.Errorf("the run's token is not revoked:\n%s", tokens)
				}
				key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
				var got []string
				for _, e := range get(s.app(t, key, "/events?limit=1000").want(t, 200).body, "data").([]any) {
					got = append(got, str(e, "type"))
				}
				if !slices.Equal(got, tc.events) {
					t.Errorf("events:\n got %v\nwant %v", got, tc.events)
				}
			})
		})
	}
}
