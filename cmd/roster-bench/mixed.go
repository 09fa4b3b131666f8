package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// readTokens reads a --tokens file: one secret token per line; blank lines
// are skipped.
func readTokens(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--tokens: %w", err)
	}
	defer f.Close()
	var tokens []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if tok := strings.TrimSpace(sc.Text()); tok != "" {
			tokens = append(tokens, tok)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--tokens: %w", err)
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("--tokens: %s holds no token", path)
	}
	return tokens, nil
}

// mixedCycle is Entra's first cycle over many tenants at once: for each of
// --users users, spread over the tenants of --tokens in turn, a lookup by
// userName that must find nothing, then the create, by the same worker. Both
// requests count in the phase; their latencies are also kept per tenant.
func (b *bencher) mixedCycle(ctx context.Context) phaseResult {
	n := b.c.Users
	ids := make([]string, n)
	r := b.phase(ctx, n, func(i int) request {
		line := i%len(b.c.Tokens) + 1
		auth := "Bearer " + b.c.Tokens[line-1]
		name := fmt.Sprintf("bench_%s_mixed_%d@contoso.com", b.run, i)
		lookup := b.getList("/Users", fmt.Sprintf("userName eq %q", name), "")
		lookup.check = emptyList
		create := createUser(name, fmt.Sprintf("bench-%s-mixed-%d", b.run, i), i, &ids[i])
		lookup.auth, create.auth = auth, auth
		lookup.tenant, create.tenant = line, line
		lookup.next = &create
		return lookup
	})
	for i, id := range ids {
		if id != "" {
			b.mixed = append(b.mixed, created{id: id, i: i})
		}
	}
	return r
}

// emptyList finds fault with a ListResponse that lists anything.
func emptyList(body []byte) error {
	var doc struct{ TotalResults int }
	if err := json.Unmarshal(body, &doc); err != nil {
		return err
	}
	if doc.TotalResults != 0 {
		return errors.New("the user exists already")
	}
	return nil
}

// mixedDelete deletes the users of the mixed phase, each in its tenant.
func (b *bencher) mixedDelete(ctx context.Context) phaseResult {
	return b.phase(ctx, len(b.mixed), func(i int) request {
		u := b.mixed[i]
		line := u.i%len(b.c.Tokens) + 1
		return request{method: "DELETE", path: "/Users/" + u.id, want: http.StatusNoContent,
			auth: "Bearer " + b.c.Tokens[line-1], tenant: line}
	})
}
