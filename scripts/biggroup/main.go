// Command biggroup measures a large group on a running Roster: it puts every
// user of tenant A into a new group in PATCHes of 100 (timing them as the
// group grows), times Entra ID's membership check and the group GET without
// members, then reads the whole group once while tenant B's lookups run, and
// reports the server's memory around that GET (from /proc, so run it on the
// server's machine):
//
//	go run ./scripts/biggroup --a TOKEN_A --b TOKEN_B --pid $(pidof roster)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

var cl = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func do(base, tok, method, path, body string) (int, int64, time.Duration) {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/scim+json")
	t := time.Now()
	res, err := cl.Do(req)
	if err != nil {
		panic(err)
	}
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, n, time.Since(t)
}

func pct(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[int(float64(len(d)-1)*p)]
}

func status(pid, key string) string {
	b, _ := os.ReadFile("/proc/" + pid + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, key) {
			return strings.Join(strings.Fields(l)[1:], " ")
		}
	}
	return "?"
}

func main() {
	base := flag.String("base", "http://127.0.0.1:18080/scim/v2", "")
	tokA := flag.String("a", "", "secret token of tenant A, whose users join the group")
	tokB := flag.String("b", "", "secret token of tenant B, which looks users up meanwhile")
	pid := flag.String("pid", "", "the server's process id")
	flag.Parse()
	ids := userIDs(*base, *tokA)
	fmt.Printf("tenant A has %d users\n", len(ids))
	name := fmt.Sprint("Everyone-", time.Now().UnixNano())
	st, _, _ := do(*base, *tokA, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+name+`"}`)
	if st != 201 {
		panic(st)
	}
	// the group's id: look it up
	req, _ := http.NewRequest("GET", *base+"/Groups?excludedAttributes=members&filter=displayName+eq+%22"+name+"%22", nil)
	req.Header.Set("Authorization", "Bearer "+*tokA)
	res, _ := cl.Do(req)
	var lr struct{ Resources []struct{ ID string } }
	json.NewDecoder(res.Body).Decode(&lr)
	res.Body.Close()
	g := lr.Resources[0].ID
	var lat []time.Duration
	for lo := 0; lo < len(ids); lo += 100 {
		var vals []string
		for _, id := range ids[lo:min(lo+100, len(ids))] {
			vals = append(vals, fmt.Sprintf(`{"value":%q}`, id))
		}
		st, _, d := do(*base, *tokA, "PATCH", "/Groups/"+g, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[`+strings.Join(vals, ",")+`]}]}`)
		if st != 204 {
			panic(st)
		}
		lat = append(lat, d)
	}
	first, last := slices.Clone(lat[:10]), slices.Clone(lat[len(lat)-10:])
	at1k := slices.Clone(lat[5:15])
	fmt.Printf("member adds: %d batches of 100; median of batches 1-10 %v, of 6-15 (about 1,000 members) %v, of the last 10 %v\n", len(lat), pct(first, .5), pct(at1k, .5), pct(last, .5))
	var mc, ex []time.Duration
	for i := range 300 {
		_, _, d := do(*base, *tokA, "GET", fmt.Sprintf(`/Groups?filter=id+eq+%%22%s%%22+and+members%%5Bvalue+eq+%%22%s%%22%%5D&excludedAttributes=members`, g, ids[(i*331)%len(ids)]), "")
		mc = append(mc, d)
		_, _, d = do(*base, *tokA, "GET", "/Groups/"+g+"?excludedAttributes=members", "")
		ex = append(ex, d)
	}
	fmt.Printf("membership check: p50 %v p99 %v; group GET without members: p50 %v p99 %v (300 each, one client)\n", pct(mc, .5), pct(mc, .99), pct(ex, .5), pct(ex, .99))
	lookups := func(stop func() bool) []time.Duration {
		var mu sync.Mutex
		var all []time.Duration
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := w; !stop(); i += 4 {
					_, _, d := do(*base, *tokB, "GET", fmt.Sprintf(`/Users?filter=userName+eq+%%22nobody%d@b.example%%22`, i), "")
					mu.Lock()
					all = append(all, d)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return all
	}
	end := time.Now().Add(5 * time.Second)
	baseline := lookups(func() bool { return time.Now().After(end) })
	fmt.Printf("tenant B lookups alone (4 clients, 5 s): %d, p50 %v p99 %v\n", len(baseline), pct(baseline, .5), pct(baseline, .99))
	rss0, hwm0 := status(*pid, "VmRSS"), status(*pid, "VmHWM")
	var done bool
	var mu sync.Mutex
	var getDur time.Duration
	var n int64
	go func() {
		var st int
		st, n, getDur = do(*base, *tokA, "GET", "/Groups/"+g, "")
		if st != 200 {
			panic(st)
		}
		mu.Lock()
		done = true
		mu.Unlock()
	}()
	during := lookups(func() bool { mu.Lock(); defer mu.Unlock(); return done })
	fmt.Printf("full group GET: %d bytes in %v; server VmRSS before %s (VmHWM %s), VmHWM after %s\n", n, getDur, rss0, hwm0, status(*pid, "VmHWM"))
	fmt.Printf("tenant B lookups during that GET: %d, p50 %v p99 %v\n", len(during), pct(during, .5), pct(during, .99))
}

// userIDs lists the tenant's users by cursor pages (RFC 9865).
func userIDs(base, tok string) []string {
	var ids []string
	cursor := ""
	for {
		req, _ := http.NewRequest("GET", base+"/Users?attributes=id&count=1000&cursor="+url.QueryEscape(cursor), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := cl.Do(req)
		if err != nil {
			panic(err)
		}
		var page struct {
			NextCursor string
			Resources  []struct{ ID string }
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			panic(err)
		}
		for _, r := range page.Resources {
			ids = append(ids, r.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
}
