package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/schema"
)

// Format is the version of the policy document's form that this package reads.
const Format = 1

// Doc is the JSON form of a policy. Every field is optional; the zero Doc is
// the default policy: no extensions, unknown attributes rejected, no role
// effects, hard deletes.
type Doc struct {
	// Format is the version of this form: 1.
	Format int `json:"format"`
	// Extensions are schema extensions the tenant's IdP may send.
	Extensions []Extension `json:"extensions,omitempty"`
	// UnknownAttributes says what becomes of attributes no schema defines:
	// "reject" (400 naming the attribute, the default), "store" or "ignore".
	UnknownAttributes string `json:"unknownAttributes,omitempty"`
	// Roles map role values to effects on the user's entitlements.
	Roles []Role `json:"roles,omitempty"`
	// AllowedValues restricts attributes, by path, to a list of values.
	AllowedValues map[string][]string `json:"allowedValues,omitempty"`
	// Required lists attribute paths every user must have a value at.
	Required []string `json:"required,omitempty"`
	// Unique lists attribute paths whose value no two users of the tenant may share.
	Unique []string `json:"unique,omitempty"`
	// Folders resolves a user attribute's values to the app's folders.
	Folders *Folders `json:"folders,omitempty"`
	// Deprovision says what a DELETE does: "delete" (the default) or
	// "deactivate" (keep the user, deactivated, out of SCIM's sight).
	Deprovision string `json:"deprovision,omitempty"`
	// Groups configures the tenant's groups.
	Groups *Groups `json:"groups,omitempty"`
	// DeprovisionGuard bounds the deactivations and deletes that take effect
	// in a window; past it they are held (see roster.DeprovisionGuard).
	// Absent: DefaultGuard.
	DeprovisionGuard *Guard `json:"deprovisionGuard,omitempty"`
	// Attributes says who writes each named attribute: "idp" (the default),
	// "create-only", "app" or "ignore" (see OwnIdP and the others).
	Attributes map[string]string `json:"attributes,omitempty"`
	// Allow, when set, keeps only the named attributes (and userName) of
	// what the IdP sends; the others are dropped as "ignore" drops them.
	Allow []string `json:"allow,omitempty"`
	// Sync says what the IdP's writes do: "full" (the default) or
	// "create-only" (updates and deletes acknowledged, not applied).
	Sync string `json:"sync,omitempty"`
}

// Guard configures the deprovisioning guard: {"max": 25, "window": "1h"},
// {"percent": 10, "window": "1h"} of the tenant's users, or {"off": true}.
type Guard struct {
	Max     *int   `json:"max,omitempty"`
	Percent *int   `json:"percent,omitempty"`
	Window  string `json:"window,omitempty"`
	Off     bool   `json:"off,omitempty"`
}

// DefaultGuard is the guard of a policy that sets none: 25 deactivations and
// deletes per hour. An ordinary day's leavers in a tenant of thousands are a
// handful, and Entra ID sends them in cycles some 40 minutes apart, so 25 in
// an hour passes every ordinary day; a scoping filter or assignment removed
// by mistake deprovisions hundreds in the first cycle, and all but 25 of them
// are held for an operator to look at.
var DefaultGuard = roster.DeprovisionGuard{Max: 25, Window: time.Hour}

// Bounds of a guard's fields.
const (
	MaxGuardMax    = 100000
	MinGuardWindow = time.Minute
	MaxGuardWindow = roster.MaxGuardWindow
)

// Groups configures groups.
type Groups struct {
	// UniqueDisplayName says whether a group holds its displayName in the
	// tenant, in any case, so that a second group of that name is refused
	// (409 uniqueness naming the holder): true, the default, as Entra ID
	// matches groups by displayName; false for tenants that need duplicates.
	UniqueDisplayName *bool `json:"uniqueDisplayName,omitempty"`
}

