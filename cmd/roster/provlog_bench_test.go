package main

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/rosterhq/roster/internal/testdb"
)

// BenchmarkProvisioningLog measures SCIM requests through the real server on
// SQLite with the provisioning log off and on: a get by id, Entra's userName
// lookup, and a create, each from 8 concurrent clients.
func BenchmarkProvisioningLog(b *testing.B) {
	for _, mode := range []string{"off", "on"} {
		b.Run(mode, func(b *testing.B) {
			s := startServerWith(b, "sqlite:"+testdb.SQLitePath(b), "--provisioning-log="+map[string]string{"on": "true", "off": "false"}[mode],
				"--rate-limit", "0", "--max-inflight", "0")
			status, _ := benchCreate(s, "seed@example.com")
			if status != 201 {
				b.Fatalf("seed: %d", status)
			}
			req, _ := newSCIMRequest(s, "GET", "/Users?filter="+q(`userName eq "seed@example.com"`), "")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			res.Body.Close()
			var n atomic.Int64
			for _, phase := range []string{"lookup", "create"} {
				b.Run(phase, func(b *testing.B) {
					b.SetParallelism(4) // 4 × GOMAXPROCS(2) = 8 clients
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							i := n.Add(1)
							var req *http.Request
							if phase == "create" {
								req, _ = newSCIMRequest(s, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b%d@example.com","active":true}`, i))
							} else {
								req, _ = newSCIMRequest(s, "GET", "/Users?filter="+q(`userName eq "seed@example.com"`), "")
							}
							res, err := http.DefaultClient.Do(req)
							if err != nil {
								b.Error(err)
								return
							}
							io.Copy(io.Discard, res.Body)
							res.Body.Close()
						}
					})
				})
			}
		})
	}
}
