package server

import (
	"bufio"
	"cmp"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/internal/jsonenc"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/patch"
	"github.com/rosterhq/roster/scim/schema"
)

func (s *Server) handleGroupCreate(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, in, err := s.readResource(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	doc, err := s.normalize(r, groupType, in, nil, schema.Create)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	g := s.groupFromDoc(r, "", doc)
	if err := s.store.CreateGroup(r.Context(), tenant, g); err != nil {
		s.writeError(w, r, err)
		return
	}
	noteCreated(r, g.ID)
	base := s.baseURL(r)
	s.writeResource(w, http.StatusCreated, s.project(r, groupType, groupDoc(g, base, wantsMembers(p)), p), g.Version, base+"/Groups/"+g.ID)
}

func (s *Server) handleGroupGet(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, err := s.queryParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	members := wantsMembers(p)
	// The whole group, as GET without parameters asks, streams its members.
	stream := members && p.whole()
	g, err := s.store.Group(r.Context(), tenant, r.PathValue("id"), !members || stream)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if answeredNotModified(w, r, g.Version) {
		return
	}
	if stream {
		s.streamGroup(w, r, tenant, g)
		return
	}
	s.writeResource(w, http.StatusOK, s.project(r, groupType, groupDoc(g, s.baseURL(r), members), p), g.Version, "")
}

// streamGroup writes a group with its members as they are read from the store,
// so that a group of any size costs the same memory to send. The document is
// the one groupDoc renders, with its members last (absent when there are
// none). The members are read after the group (not in its snapshot), a page
// at a time: the ETag is the group's as read.
func (s *Server) streamGroup(w http.ResponseWriter, r *http.Request, tenantID string, g *roster.Group) {
	base := s.baseURL(r)
	head, err := jsonenc.AppendValue(nil, groupDoc(g, base, false))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", etag(g.Version))
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(&paced{w: w}, 32<<10)
	if err := s.writeMembers(bw, r, tenantID, g.ID, head, memberAppender(base)); err != nil {
		s.abortStream(r, g.ID, err)
	}
	bw.Flush()
}

// streamGroups writes a page of groups as a ListResponse, each group's
// members read from the store as they are written: the page costs the memory
// of its groups' documents, not of their members.
func (s *Server) streamGroups(w http.ResponseWriter, r *http.Request, tenantID string, res *listResponse, groups []*roster.Group, p listParams) {
	base := s.baseURL(r)
	appendMember := memberAppender(base)
	if namesMemberSub(p) {
		appendMember = s.projectedMember(r, base, p)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(&paced{w: w}, 32<<10)
	bw.Write(res.appendHead(nil, len(groups)))
	var head []byte
	for i, g := range groups {
		if i > 0 {
			bw.WriteByte(',')
		}
		var err error
		head, err = jsonenc.AppendValue(head[:0], s.project(r, groupType, groupDoc(g, base, false), p))
		if err == nil {
			err = s.writeMembers(bw, r, tenantID, g.ID, head, appendMember)
		}
		if err != nil {
			s.abortStream(r, g.ID, err)
		}
	}
	bw.WriteString("]}")
	bw.Flush()
}

// writeMembers writes head, a group's JSON object without its members, with
// the group's members added last as appendMember renders them (absent when
// there are none). appendMember returns b unchanged to leave a member out.
func (s *Server) writeMembers(bw *bufio.Writer, r *http.Request, tenantID, groupID string, head []byte, appendMember func(b []byte, m roster.Member) ([]byte, error)) error {
	bw.Write(head[:len(head)-1]) // the object, still open
	n := 0
	var buf []byte
	err := s.store.EachMember(r.Context(), tenantID, groupID, func(m roster.Member) error {
		var err error
		if buf, err = appendMember(buf[:0], m); err != nil || len(buf) == 0 {
			return err
		}
		switch {
		case n > 0:
			bw.WriteByte(',')
		case len(head) > 2:
			bw.WriteString(`,"members":[`)
		default:
			bw.WriteString(`"members":[`)
		}
		n++
		_, err = bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		bw.WriteByte(']')
	}
	return bw.WriteByte('}')
}

// abortStream ends a response whose status is sent: the client sees a body
// cut short, never a wrong one.
func (s *Server) abortStream(r *http.Request, groupID string, err error) {
	s.log.Error("streaming group members", "request_id", httpx.RequestID(r.Context()), "group", groupID, "err", err)
	panic(http.ErrAbortHandler)
}

// memberAppender returns appendMember for base.
func memberAppender(base string) func(b []byte, m roster.Member) ([]byte, error) {
	return func(b []byte, m roster.Member) ([]byte, error) { return appendMember(b, m, base), nil }
}

// projectedMember renders a member as a projection naming sub-attributes of
// members (attributes=members.value) leaves it, one member at a time.
func (s *Server) projectedMember(r *http.Request, base string, p listParams) func(b []byte, m roster.Member) ([]byte, error) {
	return func(b []byte, m roster.Member) ([]byte, error) {
		doc := s.project(r, groupType, map[string]any{"members": []any{memberDoc(m, base)}}, p)
		ms, _ := doc["members"].([]any)
		if len(ms) == 0 {
			return b, nil
		}
		return jsonenc.AppendValue(b, ms[0])
	}
}

// namesMemberSub reports whether a projection names a sub-attribute of members.
func namesMemberSub(p listParams) bool {
	for _, a := range slices.Concat(p.Attributes, p.Excluded) {
		ap, err := filter.ParseAttrPath(a)
		if err == nil && ap.Sub != "" && isMembers(a) {
			return true
		}
	}
	return false
}

// paced is a writer that pauses briefly between its writes. A large group's
// stream runs for as long as it takes to send (a 100,000-member group is
// 16.8 MB), and would keep a core busy all that while: Go's scheduler lets it
// run for up to 10 ms at a time, and a goroutine that merely yields is picked
// again before the network is polled for other tenants' requests. A pause
// parks it, so that they are seen and run. The first write, all of a group
// under 32 KB, goes out at once.
type paced struct {
	w       io.Writer
	started bool
}

// streamPause is paced's pause between two writes of 32 KB.
const streamPause = 20 * time.Microsecond

func (p *paced) Write(b []byte) (int, error) {
	if p.started {
		time.Sleep(streamPause)
	}
	p.started = true
	return p.w.Write(b)
}

// listGroups answers a list or search of groups. A page that shows members
// streams them (streamGroups).
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, p listParams) {
	tenant := tenantOf(r.Context())
	q, err := s.query(r, groupType, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	members := !q.WithoutMembers
	q.WithoutMembers = true
	groups, total, err := s.store.Groups(r.Context(), tenant, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cursor := func(i int) string { return roster.EncodeCursor(groups[i].Created, groups[i].ID) }
	if members {
		res, n := pageOf(q, total, len(groups), cursor)
		s.streamGroups(w, r, tenant, res, groups[:n], p)
		return
	}
	base := s.baseURL(r)
	docs := make([]map[string]any, len(groups))
	for i, g := range groups {
		docs[i] = s.project(r, groupType, groupDoc(g, base, false), p)
	}
	s.writeList(w, q, total, docs, cursor)
}

func (s *Server) handleGroupReplace(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, in, err := s.readResource(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.replaceGroup(r, tenant, r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeResource(w, http.StatusOK, s.project(r, groupType, groupDoc(g, s.baseURL(r), wantsMembers(p)), p), g.Version, "")
}

// replaceGroup writes in over the stored group, as replaceUser does a user.
func (s *Server) replaceGroup(r *http.Request, tenantID, id string, in map[string]any) (*roster.Group, error) {
	want := ifMatch(r)
	for try := 0; ; try++ {
		old, err := s.store.Group(r.Context(), tenantID, id, true)
		if err != nil {
			return nil, err
		}
		version := cmp.Or(want, old.Version)
		doc, err := s.normalize(r, groupType, in, old.Doc, schema.Replace)
		if err != nil {
			return nil, err
		}
		g := s.groupFromDoc(r, old.ID, doc)
		noteChange(r, old.Doc, doc, nil, nil)
		err = s.store.ReplaceGroup(r.Context(), tenantID, g, version)
		if want == 0 && try < writeRetries && roster.ErrorCode(err) == roster.EPRECONDITION {
			continue
		}
		return g, err
	}
}

// handleGroupPatch applies a PATCH to a group. Member operations never load the
// member list: they become batches the store applies by id. The response is 204
// unless the request asks for attributes (RFC 7644 §3.5.2).
func (s *Server) handleGroupPatch(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	p, ops, err := s.readPatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if err := s.patchGroup(r, tenant, id, ops); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.whole() {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	members := wantsMembers(p)
	g, err := s.store.Group(r.Context(), tenant, id, !members)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeResource(w, http.StatusOK, s.project(r, groupType, groupDoc(g, s.baseURL(r), members), p), g.Version, "")
}

// patchGroup splits member operations from the rest, applies the rest to the
// stored document and writes both in one store call.
func (s *Server) patchGroup(r *http.Request, tenantID, id string, ops []patch.Operation) error {
	rest, values, err := patch.ExtractValues(ops, "members")
	if err != nil {
		return err
	}
	changes := memberChanges(values)
	noteMemberChanges(r, changes, len(rest) > 0)
	want := ifMatch(r)
	if len(rest) == 0 {
		return s.store.UpdateGroup(r.Context(), tenantID, &roster.Group{ID: id}, false, changes, want)
	}
	for try := 0; ; try++ {
		old, err := s.store.Group(r.Context(), tenantID, id, true)
		if err != nil {
			return err
		}
		version := want
		if version == 0 {
			version = old.Version
		}
		doc, err := patch.Apply(withID(old.Doc, id), rest, s.patchOptions(r, groupType))
		if err != nil {
			return err
		}
		doc, err = s.normalize(r, groupType, doc, old.Doc, schema.Patched)
		if err != nil {
			return err
		}
		g := s.groupFromDoc(r, id, doc)
		noteChange(r, old.Doc, doc, nil, nil)
		err = s.store.UpdateGroup(r.Context(), tenantID, g, true, changes, version)
		if want == 0 && try < writeRetries && roster.ErrorCode(err) == roster.EPRECONDITION {
			continue
		}
		return err
	}
}

// groupFromDoc derives the group to store from its normalised document, with
// what the tenant's policy makes of it: whether it holds its displayName.
func (s *Server) groupFromDoc(r *http.Request, id string, doc map[string]any) *roster.Group {
	g := groupFrom(id, doc)
	g.ReserveName = configOf(r.Context()).policy.UniqueGroupNames()
	return g
}

// memberChanges turns PATCH value changes into store member changes.
func memberChanges(values []patch.ValueChange) []roster.MemberChange {
	out := make([]roster.MemberChange, 0, len(values))
	for _, v := range values {
		var op roster.MemberOp
		switch v.Kind {
		case patch.AddValues:
			op = roster.MembersAdd
		case patch.RemoveValues:
			op = roster.MembersRemove
		case patch.ReplaceValues:
			op = roster.MembersReplace
		case patch.RemoveAllValues:
			op = roster.MembersRemoveAll
		}
		out = append(out, roster.MemberChange{Op: op, IDs: v.Values})
	}
	return out
}

func (s *Server) handleGroupDelete(w http.ResponseWriter, r *http.Request) {
	tenant := tenantOf(r.Context())
	if err := s.store.DeleteGroup(r.Context(), tenant, r.PathValue("id"), ifMatch(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// appendMember appends the JSON of memberDoc(m, base) to b without building
// it: the same keys in the same (sorted) order, strings escaped as
// encoding/json escapes them.
func appendMember(b []byte, m roster.Member, base string) []byte {
	kind := "/Users/"
	if m.Type == roster.MemberGroup {
		kind = "/Groups/"
	}
	b = append(b, `{"$ref":`...)
	b = jsonenc.AppendString(b, base+kind+m.ID)
	if m.Display != "" {
		b = append(b, `,"display":`...)
		b = jsonenc.AppendString(b, m.Display)
	}
	b = append(b, `,"type":`...)
	b = jsonenc.AppendString(b, m.Type)
	b = append(b, `,"value":`...)
	b = jsonenc.AppendString(b, m.ID)
	return append(b, '}')
}
