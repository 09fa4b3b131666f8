package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/provlog"
	"github.com/rosterhq/roster/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) roster.Store { return open(tb, testdb.SQLitePath(tb)) })
}

// BenchmarkProvisioningLogWriter measures what the provisioning log costs per
// SCIM request in the background: entries shaped like Entra's traffic (a
// lookup, a create, a PATCH, in turn) go through a provlog.Recorder into the
// log file, redacted, encoded and indexed. It reports the process CPU time per
// entry (cpu-µs/entry), which divided by a request's own CPU time is the log's
// share of SCIM throughput on a CPU-bound server.
func BenchmarkProvisioningLogWriter(b *testing.B) {
	db := open(b, testdb.SQLitePath(b))
	lookupRes := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[` +
		strings.Repeat(`{"id":"0f0a5c2e-8d1b-4f7a-9c3e-2b6d8e1f4a7c","userName":"ada@contoso.com"},`, 12) + `{}]}`)
	createReq := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"externalId":"4ad2c1f3-5b6e-4c7d-8e9f-0a1b2c3d4e5f","userName":"ada@contoso.com","active":true,"displayName":"Ada Lovelace",` +
		`"emails":[{"primary":true,"type":"work","value":"ada@contoso.com"}],"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"},` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1815","department":"Analytics","costCenter":"CC-42","organization":"Contoso"}}`)
	createRes := append(append([]byte(nil), createReq[:len(createReq)-1]...), `,"id":"0f0a5c2e-8d1b-4f7a-9c3e-2b6d8e1f4a7c","meta":{"resourceType":"User","created":"2026-11-28T20:00:00.000Z","lastModified":"2026-11-28T20:00:00.000Z","location":"https://roster.example/scim/v2/Users/0f0a5c2e-8d1b-4f7a-9c3e-2b6d8e1f4a7c","version":"W/\"1\""}}`...)
	patchReq := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Analyst"},{"op":"Replace","path":"active","value":"False"}]}`)
	changes := []byte(`{"title":{"old":null,"new":"Analyst"},"active":{"old":true,"new":false}}`)
	rec := provlog.New(db, provlog.Options{Buffer: b.N + 1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	go func() { rec.Run(ctx); close(done) }()
	// Resource ids are random, as in service (keys in increasing order would
	// all land on the key index's last page, random ones each on a page of
	// their own), and request ids are made as the server makes them.
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range b.N {
		id := fmt.Sprintf("%08x-8d1b-4f7a-9c3e-%012x", rnd.Uint32(), rnd.Uint64()&(1<<48-1))
		now := time.Now()
		e := &roster.LogEntry{TenantID: "t1", Time: now, Latency: 400 * time.Microsecond, RequestID: roster.NewRequestID(now),
			ResourceType: "User", TokenPrefix: "rst_abcd", TokenName: "entra", Status: 200}
		var req, res []byte
		switch i % 3 {
		case 0:
			e.Method, e.Route, e.Action, e.Query, e.Name = "GET", "GET /scim/v2/Users", "lookup", `filter=userName+eq+"ada@contoso.com"`, "ada@contoso.com"
			res = lookupRes
		case 1:
			e.Method, e.Route, e.Action, e.Status, e.ResourceID, e.ExternalID, e.Name = "POST", "POST /scim/v2/Users", "create", 201, id, "ext-"+id, "ada@contoso.com"
			e.Changes = changes
			req, res = createReq, createRes
		case 2:
			e.Method, e.Route, e.Action, e.ResourceID, e.ExternalID, e.Name = "PATCH", "PATCH /scim/v2/Users/{id}", "update", id, "ext-"+id, "ada@contoso.com"
			e.Changes = changes
			req, res = patchReq, createRes
		}
		rec.Record(e, req, res)
	}
	cancel()
	<-done
	// The keys of the last entries, merged now rather than at the next write.
	if err := db.IndexLog(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/entry")
	if rec.Written() != int64(b.N) {
		b.Fatalf("written %d of %d", rec.Written(), b.N)
	}
}

// BenchmarkUserRead reads a user of 1,000 by id, as User does for a PATCH
// and UserDoc for a GET without a projection (the document left as its
// text, no emails subquery), and reports the process CPU time per read
// (cpu-µs/read), steadier than wall time on a shared machine.
func BenchmarkUserRead(b *testing.B) {
	ctx := context.Background()
	db := open(b, testdb.SQLitePath(b))
	tn := &roster.Tenant{Name: "bench"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 1000)
	for i := range ids {
		name := fmt.Sprintf("user%06d@example.com", i)
		u := &roster.User{UserName: name, Active: true, Emails: []roster.Email{{Value: name, Type: "work", Primary: true}},
			Doc: map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": name, "active": true,
				"displayName": fmt.Sprintf("User %d", i), "emails": []any{map[string]any{"value": name, "type": "work", "primary": true}},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Engineering"}}}
		if err := db.CreateUser(ctx, tn.ID, u); err != nil {
			b.Fatal(err)
		}
		ids[i] = u.ID
	}
	for _, tt := range []struct {
		name string
		read func(id string) error
	}{
		{"User", func(id string) error { _, err := db.User(ctx, tn.ID, id); return err }},
		{"UserDoc", func(id string) error { _, _, err := db.UserDoc(ctx, tn.ID, id); return err }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			i := 0
			for b.Loop() {
				if err := tt.read(ids[i%len(ids)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
			b.ReportMetric(float64(cpu)/1e3/float64(b.N), "cpu-µs/read")
		})
	}
}
