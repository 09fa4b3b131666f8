package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// bulkCreates is how many users each iteration of BenchmarkBulkCreate creates.
const bulkCreates = 1000

// BenchmarkBulkCreate creates 1,000 users per iteration (one op), as one Bulk request
// ("bulk") and as 1,000 POSTs one after another on one connection ("single"),
// on a server without a rate limit. Both write the same rows, events and
// provisioning log rows.
func BenchmarkBulkCreate(b *testing.B) {
	benchStores(b, func(b *testing.B, db string) {
		s := startServerWith(b, db, "--rate-limit", "0", "--bulk-max-payload", "4194304")
		run := 0
		user := func(i int) string {
			return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u%d-%d@example.com","active":true}`, run, i)
		}
		b.Run("bulk", func(b *testing.B) {
			for b.Loop() {
				run++
				ops := make([]string, bulkCreates)
				for i := range ops {
					ops[i] = fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"u%d","data":%s}`, i, user(i))
				}
				body := benchSend(b, s, "/Bulk", bulkMsg+strings.Join(ops, ",")+"]}", 200)
				if n := strings.Count(body, `"status":"201"`); n != bulkCreates {
					b.Fatalf("%d of %d created", n, bulkCreates)
				}
			}
		})
		b.Run("single", func(b *testing.B) {
			for b.Loop() {
				run++
				for i := range bulkCreates {
					benchSend(b, s, "/Users", user(i), 201)
				}
			}
		})
	})
}

// benchSend posts body to path and returns the answer, which must have status.
func benchSend(b *testing.B, s *testServer, path, body string, status int) string {
	req, err := newSCIMRequest(s, "POST", path, body)
	if err != nil {
		b.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != status {
		b.Fatalf("POST %s: %d, want %d: %v %.300s", path, res.StatusCode, status, err, raw)
	}
	return string(raw)
}
