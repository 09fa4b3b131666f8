package sqlite

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/jsonenc"
)

// logLine is an entry as a line of a chunk.
type logLine struct {
	ID           int64           `json:"i"`
	TenantID     string          `json:"t,omitempty"`
	Time         time.Time       `json:"at"`
	LatencyUS    int64           `json:"l"`
	RequestID    string          `json:"q"`
	Method       string          `json:"m"`
	Route        string          `json:"ro"`
	Query        string          `json:"qs,omitempty"`
	Action       string          `json:"a"`
	ResourceType string          `json:"rt,omitempty"`
	ResourceID   string          `json:"r,omitempty"`
	ExternalID   string          `json:"x,omitempty"`
	Name         string          `json:"n,omitempty"`
	Status       int             `json:"s"`
	ScimType     string          `json:"st,omitempty"`
	Reason       string          `json:"re,omitempty"`
	TokenPrefix  string          `json:"tp,omitempty"`
	TokenName    string          `json:"tn,omitempty"`
	Changes      json.RawMessage `json:"c,omitempty"`
	Request      string          `json:"rq,omitempty"`
	Response     string          `json:"rs,omitempty"`
	// Bodies, when set, holds the lengths of the request and response bodies,
	// which follow the line as they are, then a line break: bodies are mostly
	// JSON, and escaping them into a JSON string would cost more than the rest
	// of the line. Lines written before Bodies existed hold rq and rs instead.
	Bodies []int `json:"b,omitempty"`
}

// requestWindow bounds how far a request's log time (its start) is from the
// time its id carries, and from the last entry of the chunk that holds it: a
// chunk is written within a second of its entries' responses, and requests
// are cut off long before this.
const requestWindow = 10 * time.Minute

// timedRequestID reports whether id carries a time (roster.NewRequestID)
// within requestWindow of at, the time of its request: such an id is found by
// that time and needs no key. An id a client sent in that form with another
// time is indexed like any other.
func timedRequestID(id string, at time.Time) bool {
	t, ok := roster.RequestIDTime(id)
	return ok && at.Sub(t) < requestWindow && t.Sub(at) < requestWindow
}

// logKeys returns the keys an entry is found by.
func logKeys(e *roster.LogEntry) []string {
	var keys []string
	if !timedRequestID(e.RequestID, e.Time) {
		keys = append(keys, "q:"+e.RequestID)
	}
	if e.ResourceID != "" {
		keys = append(keys, "r:"+e.ResourceID)
	}
	if e.ExternalID != "" {
		keys = append(keys, "x:"+e.ExternalID)
	}
	if e.Name != "" {
		keys = append(keys, "n:"+strings.ToLower(e.Name))
	}
	return keys
}

// AppendLog stores the entries, one chunk per tenant, filling their IDs.
func (db *DB) AppendLog(ctx context.Context, entries []*roster.LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if len(e.Changes) > 0 && !json.Valid(e.Changes) { // as PostgreSQL's jsonb refuses it; a chunk holding it could not be read
			return fmt.Errorf("sqlite: append log: %w", roster.Errorf(roster.EINVALID, "the changes of request %s are not JSON", e.RequestID))
		}
	}
	db.logBufs.Lock()
	defer db.logBufs.Unlock()
	tx, err := db.logw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: append log: %w", err)
	}
	defer rollback(tx)
	var last int64
	if err := tx.QueryRowContext(ctx, `UPDATE log_seq SET last = last + ? RETURNING last`, len(entries)).Scan(&last); err != nil {
		return fmt.Errorf("sqlite: append log: %w", err)
	}
	byTenant := map[string][]*roster.LogEntry{}
	var order []string
	for i, e := range entries {
		e.ID = last - int64(len(entries)-1-i)
		if _, ok := byTenant[e.TenantID]; !ok {
			order = append(order, e.TenantID)
		}
		byTenant[e.TenantID] = append(byTenant[e.TenantID], e)
	}
	for _, tenantID := range order {
		if err := appendChunk(ctx, tx, &db.logBufs, tenantID, byTenant[tenantID]); err != nil {
			return fmt.Errorf("sqlite: append log: %w", err)
		}
	}
	now := time.Now()
	unindexed := db.logUnindexed.Add(int64(len(entries)))
	due := now.UnixNano() >= db.logIndexDue.Load() || unindexed >= logIndexBatch
	if due {
		if err := indexLog(ctx, tx); err != nil {
			return fmt.Errorf("sqlite: append log: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: append log: %w", err)
	}
	if due {
		db.logIndexDue.Store(now.Add(logIndexEvery).UnixNano())
		db.logUnindexed.Add(-unindexed)
	}
	return nil
}

