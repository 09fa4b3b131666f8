package sso

import (
	"slices"
	"testing"

	"github.com/rosterhq/roster"
)

// TestSignInActions: the actions of sign-in's log rows are those the log's
// queries take for sign-ins (roster.LogQuery.SCIM leaves them out).
func TestSignInActions(t *testing.T) {
	for _, a := range []string{ActionSignIn, ActionUserInfo} {
		if !slices.Contains(roster.SignInActions, a) {
			t.Errorf("roster.SignInActions %v lacks %q", roster.SignInActions, a)
		}
	}
}
