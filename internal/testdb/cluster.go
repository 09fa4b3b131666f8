package testdb

import (
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Cluster is a PostgreSQL server of a test's own, in a temporary directory,
// which the test may stop and start as it likes: unlike the server of
// ROSTER_TEST_POSTGRES, which other tests share, nothing else uses it.
type Cluster struct {
	dir  string // data directory, socket and log
	bin  string // directory of initdb and pg_ctl
	port int
	cred *syscall.Credential // the postgres account the server runs as
}

// NewCluster initialises and starts a PostgreSQL server on a free port of
// 127.0.0.1; it is stopped and removed when t ends. PostgreSQL refuses to run
// as root, so the server runs as the postgres account, which only root may
// switch to. Without root, the account or PostgreSQL's binaries, t is skipped
// (saying why), or fails when CI is "true".
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	unable := t.Skipf
	if os.Getenv("CI") == "true" {
		unable = t.Fatalf
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		unable("a PostgreSQL server of the test's own cannot start: no /usr/lib/postgresql/*/bin/initdb")
		return nil
	}
	if os.Geteuid() != 0 {
		unable("a PostgreSQL server of the test's own cannot start: it runs as the postgres account, which needs root")
		return nil
	}
	acct, err := user.Lookup("postgres")
	if err != nil {
		unable("a PostgreSQL server of the test's own cannot start: %v", err)
		return nil
	}
	uid, _ := strconv.Atoi(acct.Uid)
	gid, _ := strconv.Atoi(acct.Gid)
	dir, err := os.MkdirTemp("", "roster-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{dir: dir, bin: filepath.Dir(bins[len(bins)-1]), port: freePort(t),
		cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	c.run(t, "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "--no-sync")
	c.Start(t)
	t.Cleanup(func() {
		// Already stopped when the test failed while the server was down.
		cmd := osexec.Command(filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "stop", "-m", "immediate")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Run()
	})
	return c
}

// URL is the connection URL of the cluster's postgres database.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	c.pgctl(t, "start", "-w", "-l", filepath.Join(c.dir, "log"),
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c shared_buffers=16MB", c.port, c.dir))
}

// Stop stops the server at once, as a crash would: sessions are cut, and the
// next start recovers from the write-ahead log.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	c.pgctl(t, "stop", "-w", "-m", "immediate")
}

// Restart stops the server at once and starts it again (pg_ctl restart -m
// immediate), returning once it accepts connections.
func (c *Cluster) Restart(t testing.TB) {
	t.Helper()
	c.pgctl(t, "restart", "-w", "-m", "immediate", "-l", filepath.Join(c.dir, "log"))
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) pgctl(t testing.TB, args ...string) {
	t.Helper()
	c.run(t, "pg_ctl", append([]string{"-D", c.data()}, args...)...)
}

// run runs one of PostgreSQL's programs as the postgres account.
func (c *Cluster) run(t testing.TB, name string, args ...string) {
	t.Helper()
	cmd := osexec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, log)
	}
}

// freePort returns a TCP port of 127.0.0.1 that nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
