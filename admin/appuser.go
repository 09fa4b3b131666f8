package admin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
)

// tenantRules reads the tenant's compiled policy and its folders.
func (s *Service) tenantRules(ctx context.Context, tenantID string) (*policy.Policy, *policy.FolderIndex, error) {
	sp, err := s.store.Policy(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	p, err := policy.Load(sp)
	if err != nil {
		return nil, nil, fmt.Errorf("tenant %s: policy version %d: %w", tenantID, sp.Version, err)
	}
	folders, err := s.store.Folders(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	return p, policy.NewFolderIndex(folders), nil
}

// CreateAppUser creates, in the tenant tenantID, a user the host application
// already had, from its document (userName, emails, name, externalId…),
// validated as a SCIM create is (policy.Policy.AppUser). The user awaits the
// IdP, whose lookup by userName finds it and whose first write adopts it
// (user.adopted) rather than creating a twin. EINVALID naming the attribute;
// ECONFLICT when the userName or a unique value is taken.
func (s *Service) CreateAppUser(ctx context.Context, tenantID string, doc map[string]any) (*roster.User, error) {
	p, fs, err := s.tenantRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return s.createAppUser(ctx, tenantID, p, fs, doc)
}

func (s *Service) createAppUser(ctx context.Context, tenantID string, p *policy.Policy, fs *policy.FolderIndex, doc map[string]any) (*roster.User, error) {
	u, err := p.AppUser(doc, fs)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateUser(ctx, tenantID, u); err != nil {
		return nil, err
	}
	return u, nil
}

// WriteAppAttributes sets, on the user id of the tenant tenantID, the
// attributes the tenant's policy gives the app ("attributes": {"…": "app"}),
// null removing one (policy.Policy.AppWrite), and appends user.updated.
// EINVALID naming an attribute that is not the app's; ENOTFOUND;
// EPRECONDITION when version is not 0 and the user changed since.
func (s *Service) WriteAppAttributes(ctx context.Context, tenantID, id string, attrs map[string]any, version int64) (*roster.User, error) {
	if len(attrs) == 0 {
		return nil, roster.Errorf(roster.EINVALID, "name at least one attribute to write")
	}
	p, fs, err := s.tenantRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	old, err := s.store.User(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	u, err := p.AppWrite(old, attrs, fs)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		version = old.Version
	}
	if err := s.store.ReplaceUser(ctx, tenantID, u, version); err != nil {
		return nil, err
	}
	return s.store.User(ctx, tenantID, id)
}

// MaxImportLines bounds the users of one import file.
const MaxImportLines = 100000

// maxImportLine bounds one line of an import file.
const maxImportLine = 64 << 10

// ImportSummary is what an import did.
type ImportSummary struct {
	Created int `json:"created"`
	// Present counts the users whose userName a user of the tenant already
	// holds: an import run again changes nothing.
	Present int             `json:"present"`
	Refused []ImportRefusal `json:"refused"`
}

// ImportRefusal is a line an import refused, and why.
type ImportRefusal struct {
	Line     int    `json:"line"`
	UserName string `json:"userName,omitempty"`
	Reason   string `json:"reason"`
}

// ImportUsers creates, in the tenant idOrName, the users the host app already
// had, one per line of r, as CreateAppUser does: NDJSON (a user document a
// line) when ndjson, else CSV with a header naming userName and any of
// email, givenName, familyName, displayName, externalId. A user whose
// userName the tenant already has is counted present and left alone, so an
// import is idempotent; a line that is not a valid user is refused with its
// line number and why, and the others still go in. It returns the tenant and
// the summary, and writes one audit row. EINVALID for a file that cannot be
// read at all (no userName column, more than MaxImportLines users).
func (s *Service) ImportUsers(ctx context.Context, idOrName string, r io.Reader, ndjson bool) (*roster.Tenant, *ImportSummary, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	p, fs, err := s.tenantRules(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	read := readCSVUsers
	if ndjson {
		read = readNDJSONUsers
	}
	sum := &ImportSummary{Refused: []ImportRefusal{}}
	err = read(r, func(line int, doc map[string]any, bad error) error {
		if line > MaxImportLines {
			return roster.Errorf(roster.EINVALID, "import: more than %d users: split the file", MaxImportLines)
		}
		name, _ := doc["userName"].(string)
		if bad == nil {
			_, bad = s.createAppUser(ctx, t.ID, p, fs, doc)
		}
		var e *roster.Error
		switch {
		case bad == nil:
			sum.Created++
		case errors.As(bad, &e) && e.Code == roster.ECONFLICT && e.Attr == "userName":
			sum.Present++
		case roster.ErrorCode(bad) == roster.EINVALID || roster.ErrorCode(bad) == roster.ECONFLICT:
			sum.Refused = append(sum.Refused, ImportRefusal{Line: line, UserName: name, Reason: roster.ErrorDetail(bad)})
		default:
			return bad
		}
		return nil
	})
	if err != nil {
		return t, sum, err
	}
	return t, sum, s.audit(ctx, change{action: "user.import", tenant: t, after: map[string]int{
		"created": sum.Created, "present": sum.Present, "refused": len(sum.Refused)}})
}

// readNDJSONUsers calls each with every non-blank line's document, or why
// it is not one.
func readNDJSONUsers(r io.Reader, each func(line int, doc map[string]any, bad error) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxImportLine)
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var doc map[string]any
		var bad error
		if err := json.Unmarshal(b, &doc); err != nil || doc == nil {
			bad = roster.Errorf(roster.EINVALID, "not a JSON object")
		}
		if err := each(n, doc, bad); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return roster.Errorf(roster.EINVALID, "import: %v", err)
	}
	return nil
}

// csvColumns maps the columns a CSV import reads to where they go.
var csvColumns = map[string]func(doc map[string]any, v string){
	"username":    func(d map[string]any, v string) { d["userName"] = v },
	"externalid":  func(d map[string]any, v string) { d["externalId"] = v },
	"displayname": func(d map[string]any, v string) { d["displayName"] = v },
	"email": func(d map[string]any, v string) {
		d["emails"] = []any{map[string]any{"value": v, "type": "work", "primary": true}}
	},
	"givenname":  func(d map[string]any, v string) { nameOf(d)["givenName"] = v },
	"familyname": func(d map[string]any, v string) { nameOf(d)["familyName"] = v },
}

func nameOf(d map[string]any) map[string]any {
	n, _ := d["name"].(map[string]any)
	if n == nil {
		n = map[string]any{}
		d["name"] = n
	}
	return n
}

// readCSVUsers calls each with every record's document, or why it is not
// one; line numbers count the header as line 1.
func readCSVUsers(r io.Reader, each func(line int, doc map[string]any, bad error) error) error {
	cr := csv.NewReader(io.LimitReader(r, int64(MaxImportLines+1)*maxImportLine))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return roster.Errorf(roster.EINVALID, "import: no CSV header: %v", err)
	}
	hasUserName := false
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, ok := csvColumns[h]; !ok {
			return roster.Errorf(roster.EINVALID, "import: unknown column %q: use userName, email, givenName, familyName, displayName, externalId", header[i])
		}
		header[i], hasUserName = h, hasUserName || h == "username"
	}
	if !hasUserName {
		return roster.Errorf(roster.EINVALID, "import: the CSV header must name a userName column")
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		doc, bad := map[string]any{}, error(nil)
		if err != nil {
			bad = roster.Errorf(roster.EINVALID, "not a CSV record: %v", err)
		} else if len(rec) != len(header) {
			bad = roster.Errorf(roster.EINVALID, "%d fields, the header has %d", len(rec), len(header))
		} else {
			for i, v := range rec {
				if v = strings.TrimSpace(v); v != "" {
					csvColumns[header[i]](doc, v)
				}
			}
		}
		if err := each(line, doc, bad); err != nil {
			return err
		}
	}
}

