package console

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/policy"
)

// policyView is a tenant's policy page: the policy in force, its editor
// with what a dry run, a save or a trial answered, and its versions.
type policyView struct {
	// Current is the policy in force: Version 0 when none was set, Doc then
	// the default policy's.
	Current   *roster.Policy
	Recompute *roster.Recompute
	Editor    policyEditor
	// Impact is what the document checked or saved does to the tenant's
	// existing users; Stored says whether it was saved. Nil before either.
	Impact *policy.Impact
	Stored bool
	// Trial is what the document makes of the user tried; nil before a trial.
	Trial    *trialView
	Versions []*roster.Policy
	// Next is the URL of the next page of versions, "" on the last one.
	Next template.URL
}

// policyEditor is the edit form as sent, with its problems.
type policyEditor struct {
	// Doc is the document as typed.
	Doc string
	// Version is the version the editing started from: a save stores the
	// document only while the policy is still at it.
	Version int64
	// Errors are the document's problems, each at the path of its value.
	Errors []fieldError
	// Conflict says that the policy changed while the document was edited;
	// ConflictDiff is how the document differs from the policy now in force.
	Conflict     string
	ConflictDiff []diffLine
	// User is a SCIM User document to try the policy on; UserRef, in its
	// place, an existing user's id or userName; UserError their problem.
	User, UserRef, UserError string
}

// fieldError is a problem of the policy document: the path of the value at
// fault ("" for the document as a whole) and what is wrong.
type fieldError struct {
	Path, Message string
}

