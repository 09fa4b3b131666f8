// Package migration reads the versions of the embedded migrations of a store,
// for telling which of them a database lacks without applying any.
package migration

import (
	"io/fs"
	"slices"

	"github.com/pressly/goose/v3"
)

// Versions returns the versions of the .sql migrations of dir in fsys, in order.
func Versions(fsys fs.FS, dir string) ([]int64, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var versions []int64
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return nil, err
		}
		versions = append(versions, v)
	}
	slices.Sort(versions)
	return versions, nil
}

// Missing returns the versions of carried that applied lacks, in order.
func Missing(carried []int64, applied map[int64]bool) []int64 {
	return slices.DeleteFunc(slices.Clone(carried), func(v int64) bool { return applied[v] })
}