// logIndexEvery is how often the keys of new chunks are merged into log_keys
// (migration 00003): a random key's page of the index is written once per
// merge instead of once per chunk, and a query reads at most this much of
// the log's newest chunks by their keys column.
const logIndexEvery = 10 * time.Second

// logIndexBatch is how many entries may wait for the merge however busy the
// log: it bounds what a query reads by the keys column.
const logIndexBatch = 10000

// IndexLog merges the keys of the chunks written since the last merge into
// the log's index at once, instead of at the next write past logIndexEvery.
func (db *DB) IndexLog(ctx context.Context) error {
	tx, err := db.logw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: index log: %w", err)
	}
	defer rollback(tx)
	if err := indexLog(ctx, tx); err != nil {
		return fmt.Errorf("sqlite: index log: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: index log: %w", err)
	}
	return nil
}

// indexLog merges the keys of the chunks written since the last merge into
// log_keys, in key order, so that consecutive inserts land on the same pages.
func indexLog(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT OR IGNORE INTO log_keys (key, chunk_id)
		SELECT k.value, c.id FROM log_chunks c, json_each(c.keys) k
		WHERE c.id > (SELECT through FROM log_index) ORDER BY 1, 2`); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE log_index SET through = (SELECT coalesce(max(id), through) FROM log_chunks)`); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// appendChunk writes one tenant's entries as a chunk with its keys.
