package main

import (
	"strings"
	"testing"
)

// TestCollectorSettings checks the garbage collector's settings: a target of
// 400% and a soft limit of 64 MiB by default; the runtime's own when GOGC or
// GOMEMLIMIT is set; ROSTER_GC_PERCENT and ROSTER_MEMORY_LIMIT_MB over both;
// refused below 0. Both are printed with the configuration.
func TestCollectorSettings(t *testing.T) {
	for _, tc := range []struct {
		env           map[string]string
		gc, memoryMiB int
		wantErr       bool
	}{
		{env: nil, gc: 400, memoryMiB: 64},
		{env: map[string]string{"GOGC": "200"}, gc: 0, memoryMiB: 64},
		{env: map[string]string{"GOGC": "200", "ROSTER_GC_PERCENT": "250"}, gc: 250, memoryMiB: 64},
		{env: map[string]string{"ROSTER_GC_PERCENT": "0"}, gc: 0, memoryMiB: 64},
		{env: map[string]string{"GOMEMLIMIT": "1GiB"}, gc: 400, memoryMiB: 0},
		{env: map[string]string{"GOMEMLIMIT": "1GiB", "ROSTER_MEMORY_LIMIT_MB": "512"}, gc: 400, memoryMiB: 512},
		{env: map[string]string{"ROSTER_GC_PERCENT": "-1"}, wantErr: true},
		{env: map[string]string{"ROSTER_GC_PERCENT": "many"}, wantErr: true},
		{env: map[string]string{"ROSTER_MEMORY_LIMIT_MB": "-5"}, wantErr: true},
	} {
		c, err := defaultConfig(func(k string) string { return tc.env[k] })
		if err == nil {
			err = c.validate()
		}
		if (err != nil) != tc.wantErr {
			t.Errorf("env %v: err %v; want an error %v", tc.env, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if c.GCPercent != tc.gc || c.MemoryLimitMB != tc.memoryMiB {
			t.Errorf("env %v: GCPercent %d, MemoryLimitMB %d; want %d, %d", tc.env, c.GCPercent, c.MemoryLimitMB, tc.gc, tc.memoryMiB)
		}
		if s := c.String(); !strings.Contains(s, "gc_percent=") || !strings.Contains(s, "memory_limit_mb=") {
			t.Errorf("env %v: the printed configuration lacks the collector's settings: %s", tc.env, s)
		}
	}
}
