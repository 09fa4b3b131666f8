// Package row holds what both stores do alike with the rows they read and
// write: new ids, resource documents and entitlements as JSON, version preconditions,
// the group references of a user, a user's unique values and their
// conflicts, a group's name key, the order of ids a RETURNING clause produced,
// and the LIKE pattern of a prefix search.
package row

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/jsonenc"
)

// NewID returns a fresh id: a UUID of version 7 (RFC 9562), whose leading
// 48 bits are the time in milliseconds and the other 74 random. Ids made
// later sort later, so an index keyed by id gains its new entries at its end,
// on a page the writes just before dirtied too, rather than on a random page
// of its own: with version 4 ids a create wrote three such pages more (the
// user's, its email's and its event's id indexes).
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// EncodeDoc renders a resource document for a JSON column.
func EncodeDoc(doc map[string]any) (string, error) {
	if doc == nil {
		return "{}", nil
	}
	b, err := jsonenc.AppendValue(make([]byte, 0, 512), doc)
	if err != nil {
		return "", roster.Errorf(roster.EINVALID, "the resource cannot be stored as JSON: %v", err)
	}
	return string(b), nil
}

// DecodeDoc reads a JSON column holding an object, or null for an empty
// document, keeping numbers exact as json.Number. The values are those of
// encoding/json with UseNumber, decoded by hand (jsonenc.DecodeObject):
// encoding/json took 25 µs for a user, a large share of a GET.
func DecodeDoc(b []byte) (map[string]any, error) {
	doc, err := jsonenc.DecodeObject(b)
	if err != nil {
		return nil, fmt.Errorf("bad stored document: %w", err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

// CheckVersion returns EPRECONDITION when want is not 0 and differs from the stored version.
func CheckVersion(kind, id string, stored, want int64) error {
	if want != 0 && stored != want {
		return roster.Errorf(roster.EPRECONDITION, "%s %q is at version %d, not %d", kind, id, stored, want)
	}
	return nil
}

// GroupRefs reads a JSON array of [id, displayName] pairs.
func GroupRefs(b []byte) ([]roster.GroupRef, error) {
	var rows [][2]string
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("bad groups %q: %w", b, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	gs := make([]roster.GroupRef, len(rows))
	for i, r := range rows {
		gs[i] = roster.GroupRef{ID: r[0], DisplayName: r[1]}
	}
	return gs, nil
}

// InOrder returns the ids of got (say, what a RETURNING clause produced, in no
// defined order) in the order of want, each once.
func InOrder(got, want []string) []string {
	if len(got) == 0 {
		return nil
	}
	set := make(map[string]bool, len(got))
	for _, id := range got {
		set[id] = true
	}
	out := make([]string, 0, len(got))
	for _, id := range want {
		if set[id] {
			out = append(out, id)
			delete(set, id)
		}
	}
	return out
}

// EncodeEntitlements renders a user's entitlements for a JSON column.
func EncodeEntitlements(e roster.Entitlements) (string, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("entitlements: %w", err)
	}
	return string(b), nil
}

// DecodeEntitlements reads a JSON column of entitlements.
func DecodeEntitlements(b []byte) (roster.Entitlements, error) {
	var e roster.Entitlements
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("bad stored entitlements %q: %w", b, err)
	}
	return e, nil
}

// UniqueValues returns a user's unique values (roster.User.Unique) as two
// lists ordered by attribute, leaving out empty values: a user without the
// attribute holds nothing. The order is the order rows are inserted in, so
// that concurrent writes take their locks in one order.
func UniqueValues(unique map[string]string) (attrs, values []string) {
	for _, attr := range slices.Sorted(maps.Keys(unique)) {
		if v := unique[attr]; v != "" {
			attrs, values = append(attrs, attr), append(values, v)
		}
	}
	return attrs, values
}

// UniqueTaken returns ECONFLICT for the first attribute of attrs (in their
// order) that is not among inserted: its value is held by another user.
// Nil when every value was inserted.
func UniqueTaken(attrs, values, inserted []string) error {
	if len(inserted) == len(attrs) {
		return nil
	}
	for i, attr := range attrs {
		if !slices.Contains(inserted, attr) {
			return &roster.Error{Code: roster.ECONFLICT, Attr: attr,
				Detail: fmt.Sprintf("%s %q is already taken", attr, values[i])}
		}
	}
	return nil
}

// GroupNameKey returns the key under which g holds its displayName in its
// tenant: the name in lower case, so that "Sales" and "SALES" collide; "" when
// g does not reserve its name (roster.Group.ReserveName).
func GroupNameKey(g *roster.Group) string {
	if !g.ReserveName {
		return ""
	}
	return strings.ToLower(g.DisplayName)
}

// GroupNameTaken returns ECONFLICT on displayName for a group write whose
// name the group holder holds; holder may be "" when it is gone since.
func GroupNameTaken(name, holder string) error {
	detail := fmt.Sprintf("displayName %q is already taken", name)
	if holder != "" {
		detail += " by group " + holder
	}
	return &roster.Error{Code: roster.ECONFLICT, Attr: "displayName", Detail: detail, Reason: "group_name_taken"}
}

// RestoreTaken returns ECONFLICT for the restore of the deleted group id
// named name when the live group holder holds its id or its name.
func RestoreTaken(id, name, holder string) error {
	if holder == id {
		return roster.Errorf(roster.ECONFLICT, "id %q is taken by a live group", id)
	}
	return &roster.Error{Code: roster.ECONFLICT, Attr: "displayName", Reason: "group_name_taken",
		Detail: fmt.Sprintf("displayName %q is taken by live group %s", name, holder)}
}

// SameEmails reports whether stored, a user's email rows in their order, are
// the rows emails would be written as (those with a value, in order).
func SameEmails(stored, emails []roster.Email) bool {
	i := 0
	for _, e := range emails {
		if e.Value == "" {
			continue
		}
		if i >= len(stored) || stored[i] != e {
			return false
		}
		i++
	}
	return i == len(stored)
}

// SameUnique reports whether stored, a user's unique values by attribute, are
// the values unique would be written as (see UniqueValues).
func SameUnique(stored, unique map[string]string) bool {
	attrs, values := UniqueValues(unique)
	if len(attrs) != len(stored) {
		return false
	}
	for i, a := range attrs {
		if v, ok := stored[a]; !ok || v != values[i] {
			return false
		}
	}
	return true
}

// Stored is a user's row as a recomputation of its entitlements reads it.
type Stored struct {
	ID           string
	Active       bool
	Doc          []byte
	Entitlements []byte
}

// Recompute returns the users of batch whose entitlements entitle gives
// differ from the stored ones, with their new entitlements.
func Recompute(batch []Stored, entitle func(map[string]any) roster.Entitlements) ([]*roster.User, error) {
	var out []*roster.User
	for _, s := range batch {
		doc, err := DecodeDoc(s.Doc)
		if err != nil {
			return nil, err
		}
		old, err := DecodeEntitlements(s.Entitlements)
		if err != nil {
			return nil, err
		}
		e := entitle(doc)
		if reflect.DeepEqual(normal(old), normal(e)) {
			continue
		}
		out = append(out, &roster.User{ID: s.ID, Active: s.Active, Doc: doc, Entitlements: e})
	}
	return out, nil
}

// normal returns e with empty lists as nil, as they are stored.
func normal(e roster.Entitlements) roster.Entitlements {
	if len(e.Licenses) == 0 {
		e.Licenses = nil
	}
	if len(e.Roles) == 0 {
		e.Roles = nil
	}
	return e
}

// EachMember calls fn with each member of a group, read a page of
// roster.MemberPage at a time by keyset on the member id: page appends to its
// argument the members after the id after ("" for the first page). No read
// is open while fn runs, so a slow fn (a slow client) holds no snapshot or
// connection. page's errors are returned as they are, for the store to name.
func EachMember(page func(after string, into []roster.Member) ([]roster.Member, error), fn func(roster.Member) error) error {
	var ms []roster.Member
	after := ""
	for {
		var err error
		if ms, err = page(after, ms[:0]); err != nil {
			return err
		}
		for _, m := range ms {
			if err := fn(m); err != nil {
				return err
			}
		}
		if len(ms) < roster.MemberPage {
			return nil
		}
		after = ms[len(ms)-1].ID
	}
}

// Prefix returns the LIKE pattern of the values that start with s, with
// '\' escaping s's own \, % and _ (the statement says ESCAPE '\').
func Prefix(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '%' || s[i] == '_' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('%')
	return b.String()
}

// EncodeIdP renders a user's IdP values (roster.User.IdP) for the idp_doc
// column: nil (NULL) when there are none.
func EncodeIdP(idp map[string]any) (*string, error) {
	if len(idp) == 0 {
		return nil, nil
	}
	s, err := EncodeDoc(idp)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// DecodeIdP reads the idp_doc column: nil for NULL.
func DecodeIdP(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	m, err := jsonenc.DecodeObject(b)
	if err != nil {
		return nil, fmt.Errorf("bad stored IdP values: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}
