package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// largeTable is the size from which a table that has no statistics is not
// analysed at open but given estimated ones (estimateStats).
var largeTable int64 = 50_000

// estimateStats records, for each index of a large table that has no row
// in sqlite_stat1, the statistics the planner assumes for an index it knows
// nothing about (SQLite's sqlite3DefaultRowEst: about 10 rows for a value of
// the first column, fewer for each further one, 1 for a whole unique key),
// with the table's estimated size as the index's size. It then reloads the
// statistics, so that PRAGMA optimize finds nothing to analyse in those
// tables.
//
// ANALYZE counts every entry of every index of a table exactly, even with an
// analysis limit: after a large import or a restore, the first start read
// every index of users, user_emails and events, 16–18 s for a million users
// from a cold page cache. The planner makes the same choices with these
// estimates as on a file that grew since it was opened, which has no
// statistics: the plan tests hold Roster's queries to those choices. The
// size comes from the rowid range, a read of two index entries; a table
// without rowid is counted up to twice largeTable.
func estimateStats(ctx context.Context, conn *sql.DB) error {
	missing, err := indexesWithoutStats(ctx, conn)
	if err != nil || len(missing) == 0 {
		return err
	}
	var rows [][3]string
	for table, indexes := range missing {
		n, err := estimateRows(ctx, conn, table)
		if err != nil {
			return fmt.Errorf("estimate the size of %s: %w", table, err)
		}
		if n < largeTable {
			continue
		}
		for _, ix := range indexes {
			rows = append(rows, [3]string{table, ix.name, ix.defaultStat(n)})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)`, r[0], r[1], r[2]); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// The documented way to have a connection reload sqlite_stat1.
	_, err = conn.ExecContext(ctx, `ANALYZE sqlite_schema`)
	return err
}

// statIndex is what the default statistics of an index depend on.
type statIndex struct {
	name            string
	columns         int
	unique, partial bool
}

// defaultStat is sqlite3DefaultRowEst's estimate for ix in a table of n rows,
// as a sqlite_stat1 stat: the index's size (half the table's for a partial
// index), then the rows for each prefix of its columns.
func (ix statIndex) defaultStat(n int64) string {
	if ix.partial {
		n /= 2
	}
	stat := []string{strconv.FormatInt(max(n, 1), 10)}
	for i := 1; i <= ix.columns; i++ {
		per := 5
		if i <= 5 {
			per = 11 - i // 10, 9, 8, 7, 6
		}
		if i == ix.columns && ix.unique {
			per = 1
		}
		stat = append(stat, strconv.Itoa(per))
	}
	return strings.Join(stat, " ")
}

// indexesWithoutStats returns, by table, the indexes of Roster's tables that
// have no row in sqlite_stat1, creating that table when there is none.
func indexesWithoutStats(ctx context.Context, conn *sql.DB) (map[string][]statIndex, error) {
	// sqlite_stat1 appears with the first ANALYZE: that of a table that is
	// always small.
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'`).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		if _, err := conn.ExecContext(ctx, `ANALYZE server_settings`); err != nil {
			return nil, err
		}
	}
	// ANALYZE names the primary key of a table without rowid by the table.
	rows, err := conn.QueryContext(ctx, `
		SELECT t.name, iif(tl.wr AND il.origin = 'pk', t.name, il.name), il."unique", il.partial,
			(SELECT count(*) FROM pragma_index_info(il.name))
		FROM sqlite_schema t JOIN pragma_table_list tl ON tl.schema = 'main' AND tl.name = t.name,
			pragma_index_list(t.name) il
		WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'
			AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 s
				WHERE s.tbl = t.name AND s.idx = iif(tl.wr AND il.origin = 'pk', t.name, il.name))`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	missing := map[string][]statIndex{}
	for rows.Next() {
		var (
			table string
			ix    statIndex
		)
		if err := rows.Scan(&table, &ix.name, &ix.unique, &ix.partial, &ix.columns); err != nil {
			return nil, err
		}
		missing[table] = append(missing[table], ix)
	}
	return missing, rows.Err()
}

// estimateRows estimates the rows of table: the span of its rowids, or for a
// table without rowid its count up to twice largeTable.
func estimateRows(ctx context.Context, conn *sql.DB, table string) (int64, error) {
	var withoutRowid bool
	if err := conn.QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?`, table).Scan(&withoutRowid); err != nil {
		return 0, err
	}
	quoted := `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
	var n sql.NullInt64
	var err error
	if withoutRowid {
		err = conn.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+quoted+` LIMIT ?)`, 2*largeTable).Scan(&n)
	} else {
		// Two queries, each of which SQLite answers from one end of the
		// table; max(rowid) - min(rowid) in one would read it all.
		err = conn.QueryRowContext(ctx, `SELECT (SELECT max(rowid) FROM `+quoted+`) - (SELECT min(rowid) FROM `+quoted+`) + 1`).Scan(&n)
	}
	return n.Int64, err
}
