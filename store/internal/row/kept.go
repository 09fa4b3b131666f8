package row

import (
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster"
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

// GroupKept is what deleting a group took from it and keeps for its restore
// (retired_groups.kept): the ids of its members, users and groups, and of
// the groups it was a member of.
type GroupKept struct {
	MemberUsers  []string `json:"member_users"`
	MemberGroups []string `json:"member_groups"`
	Groups       []string `json:"groups"`
}

// DecodeGroupKept reads retired_groups.kept.
func DecodeGroupKept(b []byte) (GroupKept, error) {
	var k GroupKept
	if err := json.Unmarshal(b, &k); err != nil {
		return k, fmt.Errorf("group kept: %w", err)
	}
	return k, nil
}

// Members returns the kept members, users then groups, without displays.
func (k GroupKept) Members() []roster.Member {
	ms := make([]roster.Member, 0, len(k.MemberUsers)+len(k.MemberGroups))
	for _, id := range k.MemberUsers {
		ms = append(ms, roster.Member{ID: id, Type: roster.MemberUser})
	}
	for _, id := range k.MemberGroups {
		ms = append(ms, roster.Member{ID: id, Type: roster.MemberGroup})
	}
	return ms
}