func appendChunk(ctx context.Context, tx *sql.Tx, bufs *chunkBuffers, tenantID string, es []*roster.LogEntry) error {
	lines := bufs.lines[:0]
	seen := map[string]bool{}
	var keys []string
	for _, e := range es {
		lines = appendLogLine(lines, e)
		for _, k := range logKeys(e) {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	keysJSON, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	data := s2.Encode(bufs.packed[:cap(bufs.packed)], lines)
	bufs.keep(lines, data)
	sum := summarize(es)
	// The keys reach log_keys later, merged with other chunks' (indexLog).
	_, err = tx.ExecContext(ctx, `
		INSERT INTO log_chunks (tenant_id, first_seq, last_seq, first_at, last_at, n, keys, data, encoding,
			failures, throttled, ok_at, tested_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 's2', ?, ?, ?, ?)`,
		tenantID, es[0].ID, es[len(es)-1].ID, formatTime(es[0].Time), formatTime(es[len(es)-1].Time), len(es),
		string(keysJSON), data, sum.failures, sum.throttled, nullTime(sum.okAt), nullTime(sum.testedAt))
	return err
}

// chunkSummary is what a chunk's row says of its entries (migration 00017).
type chunkSummary struct {
	failures, throttled int
	okAt, testedAt      time.Time // zero: none
}

// summarize sums up a chunk's entries.
func summarize(es []*roster.LogEntry) chunkSummary {
	var s chunkSummary
	for _, e := range es {
		switch {
		case e.Status == http.StatusTooManyRequests:
			s.failures++
			s.throttled++
		case e.Status >= 400:
			s.failures++
		case e.Time.After(s.okAt):
			s.okAt = e.Time
		}
		if e.Action == "test-connection" && e.Time.After(s.testedAt) {
			s.testedAt = e.Time
		}
	}
	return s
}

// appendLogLine appends e to a chunk: a JSON line, the encoding of logLine
// that encoding/json would write (without its reflection), then the bodies as
// they are (see logLine.Bodies).
func appendLogLine(b []byte, e *roster.LogEntry) []byte {
	str := func(b []byte, key, v string, omitEmpty bool) []byte {
		if omitEmpty && v == "" {
			return b
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		return jsonenc.AppendString(b, v)
	}
	b = append(b, `{"i":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = str(b, "t", e.TenantID, true)
	b = append(b, `,"at":"`...)
	b = e.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","l":`...)
	b = strconv.AppendInt(b, e.Latency.Microseconds(), 10)
	b = str(b, "q", e.RequestID, false)
	b = str(b, "m", e.Method, false)
	b = str(b, "ro", e.Route, false)
	b = str(b, "qs", e.Query, true)
	b = str(b, "a", e.Action, false)
	b = str(b, "rt", e.ResourceType, true)
	b = str(b, "r", e.ResourceID, true)
	b = str(b, "x", e.ExternalID, true)
	b = str(b, "n", e.Name, true)
	b = append(b, `,"s":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = str(b, "st", e.ScimType, true)
	b = str(b, "re", e.Reason, true)
	b = str(b, "tp", e.TokenPrefix, true)
	b = str(b, "tn", e.TokenName, true)
	if len(e.Changes) > 0 {
		b = append(b, `,"c":`...)
		if bytes.IndexByte(e.Changes, '\n') < 0 {
			b = append(b, e.Changes...) // json.Marshal's output: compact, one line
		} else {
			var c bytes.Buffer
			if json.Compact(&c, e.Changes) != nil {
				c.Reset()
				c.WriteString("null")
			}
			b = append(b, c.Bytes()...)
		}
	}
	if e.Request == "" && e.Response == "" {
		return append(b, '}', '\n')
	}
	b = append(b, `,"b":[`...)
	b = strconv.AppendInt(b, int64(len(e.Request)), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(len(e.Response)), 10)
	b = append(b, "]}\n"...)
	b = append(b, e.Request...)
	b = append(b, e.Response...)
	return append(b, '\n')
}

// Log returns the rows q selects: it finds the chunks (by key for a user or a
// request, else by tenant in order) and filters their entries.
func (db *DB) Log(ctx context.Context, q roster.LogQuery) ([]*roster.LogEntry, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	var (
		where []string
		args  []any
	)
	if q.TenantID != "" {
		where, args = append(where, "tenant_id = ?"), append(args, q.TenantID)
	}
	if q.Unattributed {
		where = append(where, "tenant_id = ''") // a chunk holds one tenant's entries, or those of none
	}
	if !q.Since.IsZero() {
		where, args = append(where, "last_at >= ?"), append(args, formatTime(q.Since))
	}
	if !q.Until.IsZero() {
		// A chunk's entries are in the order they were appended: its first is
		// its earliest, but for a request that began up to requestWindow
		// before it and ended after.
		where, args = append(where, "first_at < ?"), append(args, formatTime(q.Until.Add(requestWindow)))
	}
	if q.Before > 0 {
		where, args = append(where, "first_seq < ?"), append(args, q.Before)
	}
	if q.After > 0 {
		where, args = append(where, "last_seq > ?"), append(args, q.After)
	}
	var keys []string
	switch {
	case q.RequestID != "":
		keys = []string{"q:" + q.RequestID}
	case q.User != "":
		keys = []string{"r:" + q.User, "x:" + q.User, "n:" + strings.ToLower(q.User)}
	}
	if keys != nil {
		// The chunks that have one of the keys: by log_keys up to the last
		// merge, by their own keys column after it (indexLog).
		in := "IN (" + strings.Repeat("?, ", len(keys)-1) + "?)"
		sub := `SELECT chunk_id FROM log_keys WHERE key ` + in + `
			UNION SELECT c.id FROM log_chunks c, json_each(c.keys) k
			WHERE c.id > (SELECT through FROM log_index) AND k.value ` + in
		for range 2 {
			for _, k := range keys {
				args = append(args, k)
			}
		}
		if t, ok := roster.RequestIDTime(q.RequestID); ok {
			// Not a key when it carries its request's time: its chunk is
			// among those that ended within requestWindow of that time.
			sub += ` UNION SELECT id FROM log_chunks WHERE last_at BETWEEN ? AND ?`
			args = append(args, formatTime(t.Add(-requestWindow)), formatTime(t.Add(requestWindow)))
		}
		where = append(where, "id IN ("+sub+")")
	}
	query := `SELECT data, encoding FROM log_chunks`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	if q.Oldest {
		query += ` ORDER BY id`
	} else {
		query += ` ORDER BY id DESC`
	}
	rows, err := db.logr.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: log: %w", err)
	}
	defer rows.Close()
	needles := logNeedles(q)
	var out []*roster.LogEntry
	for rows.Next() && len(out) < limit {
		var data []byte
		var encoding string
		if err := rows.Scan(&data, &encoding); err != nil {
			return nil, fmt.Errorf("sqlite: log: %w", err)
		}
		if data, err = inflate(data, encoding); err != nil {
			return nil, fmt.Errorf("sqlite: log: %w", err)
		}
		if !mayMatch(data, needles) {
			continue // no line of the chunk can match: not worth decoding
		}
		es, err := decodeChunk(data)
		if err != nil {
			return nil, fmt.Errorf("sqlite: log: %w", err)
		}
		if !q.Oldest {
			slices.Reverse(es)
		}
		for _, e := range es {
			if len(out) < limit && q.Matches(e) {
				out = append(out, e)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: log: %w", err)
	}
	return out, nil
}

// logNeedles returns what a chunk's bytes must each contain to hold a row q
// selects by its exact conditions: each as appendLogLine writes it. Decoding
// a chunk costs several times its decompression, and a rare reason or status
// would otherwise decode every chunk of the tenant.
func logNeedles(q roster.LogQuery) [][]byte {
	var needles [][]byte
	str := func(key, v string) {
		if v != "" {
			needles = append(needles, jsonenc.AppendString([]byte(`,"`+key+`":`), v))
		}
	}
	str("q", q.RequestID)
	str("m", q.Method)
	str("a", q.Action)
	str("re", q.Reason)
	if len(q.TokenPrefixes) == 1 {
		str("tp", q.TokenPrefixes[0])
	}
	if q.Status > 0 {
		needles = append(needles, strconv.AppendInt([]byte(`,"s":`), int64(q.Status), 10))
	}
	return needles
}

// mayMatch reports whether a chunk's data holds every needle: when it does
// not, none of its rows matches (when it does, a body may have held them).
func mayMatch(data []byte, needles [][]byte) bool {
	for _, n := range needles {
		if !bytes.Contains(data, n) {
			return false
		}
	}
	return true
}

// chunkBuffers keeps a chunk's JSON lines and their compressed form from one
// write to the next (the driver copies a blob as it binds it): grown once,
// rather than on every chunk. Chunks are compressed with S2 (encoding "s2"):
// at about 0.7 µs per KB it costs a fifth of DEFLATE's fastest level (3.1 µs
// per KB) and shrinks the log's chunks 11 times instead of 14; the few more
// pages written cost the writer far less than the compression saves.
type chunkBuffers struct {
	sync.Mutex
	lines, packed []byte
}

// keep holds on to the buffers for the next chunk, unless a chunk of bodies
// at their largest made them bigger than a few MB.
func (b *chunkBuffers) keep(lines, packed []byte) {
	const most = 4 << 20
	b.lines, b.packed = nil, nil
	if cap(lines) <= most {
		b.lines = lines
	}
	if cap(packed) <= most {
		b.packed = packed
	}
}

// maxChunk bounds a chunk's decoded size: a batch of entries with their bodies
// at provlog.MaxBody comes to a few MB.
const maxChunk = 64 << 20

// inflate returns a chunk's JSON lines, stored with encoding.
func inflate(data []byte, encoding string) ([]byte, error) {
	switch encoding {
	case "":
		return data, nil
	case "s2":
		if n, err := s2.DecodedLen(data); err == nil && n > maxChunk {
			return nil, fmt.Errorf("bad log chunk: %d bytes decoded, more than a chunk holds", n)
		}
		out, err := s2.Decode(nil, data)
		if err != nil {
			return nil, fmt.Errorf("bad log chunk: %w", err)
		}
		return out, nil
	case "deflate": // chunks written before s2
		out, err := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
		if err != nil {
			return nil, fmt.Errorf("bad log chunk: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad log chunk: unknown encoding %q", encoding)
}

// decodeChunk reads a chunk's entries, oldest first.
func decodeChunk(data []byte) ([]*roster.LogEntry, error) {
	var es []*roster.LogEntry
	for len(bytes.TrimSpace(data)) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		var l logLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("bad log chunk: %w", err)
		}
		data = rest
		if len(l.Bodies) == 2 {
			n, m := l.Bodies[0], l.Bodies[1]
			if n < 0 || m < 0 || n+m+1 > len(data) {
				return nil, fmt.Errorf("bad log chunk: entry %d: bodies of %d and %d bytes overrun the chunk", l.ID, n, m)
			}
			l.Request, l.Response = string(data[:n]), string(data[n:n+m])
			data = data[n+m+1:]
		}
		es = append(es, &roster.LogEntry{ID: l.ID, TenantID: l.TenantID, Time: l.Time, Latency: time.Duration(l.LatencyUS) * time.Microsecond,
			RequestID: l.RequestID, Method: l.Method, Route: l.Route, Query: l.Query, Action: l.Action,
			ResourceType: l.ResourceType, ResourceID: l.ResourceID, ExternalID: l.ExternalID, Name: l.Name,
			Status: l.Status, ScimType: l.ScimType, Reason: l.Reason, TokenPrefix: l.TokenPrefix, TokenName: l.TokenName,
			Changes: l.Changes, Request: l.Request, Response: l.Response})
	}
	return es, nil
}

// PruneLog deletes the chunks whose newest entry is older than before, with
// their keys, and returns how many entries went.
func (db *DB) PruneLog(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		n, done, err := db.deleteChunks(ctx, `last_at < ?`, formatTime(before))
		total += n
		if err != nil {
			return total, fmt.Errorf("sqlite: prune log: %w", err)
		}
		if done {
			return total, nil
		}
	}
}

// deleteChunks deletes up to 100 chunks matching where (a constant condition
// on log_chunks with one placeholder for arg) in one transaction, with their keys.
func (db *DB) deleteChunks(ctx context.Context, where string, arg any) (n int64, done bool, err error) {
	tx, err := db.logw.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer rollback(tx)
	rows, err := tx.QueryContext(ctx, `DELETE FROM log_chunks WHERE id IN (
		SELECT id FROM log_chunks WHERE `+where+` ORDER BY id LIMIT 100) RETURNING id, n, keys`, arg)
	if err != nil {
		return 0, false, err
	}
	type gone struct {
		id   int64
		keys []string
	}
	var chunks []gone
	for rows.Next() {
		var (
			g    gone
			m    int64
			keys string
		)
		if err := rows.Scan(&g.id, &m, &keys); err != nil {
			rows.Close()
			return 0, false, err
		}
		if err := json.Unmarshal([]byte(keys), &g.keys); err != nil {
			rows.Close()
			return 0, false, err
		}
		n += m
		chunks = append(chunks, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	for _, g := range chunks {
		for _, k := range g.keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM log_keys WHERE key = ? AND chunk_id = ?`, k, g.id); err != nil {
				return 0, false, err
			}
		}
	}
	return n, len(chunks) < 100, tx.Commit()
}

// RecordRun notes when the maintenance task name last ran and what it did.
func (db *DB) RecordRun(ctx context.Context, name string, at time.Time, detail string) error {
	_, err := db.logw.ExecContext(ctx, `
		INSERT INTO maintenance_runs (name, at, detail) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail`, name, formatTime(at), detail)
	if err != nil {
		return fmt.Errorf("sqlite: record run: %w", err)
	}
	return nil
}

// LastRun returns when name last ran and what it did; the zero time when never.
func (db *DB) LastRun(ctx context.Context, name string) (time.Time, string, error) {
	var (
		at     sql.NullString
		detail string
	)
	err := db.logr.QueryRowContext(ctx, `SELECT at, detail FROM maintenance_runs WHERE name = ?`, name).Scan(&at, &detail)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, "", nil
	}
	if err != nil {
		return time.Time{}, "", fmt.Errorf("sqlite: last run: %w", err)
	}
	t, err := parseTime(at)
	return t, detail, err
}
