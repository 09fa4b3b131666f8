package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/testdb"
)

// The roster binary the tests run, built once by rosterBinary.
var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "roster-bench-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// rosterBinary builds cmd/roster once for all tests and returns its path: the
// load tool is a client of the real binary, as it is in use.
func rosterBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "roster")
		out, err := exec.Command("go", "build", "-o", binPath, "../roster").CombinedOutput()
		if err != nil {
			binError = fmt.Errorf("go build ../roster: %w\n%s", err, out)
		}
	})
	if binError != nil {
		t.Fatal(binError)
	}
	return binPath
}

// forEachStore runs test once per store, as subtests "sqlite" and "postgres",
// each with the --db value of a new, empty database. The PostgreSQL run needs
// ROSTER_TEST_POSTGRES and says so when it is skipped.
func forEachStore(t *testing.T, test func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, "sqlite:"+testdb.SQLitePath(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, testdb.Postgres(t)) })
}

// rosterServer is "roster serve" running as a process of its own on 127.0.0.1
// over a throw-away database.
type rosterServer struct {
	bin   string
	db    string // the --db value
	base  string // SCIM base URL
	token string // the first tenant's token, of tenant "default"
}

// startRoster starts "roster serve" on db and returns once it printed its URL
// and the first tenant's token; it is stopped with SIGTERM when t ends.
func startRoster(t *testing.T, db string) *rosterServer {
	t.Helper()
	s := &rosterServer{bin: rosterBinary(t), db: db}
	cmd := exec.Command(s.bin, "serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
		"--drain-delay", "0s", "--db", db, "--log-level", "warn")
	cmd.Env = os.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := newOutput(stdout, stderr)
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { out.wait(); done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("roster serve: %v\n%s", err, out)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("roster serve did not stop on SIGTERM\n%s", out)
		}
	})
	s.base = out.waitFor(t, "serving SCIM 2.0 at ")
	s.token = out.waitFor(t, "Secret Token:")
	return s
}

// cli runs a roster command on the server's database and returns its stdout, trimmed.
func (s *rosterServer) cli(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.bin, append(args, "--db", s.db)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("roster %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// userCount returns the totalResults of GET /Users with the bearer token.
func (s *rosterServer) userCount(t *testing.T, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", s.base+"/Users?count=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct{ TotalResults int }
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode == http.StatusOK {
		err = json.Unmarshal(body, &doc)
	}
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /Users = %d (%v): %s", res.StatusCode, err, body)
	}
	return doc.TotalResults
}

// output gathers the lines a process writes to stdout and stderr, in the order
// they are read, and tells waiters about each.
type output struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
	readers sync.WaitGroup
}

func newOutput(rs ...io.Reader) *output {
	o := &output{changed: make(chan struct{}, 1)}
	for _, r := range rs {
		o.readers.Add(1)
		go func() {
			defer o.readers.Done()
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				o.mu.Lock()
				o.lines = append(o.lines, sc.Text())
				o.mu.Unlock()
				select {
				case o.changed <- struct{}{}:
				default:
				}
			}
		}()
	}
	return o
}

// wait returns once the process closed its output.
func (o *output) wait() { o.readers.Wait() }

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.lines, "\n")
}

// waitFor returns the rest of the first line that holds marker, trimmed.
func (o *output) waitFor(t *testing.T, marker string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		o.mu.Lock()
		for _, l := range o.lines {
			if _, after, ok := strings.Cut(l, marker); ok {
				o.mu.Unlock()
				return strings.TrimSpace(after)
			}
		}
		o.mu.Unlock()
		select {
		case <-o.changed:
		case <-timeout:
			t.Fatalf("no %q in the output of roster serve:\n%s", marker, o)
		}
	}
}