// Extension is a schema extension of the tenant.
type Extension struct {
	Schema      string `json:"schema"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Open extensions take any key; every value is kept as a string.
	Open       bool        `json:"open,omitempty"`
	Attributes []Attribute `json:"attributes,omitempty"`
}

// Attribute is an attribute of an extension: a simple (not complex) type.
type Attribute struct {
	Name            string   `json:"name"`
	Type            string   `json:"type,omitempty"` // default "string"
	MultiValued     bool     `json:"multiValued,omitempty"`
	Required        bool     `json:"required,omitempty"`
	CaseExact       bool     `json:"caseExact,omitempty"`
	CanonicalValues []string `json:"canonicalValues,omitempty"`
	Description     string   `json:"description,omitempty"`
	// Sensitive marks a secret (a PIN, a recovery code): the value is
	// written, never returned over SCIM ("returned": "never") and never kept
	// in the provisioning log.
	Sensitive bool `json:"sensitive,omitempty"`
}

// Role effects.
const (
	EffectActive     = "active"     // holding the role is required to be active in the app
	EffectLicense    = "license"    // the role grants a license
	EffectAccessRole = "accessRole" // the role grants web-portal access; later rules rank higher
)

// Role maps one role value to an effect.
type Role struct {
	// Value is the role's value as the IdP sends it (an Entra app role's value).
	Value  string `json:"value"`
	Effect string `json:"effect"`
	// Grant names the license or access role granted; default Value.
	Grant string `json:"grant,omitempty"`
}

// Folders configures folder resolution.
type Folders struct {
	// Attribute is the path of the user attribute holding folder ids or external ids.
	Attribute string `json:"attribute"`
	// Unknown says what a value naming no folder does: "reject" (400, the
	// default) or "keep" (kept as sent, warned, resolved once the folder exists).
	Unknown string `json:"unknown,omitempty"`
}

// Policy is a parsed, validated and compiled policy.
type Policy struct {
	doc      Doc
	registry *schema.Registry
	// sensitive names the attributes never returned, for the log's redaction.
	sensitive []string
	unknown   schema.Unknown
	required  []target
	unique    []target
	allowed   []allowed
	folders   *target
	keepFold  bool
	guard     roster.DeprovisionGuard
	owned     []owned // "attributes"
	allow     []owned
}

// target is an attribute path of the policy with what the registry says of it.
type target struct {
	text      string
	path      filter.Path
	caseExact bool
}

type allowed struct {
	target
	values []string
}

// Default returns the policy of a tenant that has set none.
func Default() *Policy {
	p, err := compile(Doc{Format: Format})
	if err != nil {
		panic("policy: default policy: " + err.Error())
	}
	return p
}

// Parse reads, validates and compiles a policy document. Every problem is a
// *roster.Error with code EINVALID whose Attr names the document's field
// (such as "roles[2].effect") and whose Detail says what is wrong.
func Parse(b []byte) (*Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Doc
	if err := dec.Decode(&d); err != nil {
		return nil, invalid("", "policy: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("", "policy: text after the JSON object")
	}
	return compile(d)
}

// Load returns the policy a tenant's stored policy holds: the default when
// none was ever set (Version 0).
func Load(sp *roster.Policy) (*Policy, error) {
	if sp.Version == 0 {
		return Default(), nil
	}
	return Parse(sp.Doc)
}

// jsonProblem words a decoding error for a person editing the file.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "the policy must be a JSON object, got JSON " + te.Value
		}
		return fmt.Sprintf("%s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	if s, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + s
	}
	return "not a JSON object: " + strings.TrimPrefix(err.Error(), "json: ")
}

// Doc returns the policy's document.
func (p *Policy) Doc() Doc { return p.doc }

// JSON returns the policy's document as indented JSON.
func (p *Policy) JSON() []byte {
	b, err := json.MarshalIndent(p.doc, "", "  ")
	if err != nil {
		panic("policy: marshal: " + err.Error()) // strings, bools and slices: cannot fail
	}
	return append(b, '\n')
}

// Registry returns the tenant's schema registry.
func (p *Policy) Registry() *schema.Registry { return p.registry }

// Sensitive returns the names of the attributes of the policy's schemas whose
// values are never returned nor logged (see schema.Registry.Sensitive).
func (p *Policy) Sensitive() []string { return p.sensitive }

// Unknown returns what Normalize must do with attributes no schema defines.
func (p *Policy) Unknown() schema.Unknown { return p.unknown }

// Retire reports whether a DELETE keeps the user, deactivated.
func (p *Policy) Retire() bool { return p.doc.Deprovision == "deactivate" }

// Guard returns the tenant's deprovisioning guard (off when the policy says
// "off": true).
func (p *Policy) Guard() roster.DeprovisionGuard { return p.guard }

// UniqueGroupNames reports whether a group created or renamed holds its
// displayName in the tenant (groups.uniqueDisplayName, true unless set false).
func (p *Policy) UniqueGroupNames() bool {
	g := p.doc.Groups
	return g == nil || g.UniqueDisplayName == nil || *g.UniqueDisplayName
}

func invalid(attr, format string, args ...any) *roster.Error {
	return &roster.Error{Code: roster.EINVALID, Attr: attr, Detail: fmt.Sprintf(format, args...), Reason: "policy_invalid"}
}

// oneOf checks that v is empty or one of choices.
func oneOf(field, v string, choices ...string) error {
	if v == "" || slices.Contains(choices, v) {
		return nil
	}
	return invalid(field, "policy: %s %q: want one of %s", field, v, strings.Join(choices, ", "))
}
