package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rosterhq/roster"
)

// TenantStats returns the figures of each tenant of ids that exists: users,
// groups, tokens and webhook backlogs from the database, requests from the
// summaries of the provisioning log's chunks (log migration 00017), whose
// window starts at the first chunk that ended at or after since.
func (db *DB) TenantStats(ctx context.Context, ids []string, since time.Time) (map[string]roster.TenantStats, error) {
	stats := map[string]roster.TenantStats{}
	if len(ids) == 0 {
		return stats, nil
	}
	cursors, err := db.tenantCounts(ctx, ids, stats)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant stats: %w", err)
	}
	for id, cursor := range cursors {
		st := stats[id]
		if st.Backlog, err = db.backlog(ctx, id, cursor); err != nil {
			return nil, fmt.Errorf("sqlite: tenant stats: %w", err)
		}
		stats[id] = st
	}
	if err := db.logStats(ctx, ids, since, stats); err != nil {
		return nil, fmt.Errorf("sqlite: tenant stats: %w", err)
	}
	return stats, nil
}

// tenantCountsQuery reads the figures of the tenants of a JSON array of ids
// that the database holds (TestTenantStatsPlans); live users and groups from
// tenant_counts (migration 00024).
const tenantCountsQuery = `
	SELECT t.id, coalesce(c.users, 0), coalesce(c.groups, 0),
		(SELECT count(*) FROM tokens k WHERE k.tenant_id = t.id AND k.revoked IS NULL),
		(SELECT CASE WHEN count(*) = count(k.expires) THEN max(k.expires) END
			FROM tokens k WHERE k.tenant_id = t.id AND k.revoked IS NULL),
		(SELECT min(w.cursor) FROM webhooks w WHERE w.tenant_id = t.id OR w.tenant_id IS NULL)
	FROM tenants t LEFT JOIN tenant_counts c ON c.tenant_id = t.id
	WHERE t.id IN (SELECT value FROM json_each(?))`

// tenantCounts fills stats with the users, groups and tokens of the tenants
// of ids that exist, and returns the cursor of the furthest-behind webhook
// delivering each one's events, for the tenants that have one.
func (db *DB) tenantCounts(ctx context.Context, ids []string, stats map[string]roster.TenantStats) (map[string]int64, error) {
	rows, err := db.read.QueryContext(ctx, tenantCountsQuery, jsonArray(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cursors := map[string]int64{}
	for rows.Next() {
		var (
			id      string
			st      roster.TenantStats
			expires sql.NullString
			cursor  sql.NullInt64
		)
		if err := rows.Scan(&id, &st.Users, &st.Groups, &st.Tokens, &expires, &cursor); err != nil {
			return nil, err
		}
		if st.TokensExpire, err = parseTime(expires); err != nil {
			return nil, err
		}
		if cursor.Valid {
			cursors[id] = cursor.Int64
		}
		stats[id] = st
	}
	return cursors, rows.Err()
}

// backlog counts the tenant's events after cursor, up to MaxBacklog+1.
func (db *DB) backlog(ctx context.Context, tenantID string, cursor int64) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, `
		SELECT count(*) FROM (SELECT 1 FROM events WHERE tenant_id = ? AND seq > ? LIMIT ?)`,
		tenantID, cursor, roster.MaxBacklog+1).Scan(&n)
	return n, err
}

// logStatsQuery reads the log's figures of the tenants of a JSON array of
// ids (?1), counting requests in the chunks that ended at or after ?2
// (TestTenantStatsPlans).
const logStatsQuery = `
	SELECT j.value,
		(SELECT last_at FROM log_chunks WHERE tenant_id = j.value ORDER BY last_at DESC LIMIT 1),
		(SELECT ok_at FROM log_chunks WHERE tenant_id = j.value AND ok_at IS NOT NULL ORDER BY last_at DESC LIMIT 1),
		(SELECT tested_at FROM log_chunks WHERE tenant_id = j.value AND tested_at IS NOT NULL ORDER BY tested_at DESC LIMIT 1),
		coalesce(s.n, 0), coalesce(s.failures, 0), coalesce(s.throttled, 0)
	FROM json_each(?1) j LEFT JOIN (
		SELECT tenant_id, sum(n) AS n, sum(failures) AS failures, sum(throttled) AS throttled
		FROM log_chunks
		WHERE tenant_id IN (SELECT value FROM json_each(?1)) AND last_at >= ?2 AND failures IS NOT NULL
		GROUP BY tenant_id
	) s ON s.tenant_id = j.value`

// logStats adds to stats what the provisioning log's chunk summaries say of
// each tenant in it: each figure is read from log_chunks_summary or
// log_chunks_tested alone, never from a chunk's row.
func (db *DB) logStats(ctx context.Context, ids []string, since time.Time, stats map[string]roster.TenantStats) error {
	rows, err := db.logr.QueryContext(ctx, logStatsQuery, jsonArray(ids), formatTime(since))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                 string
			last, ok, tested   sql.NullString
			n, failed, refused int64
		)
		if err := rows.Scan(&id, &last, &ok, &tested, &n, &failed, &refused); err != nil {
			return err
		}
		st, exists := stats[id]
		if !exists {
			continue
		}
		if err := parseTimes([]*time.Time{&st.LastRequest, &st.LastSuccess, &st.TestConnection}, last, ok, tested); err != nil {
			return err
		}
		st.Requests, st.Failures, st.Throttled = n, failed, refused
		stats[id] = st
	}
	return rows.Err()
}