// Text says the problem, naming its path unless the message does.
func (e fieldError) Text() string {
	if e.Path == "" || strings.HasPrefix(e.Message, e.Path) {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// fieldErrorOf is the problem err reports of a policy document.
func fieldErrorOf(err error) fieldError {
	var re *roster.Error
	if !errors.As(err, &re) {
		return fieldError{Message: err.Error()}
	}
	return fieldError{Path: re.Attr, Message: strings.TrimPrefix(re.Detail, "policy: ")}
}

// trialView is what a policy makes of a user: its refusal, or the
// entitlements and folders it derives.
type trialView struct {
	// Name is the user as the form named it: the userName sent, or the
	// existing user's reference; UserID the existing user's id.
	Name, UserID string
	// Refusal is why the policy refuses the user, RefusalAttr the attribute
	// at fault ("" for none).
	Refusal, RefusalAttr string
	Active               bool
	Licenses, Roles      []string
	AccessRole           string
	// Folders are the folders the user is placed in, by name; Unresolved
	// the values naming no folder yet.
	Folders, Unresolved []string
	Warnings            []string
	// Stored is the document as Roster would store it, indented.
	Stored string
}

// diffLine is a line of a diff between two policy documents: Class is "add",
// "del", "ctx" or "hunk", and Text the line with its +, - or space.
type diffLine struct {
	Class, Text string
}

func (s *Server) handlePolicy(w http.ResponseWriter, r *http.Request) error {
	return s.renderPolicy(w, r, http.StatusOK, policyView{}, "")
}

// renderPolicy renders the policy page with v's editor, impact and trial;
// on a GET the editor starts from the policy in force.
func (s *Server) renderPolicy(w http.ResponseWriter, r *http.Request, status int, v policyView, flash string) error {
	before, err := int64Param(r.URL.Query().Get("before"), "before")
	if err != nil {
		return err
	}
	tp, err := s.admin.Policy(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	v.Current, v.Recompute = tp.Policy, tp.Recompute
	if r.Method == http.MethodGet {
		v.Editor.Doc, v.Editor.Version = indentDoc(tp.Policy.Doc), tp.Policy.Version
	}
	_, v.Versions, err = s.admin.PolicyVersions(r.Context(), tp.Tenant.ID, before, pageSize+1)
	if err != nil {
		return err
	}
	if len(v.Versions) > pageSize {
		v.Versions = v.Versions[:pageSize]
		v.Next = nextPage(r, "before", strconv.FormatInt(v.Versions[pageSize-1].Version, 10))
	}
	if flash == "" && r.URL.Query().Get("rollback") != "" {
		flash = fmt.Sprintf("Version %d holds the rules of version %s again. Running servers apply it within a second, and recompute existing users.",
			tp.Policy.Version, r.URL.Query().Get("rollback"))
	}
	return s.render(w, r, status, "policy", page{Title: "Policy", Tenant: tp.Tenant, Tab: "policy", Flash: flash, Data: v})
}

// editorOf reads the edit form of r.
func editorOf(r *http.Request) (policyEditor, error) {
	ed := policyEditor{Doc: r.PostFormValue("doc"), User: r.PostFormValue("user"), UserRef: strings.TrimSpace(r.PostFormValue("ref"))}
	var err error
	ed.Version, err = int64Param(r.PostFormValue("version"), "version")
	return ed, err
}

// handlePolicyPreview says what the document sent does to the tenant's
// existing users, storing nothing.
func (s *Server) handlePolicyPreview(w http.ResponseWriter, r *http.Request) error {
	ed, err := editorOf(r)
	if err != nil {
		return err
	}
	ch, err := s.admin.SetPolicy(r.Context(), r.PathValue("tenant"), []byte(ed.Doc), admin.PolicySet{DryRun: true})
	if roster.ErrorCode(err) == roster.EINVALID {
		ed.Errors = []fieldError{fieldErrorOf(err)}
		return s.renderPolicy(w, r, http.StatusUnprocessableEntity, policyView{Editor: ed}, "")
	}
	if err != nil {
		return err
	}
	return s.renderPolicy(w, r, http.StatusOK, policyView{Editor: ed, Impact: ch.Impact}, "")
}

// handlePolicySave stores the document sent as the tenant's next version,
// unless the policy changed since the editing started.
func (s *Server) handlePolicySave(w http.ResponseWriter, r *http.Request) error {
	ed, err := editorOf(r)
	if err != nil {
		return err
	}
	ch, err := s.admin.SetPolicy(r.Context(), r.PathValue("tenant"), []byte(ed.Doc), admin.PolicySet{IfVersion: ed.Version})
	switch roster.ErrorCode(err) {
	case "":
	case roster.EINVALID:
		ed.Errors = []fieldError{fieldErrorOf(err)}
		return s.renderPolicy(w, r, http.StatusUnprocessableEntity, policyView{Editor: ed}, "")
	case roster.EPRECONDITION:
		return s.renderPolicyConflict(w, r, ed)
	default:
		return err
	}
	ed.Version = ch.Version
	flash := fmt.Sprintf("Saved as version %d. Running servers apply it within a second, and recompute existing users.", ch.Version)
	return s.renderPolicy(w, r, http.StatusOK, policyView{Editor: ed, Impact: ch.Impact, Stored: true}, flash)
}

// renderPolicyConflict answers a save refused because the policy changed
// while ed was edited: ed is kept, shown against the policy now in force, and
// saving it again replaces that one.
func (s *Server) renderPolicyConflict(w http.ResponseWriter, r *http.Request, ed policyEditor) error {
	tp, err := s.admin.Policy(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	ed.Conflict = fmt.Sprintf("The policy changed while you edited it: it is now version %d, set %s by %s. Nothing was saved. Your document is kept below; save it again to replace version %d with it.",
		tp.Policy.Version, tp.Policy.Updated.UTC().Format("2006-01-02 15:04 UTC"), cmp.Or(tp.Policy.SetBy, "an unrecorded actor"), tp.Policy.Version)
	if diff, err := admin.PolicyDiff(tp.Policy.Doc, []byte(ed.Doc)); err == nil {
		ed.ConflictDiff = diffLines(diff)
	}
	ed.Version = tp.Policy.Version
	return s.renderPolicy(w, r, http.StatusConflict, policyView{Editor: ed}, "")
}

// handlePolicyTry applies the document sent to a user document pasted, or
// to an existing user, and shows what it makes of it.
func (s *Server) handlePolicyTry(w http.ResponseWriter, r *http.Request) error {
	ed, err := editorOf(r)
	if err != nil {
		return err
	}
	try := admin.PolicyTry{Doc: []byte(ed.Doc), UserRef: ed.UserRef}
	switch {
	case ed.UserRef != "" && strings.TrimSpace(ed.User) != "":
		ed.UserError = "Paste a user's document or name an existing user, not both."
	case ed.UserRef == "" && strings.TrimSpace(ed.User) == "":
		ed.UserError = "Paste a user's SCIM document, or give an existing user's id or userName."
	case ed.UserRef == "":
		if err := json.Unmarshal([]byte(ed.User), &try.User); err != nil || try.User == nil {
			ed.UserError = "The user's document is not a JSON object."
		}
	}
	if ed.UserError != "" {
		return s.renderPolicy(w, r, http.StatusUnprocessableEntity, policyView{Editor: ed}, "")
	}
	tr, err := s.admin.TryPolicyWith(r.Context(), r.PathValue("tenant"), try)
	switch roster.ErrorCode(err) {
	case "":
	case roster.EINVALID:
		ed.Errors = []fieldError{fieldErrorOf(err)}
		return s.renderPolicy(w, r, http.StatusUnprocessableEntity, policyView{Editor: ed}, "")
	case roster.ENOTFOUND: // the user; a tenant gone is a 404 as the page renders
		ed.UserError = err.Error()
		return s.renderPolicy(w, r, http.StatusUnprocessableEntity, policyView{Editor: ed}, "")
	default:
		return err
	}
	name := ed.UserRef
	if name == "" {
		name, _ = try.User["userName"].(string)
	}
	return s.renderPolicy(w, r, http.StatusOK, policyView{Editor: ed, Trial: trialOf(name, tr)}, "")
}

// trialOf is the view of a trial of the user name.
func trialOf(name string, tr *admin.PolicyTrial) *trialView {
	v := &trialView{Name: name, UserID: tr.UserID, Warnings: tr.Warnings}
	if tr.Stored != nil {
		b, _ := json.MarshalIndent(tr.Stored, "", "  ") // decoded JSON: cannot fail
		v.Stored = string(b)
	}
	if tr.Refusal != nil {
		f := fieldErrorOf(tr.Refusal)
		v.Refusal, v.RefusalAttr = f.Message, f.Path
		return v
	}
	v.Active, _ = tr.App["active"].(bool)
	v.AccessRole, _ = tr.App["accessRole"].(string)
	v.Licenses, v.Roles, v.Unresolved = listOf(tr.App["licenses"]), listOf(tr.App["roles"]), listOf(tr.App["unresolvedFolders"])
	folders, _ := tr.App["folders"].([]any)
	for _, f := range folders {
		if m, ok := f.(map[string]any); ok {
			v.Folders = append(v.Folders, fmt.Sprint(m["display"]))
		}
	}
	return v
}

// strings_ returns the strings of a list of the Roster extension.
func listOf(list any) []string {
	l, _ := list.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// policyVersionView is a version of a tenant's policy: its changes from the
// version before, its document, and its rollback.
type policyVersionView struct {
	Policy *roster.Policy
	// Current is the version in force; Prior the version before this one,
	// NextVersion the one a rollback sets.
	Current, Prior, NextVersion int64
	// Changes is the diff from the version before (from nothing for the first).
	Changes []diffLine
	Doc     string
	// Rollback is how setting this version again changes the policy in
	// force; RollbackError the rollback form's problem.
	Rollback      []diffLine
	RollbackError string
}

func (s *Server) handlePolicyVersion(w http.ResponseWriter, r *http.Request) error {
	return s.renderPolicyVersion(w, r, http.StatusOK, "")
}

func (s *Server) renderPolicyVersion(w http.ResponseWriter, r *http.Request, status int, rollbackError string) error {
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	tenant := r.PathValue("tenant")
	t, p, err := s.admin.PolicyVersion(r.Context(), tenant, version)
	if err != nil {
		return err
	}
	v := policyVersionView{Policy: p, Prior: version - 1, Doc: indentDoc(p.Doc), RollbackError: rollbackError}
	var prior []byte
	if version > 1 {
		if _, pp, err := s.admin.PolicyVersion(r.Context(), t.ID, version-1); err == nil {
			prior = pp.Doc
		} else if roster.ErrorCode(err) != roster.ENOTFOUND {
			return err
		}
	}
	if v.Changes, err = policyDiff(prior, p.Doc); err != nil {
		return err
	}
	tp, err := s.admin.Policy(r.Context(), t.ID)
	if err != nil {
		return err
	}
	v.Current, v.NextVersion = tp.Policy.Version, tp.Policy.Version+1
	if v.Current != version {
		if v.Rollback, err = policyDiff(tp.Policy.Doc, p.Doc); err != nil {
			return err
		}
	}
	return s.render(w, r, status, "policyversion", page{Title: fmt.Sprintf("Policy version %d", version), Tenant: t, Tab: "policy", Data: v})
}

// handlePolicyRollback sets a version of the policy again, as the next
// version, once the form confirms it.
func (s *Server) handlePolicyRollback(w http.ResponseWriter, r *http.Request) error {
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return s.renderPolicyVersion(w, r, http.StatusUnprocessableEntity, "Tick the box to confirm that this version's rules replace the policy in force.")
	}
	ch, err := s.admin.RollbackPolicy(r.Context(), r.PathValue("tenant"), version)
	if roster.ErrorCode(err) == roster.EINVALID {
		return s.renderPolicyVersion(w, r, http.StatusUnprocessableEntity, err.Error())
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(ch.Tenant, "/policy")+"?rollback="+strconv.FormatInt(version, 10), http.StatusSeeOther)
	return nil
}

// versionParam reads the policy version of r's path: ENOTFOUND for one that
// cannot name a version.
func versionParam(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue("version"), 10, 64)
	if err != nil || v < 1 {
		return 0, roster.Errorf(roster.ENOTFOUND, "no policy version %q: versions count from 1", r.PathValue("version"))
	}
	return v, nil
}

// int64Param reads a number of a query or a form ("" is 0): EINVALID for
// another text.
func int64Param(s, name string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, roster.Errorf(roster.EINVALID, "%s %q: want a version number", name, s)
	}
	return v, nil
}

// policyDiff is the diff from one policy document to another, line by line.
func policyDiff(before, after []byte) ([]diffLine, error) {
	diff, err := admin.PolicyDiff(before, after)
	if err != nil {
		return nil, err
	}
	return diffLines(diff), nil
}

// diffLines splits a diff of admin.PolicyDiff in its lines, each with the
// class its first character gives it.
func diffLines(diff string) []diffLine {
	var ls []diffLine
	for l := range strings.Lines(diff) {
		l = strings.TrimSuffix(l, "\n")
		class := "ctx"
		switch {
		case strings.HasPrefix(l, "+"):
			class = "add"
		case strings.HasPrefix(l, "-"):
			class = "del"
		case strings.HasPrefix(l, "@@"):
			class = "hunk"
		}
		ls = append(ls, diffLine{class, l})
	}
	return ls
}

// indentDoc indents a stored policy document for reading and editing.
func indentDoc(doc []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, doc, "", "  "); err != nil {
		return string(doc)
	}
	return b.String()
}
