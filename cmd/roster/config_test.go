package main

import (
	"strings"
	"testing"
)

// TestGCPercent checks the collector setting: 400 by default, the runtime's
// own when GOGC is set, ROSTER_GC_PERCENT over both, and refused below 0.
func TestGCPercent(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    int
		wantErr bool
	}{
		{env: nil, want: 400},
		{env: map[string]string{"GOGC": "200"}, want: 0},
		{env: map[string]string{"GOGC": "200", "ROSTER_GC_PERCENT": "250"}, want: 250},
		{env: map[string]string{"ROSTER_GC_PERCENT": "0"}, want: 0},
		{env: map[string]string{"ROSTER_GC_PERCENT": "-1"}, wantErr: true},
		{env: map[string]string{"ROSTER_GC_PERCENT": "many"}, wantErr: true},
	} {
		c, err := defaultConfig(func(k string) string { return tc.env[k] })
		if err == nil {
			err = c.validate()
		}
		if (err != nil) != tc.wantErr {
			t.Errorf("env %v: err %v; want an error %v", tc.env, err, tc.wantErr)
			continue
		}
		if err == nil && c.GCPercent != tc.want {
			t.Errorf("env %v: GCPercent %d; want %d", tc.env, c.GCPercent, tc.want)
		}
		if err == nil && (!strings.Contains(c.String(), "gc_percent=") || !strings.Contains(c.String(), "memory_limit_mb=")) {
			t.Errorf("env %v: the printed configuration has no gc_percent: %s", tc.env, c)
		}
	}
}

// TestMemoryLimit checks the collector's soft memory limit: 64 MiB by
// default, none when GOMEMLIMIT is set, ROSTER_MEMORY_LIMIT_MB over both.
func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    int
		wantErr bool
	}{
		{env: nil, want: 64},
		{env: map[string]string{"GOMEMLIMIT": "1GiB"}, want: 0},
		{env: map[string]string{"GOMEMLIMIT": "1GiB", "ROSTER_MEMORY_LIMIT_MB": "512"}, want: 512},
		{env: map[string]string{"ROSTER_MEMORY_LIMIT_MB": "-5"}, wantErr: true},
	} {
		c, err := defaultConfig(func(k string) string { return tc.env[k] })
		if err == nil {
			err = c.validate()
		}
		if (err != nil) != tc.wantErr || (err == nil && c.MemoryLimitMB != tc.want) {
			t.Errorf("env %v: MemoryLimitMB %d, err %v; want %d, an error %v", tc.env, c.MemoryLimitMB, err, tc.want, tc.wantErr)
		}
	}
}
