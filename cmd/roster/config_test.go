package main

import (
	"context"
	"net"
	"os"
	"strconv"
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

// TestDefaultAdminPort checks that the admin listener's default port is none
// that a common server of the same machine takes by default (9090 is
// Prometheus's own: with it, roster serve could not start beside Prometheus),
// and that the table of flags in docs/operations.md names the default the
// code has.
func TestDefaultAdminPort(t *testing.T) {
	c, err := defaultConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(c.AdminAddr)
	if err != nil {
		t.Fatalf("default admin address %q: %v", c.AdminAddr, err)
	}
	taken := map[string]string{
		"3000": "Grafana", "5432": "PostgreSQL", "6060": "Go's pprof examples", "6379": "Redis", "8080": "Roster's own --addr",
		"8081": "Kafka's schema registry, Flink, Nexus", "8085": "Bamboo, the Pub/Sub emulator", "8089": "Splunk",
		"8096": "Jellyfin", "8098": "Riak", "8099": "Home Assistant's add-ons", "8200": "Vault", "8500": "Consul",
		"8888": "Jupyter, the OpenTelemetry Collector's metrics", "9000": "MinIO, SonarQube, ClickHouse",
		"9090": "Prometheus", "9091": "the Pushgateway", "9093": "Alertmanager", "9100": "node_exporter",
		"9464": "OpenTelemetry's Prometheus exporter",
	}
	if who, ok := taken[port]; ok {
		t.Errorf("default admin address %s: port %s is %s's", c.AdminAddr, port, who)
	}
	if n, _ := strconv.Atoi(port); n >= 9100 && n <= 9999 {
		t.Errorf("default admin address %s: 9100-9999 are Prometheus exporters' ports", c.AdminAddr)
	}
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	if row := "| `--admin-addr` | `ROSTER_ADMIN_ADDR` | `" + c.AdminAddr + "` |"; !strings.Contains(string(doc), row) {
		t.Errorf("docs/operations.md's table of flags has no row %q", row)
	}
}

// TestListenerPortTaken starts roster serve on a port another program holds,
// the public one and then the admin one: the error names the flag and the
// environment variable that choose another.
func TestListenerPortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--addr", taken.Addr().String(), "--admin-addr", "off"}, []string{"--addr", "ROSTER_ADDR", taken.Addr().String()}},
		{[]string{"--addr", "127.0.0.1:0", "--admin-addr", taken.Addr().String()}, []string{"--admin-addr", "ROSTER_ADMIN_ADDR", taken.Addr().String()}},
	} {
		var stdout, stderr strings.Builder
		args := append([]string{"serve", "--db", sqliteDB(t)}, tc.args...)
		err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
		if err == nil {
			t.Fatalf("roster %s: no error", strings.Join(args, " "))
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("roster %s: %v; want it to name %s", strings.Join(args, " "), err, w)
			}
		}
	}
}