// DriftReport lists, a page of at most limit users at a time after the
// cursor after, the attributes of the tenant tenantID's users that the
// policy gives the app or takes at create only and whose value differs
// from what the IdP last sent, with both values.
func (s *Service) DriftReport(ctx context.Context, tenantID, after string, limit int) (*roster.DriftPage, error) {
	p, _, err := s.tenantRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	us, err := s.store.UsersWithIdPValues(ctx, tenantID, after, limit)
	if err != nil {
		return nil, err
	}
	out := &roster.DriftPage{Drift: []roster.Drift{}}
	for _, u := range us {
		out.Drift = append(out.Drift, driftOf(p, u)...)
	}
	if len(us) == limit {
		out.Next = us[len(us)-1].ID
	}
	return out, nil
}

// UserDrift lists the attributes of the user u of the tenant tenantID that
// the drift report lists: the ones the tenant's policy gives the app or
// takes at create only whose value differs from what the IdP last sent, in
// path order, none when the IdP never wrote the user.
func (s *Service) UserDrift(ctx context.Context, tenantID string, u *roster.User) ([]roster.Drift, error) {
	if len(u.IdP) == 0 {
		return nil, nil
	}
	p, _, err := s.tenantRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return driftOf(p, u), nil
}

// driftOf lists u's drifted attributes, in path order.
func driftOf(p *policy.Policy, u *roster.User) []roster.Drift {
	var out []roster.Drift
	for _, path := range slices.Sorted(maps.Keys(u.IdP)) {
		mode, tracked := p.Tracked(path)
		if !tracked {
			continue
		}
		out = append(out, roster.Drift{UserID: u.ID, UserName: u.UserName, Attribute: path, Mode: mode,
			App: policy.Value(u.Doc, path), IdP: u.IdP[path]})
	}
	return out
}
