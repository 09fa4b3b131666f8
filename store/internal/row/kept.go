package row

import (
	"encoding/json"
	"fmt"
)

// Kept is what retiring a user took from it and keeps for its restore
// (users.kept): the groups it was a member of, its unique values, and
// whether it was active in the app (nil: not kept).
type Kept struct {
	Groups    []string    `json:"groups"`
	Unique    []KeptValue `json:"unique"`
	AppActive *bool       `json:"app_active"`
}

// KeptValue is one unique value a retired user held.
type KeptValue struct {
	Attr  string `json:"attr"`
	Value string `json:"value"`
}

// DecodeKept reads users.kept; NULL (a user retired before it was kept) is nothing kept.
func DecodeKept(b []byte) (Kept, error) {
	var k Kept
	if len(b) == 0 {
		return k, nil
	}
	if err := json.Unmarshal(b, &k); err != nil {
		return k, fmt.Errorf("kept: %w", err)
	}
	return k, nil
}
