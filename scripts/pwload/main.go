// Command pwload starts one password sign-in at a running Roster, then sends
// n wrong passwords for unknown users at once through its form, each from its
// own X-Forwarded-For address (so that only a server started with
// --trust-proxy sees them apart), prints how they were answered, and exits.
// It sends only to the given issuer.
//
//	go run ./scripts/pwload --issuer http://127.0.0.1:8080 --client ID --redirect URI [-n 200]
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func main() {
	issuer := flag.String("issuer", "", "Roster's public URL")
	client := flag.String("client", "", "an OAuth client id of the tenant")
	redirect := flag.String("redirect", "", "the client's redirect URI")
	n := flag.Int("n", 200, "wrong passwords to send at once")
	flag.Parse()
	if *issuer == "" || *client == "" || *redirect == "" || *n <= 0 || *n > 10000 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(strings.TrimSuffix(*issuer, "/"), *client, *redirect, *n); err != nil {
		fmt.Fprintln(os.Stderr, "pwload:", err)
		os.Exit(1)
	}
}

func run(issuer, client, redirect string, n int) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"response_type": {"code"}, "scope": {"openid"}, "client_id": {client}, "redirect_uri": {redirect},
		"state": {"s"}, "nonce": {"n"}, "tenant": {"default"}, "login_method": {"password"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
	resp, err := c.Get(issuer + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		return err
	}
	resp.Body.Close()
	page := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.Contains(page, "/password") {
		return fmt.Errorf("authorize: %d to %q, want the password page", resp.StatusCode, page)
	}
	resp, err = c.Get(page)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return fmt.Errorf("GET %s: %d, no form", page, resp.StatusCode)
	}
	var (
		mu       sync.Mutex
		statuses = map[string]int{}
		wg       sync.WaitGroup
	)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			form := url.Values{"csrf": {string(m[1])}, "username": {fmt.Sprintf("nobody-%d@example.com", i)}, "password": {"a wrong guess"}}
			req, _ := http.NewRequest("POST", page, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", issuer)
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
			key := "error"
			if resp, err := c.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				key = fmt.Sprint(resp.StatusCode)
			}
			mu.Lock()
			statuses[key]++
			mu.Unlock()
		})
	}
	wg.Wait()
	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s: %d  ", k, statuses[k])
	}
	fmt.Printf("(%d guesses in %s)\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
