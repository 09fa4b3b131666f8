// Command readload creates users on a running Roster, then reads them as
// Entra ID does (or, with --mode patch, updates them with Entra's PATCH; with
// --mode create, creates more), from
// a number of clients at once for a while, and prints the requests per second.
// It sends only to the given base URL.
//
//	go run ./scripts/readload --base http://127.0.0.1:8080/scim/v2 --token T [--mode get|filter|patch|create] [-c 8] [-d 12s]
//
// With --start (Unix nanoseconds) the reads begin at that moment, so that
// loads against two servers run side by side.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

func main() {
	base := flag.String("base", "", "SCIM base URL")
	token := flag.String("token", "", "secret token")
	clients := flag.Int("c", 8, "concurrent clients")
	users := flag.Int("users", 300, "users to create and read")
	d := flag.Duration("d", 12*time.Second, "how long to read")
	mode := flag.String("mode", "get", "get: GET /Users/{id}; filter: userName eq lookups; patch: Entra's user PATCH; create: Entra's user POST")
	start := flag.Int64("start", 0, "Unix nanoseconds to begin reading at (0: at once)")
	flag.Parse()
	if *base == "" || *token == "" || (*mode != "get" && *mode != "filter" && *mode != "patch" && *mode != "create") {
		flag.Usage()
		os.Exit(2)
	}
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients * 2}}
	do := func(method, path string, body []byte) ([]byte, error) {
		req, err := http.NewRequest(method, *base+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+*token)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := cl.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err == nil && res.StatusCode/100 != 2 {
			err = fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		return b, err
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "readload:", err)
		os.Exit(1)
	}
	run := time.Now().UnixNano()
	userBody := func(name, externalID string, i int) []byte {
		body, _ := json.Marshal(map[string]any{
			"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterprise},
			"userName": name, "externalId": externalID, "active": true, "displayName": fmt.Sprintf("Reader %d", i),
			"emails":   []map[string]any{{"primary": true, "type": "work", "value": name}},
			"name":     map[string]any{"givenName": "Reader", "familyName": fmt.Sprint(i)},
			enterprise: map[string]any{"department": "Sales", "employeeNumber": fmt.Sprint(i)},
		})
		return body
	}
	paths := make([]string, *users)
	if *mode == "create" {
		paths = nil
	}
	for i := range paths {
		name := fmt.Sprintf("read%d-%d@contoso.com", i, run)
		b, err := do("POST", "/Users", userBody(name, fmt.Sprintf("read-%d-%d", run, i), i))
		if err != nil {
			fail(err)
		}
		var u struct{ ID string }
		if err := json.Unmarshal(b, &u); err != nil {
			fail(err)
		}
		paths[i] = "/Users/" + u.ID
		if *mode == "filter" {
			paths[i] = "/Users?filter=" + url.QueryEscape(`userName eq "`+name+`"`)
		}
	}
	if *start > 0 {
		time.Sleep(time.Until(time.Unix(0, *start)))
	}
	var reads atomic.Int64
	stop := time.Now().Add(*d)
	var wg sync.WaitGroup
	for c := range *clients {
		wg.Go(func() {
			for i := c; time.Now().Before(stop); i++ {
				var method, path string
				var body []byte
				switch *mode {
				case "create":
					n := i*(*clients) + c
					method, path, body = "POST", "/Users", userBody(fmt.Sprintf("new%d-%d@contoso.com", n, run), fmt.Sprintf("new-%d-%d", run, n), n)
				case "patch":
					// The value changes with every request, so that each PATCH writes.
					method, body = "PATCH", fmt.Appendf(nil, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+
						`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated%d-%d@contoso.com"},`+
						`{"op":"Replace","path":"name.familyName","value":"Family%d"},`+
						`{"op":"Replace","path":"active","value":"True"}]}`, c, i, i)
					fallthrough
				default:
					path = paths[i%len(paths)]
					if method == "" {
						method = "GET"
					}
				}
				if _, err := do(method, path, body); err != nil {
					fail(err)
				}
				reads.Add(1)
			}
		})
	}
	wg.Wait()
	fmt.Printf("%.0f\n", float64(reads.Load())/d.Seconds())
}
