package roster

import "context"

// Drift is one attribute of a user whose value in the app differs from what
// the IdP last sent: one the tenant's policy gives the app, or takes from the
// IdP at create only.
type Drift struct {
	UserID   string
	UserName string
	// Attribute is its path: "title", "urn:…:enterprise:2.0:User:department".
	Attribute string
	// Mode is who writes it under the tenant's policy: "app" or "create-only".
	Mode string
	App  any // nil when the app holds none
	IdP  any // nil when the IdP sent none
}

// DriftPage is a page of the drift report.
type DriftPage struct {
	Drift []Drift
	// Next is the cursor of the next page, "" after the last.
	Next string
}

// DriftReader pages through the users holding IdP values (User.IdP), which
// the drift report compares with what the app holds.
type DriftReader interface {
	// UsersWithIdPValues returns at most limit live users of the tenant
	// whose IdP is not empty, with their emails but not their groups, ordered
	// by id, after the id after ("" for the first page).
	UsersWithIdPValues(ctx context.Context, tenantID, after string, limit int) ([]*User, error)
}
