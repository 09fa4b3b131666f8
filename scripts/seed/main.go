// Command seed fills a Roster database with users shaped as Entra ID creates
// them, through the store (16 writers at once), for measurements at scale:
//
//	go run ./scripts/seed --db sqlite:/tmp/big.db -n 100000
//
// It creates the tenant (default "default") and a token for it, prints the
// token's secret, and reports how long the users took on stderr. With
// --tenants K it creates K tenants, NAME-1 to NAME-K, of n users each, and
// prints each one's token on a line of its own:
//
//	go run ./scripts/seed --db sqlite:/tmp/big.db -n 1000 --tenant small --tenants 800
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/sqlite"
)

func main() {
	dbURL := flag.String("db", "sqlite:roster.db", "database: sqlite:PATH or postgres://…")
	n := flag.Int("n", 100000, "users to create")
	tenant := flag.String("tenant", "default", "tenant to create and fill")
	tenants := flag.Int("tenants", 1, "tenants to create, NAME-1 to NAME-K, of n users each (1: NAME alone)")
	flag.Parse()
	if *tenants < 1 {
		fmt.Fprintln(os.Stderr, "seed: --tenants must be at least 1")
		os.Exit(2)
	}
	if err := run(context.Background(), *dbURL, *tenant, *tenants, *n); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

type store interface {
	roster.Store
	Close() error
}

func run(ctx context.Context, dbURL, tenant string, tenants, n int) error {
	var db store
	var err error
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		db, err = sqlite.Open(ctx, path, sqlite.Options{})
	} else {
		db, err = postgres.Open(ctx, dbURL, postgres.Options{Analyze: true})
	}
	if err != nil {
		return err
	}
	defer db.Close()
	ids := make([]string, tenants)
	for k := range ids {
		name := tenant
		if tenants > 1 {
			name = fmt.Sprintf("%s-%d", tenant, k+1)
		}
		tn := &roster.Tenant{Name: name}
		if err := db.CreateTenant(ctx, tn); err != nil {
			return err
		}
		secret, prefix, hash := roster.NewTokenSecret()
		if err := db.CreateToken(ctx, &roster.Token{TenantID: tn.ID, Prefix: prefix, Hash: hash, Name: "seed"}); err != nil {
			return err
		}
		fmt.Println(secret)
		ids[k] = tn.ID
	}
	start := time.Now()
	const writers = 16
	total := tenants * n
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for j := w; j < total; j += writers {
				if err := db.CreateUser(ctx, ids[j/n], entraUser(j%n)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "seeded %d users in %d tenants in %v\n", total, tenants, time.Since(start).Round(time.Millisecond))
	return nil
}

// entraUser is user i as Entra ID creates it: the enterprise extension, a
// work email, a name.
func entraUser(i int) *roster.User {
	name := fmt.Sprintf("seed%06d@contoso.com", i)
	ext := fmt.Sprintf("seed-ext-%06d", i)
	display := "Seed " + strconv.Itoa(i)
	return &roster.User{UserName: name, ExternalID: ext, DisplayName: display, Active: true,
		Emails: []roster.Email{{Value: name, Type: "work", Primary: true}},
		Doc: map[string]any{
			"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			"userName":    name,
			"externalId":  ext,
			"active":      true,
			"displayName": display,
			"name":        map[string]any{"givenName": "Seed", "familyName": strconv.Itoa(i), "formatted": display},
			"emails":      []any{map[string]any{"value": name, "type": "work", "primary": true}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
				"department": "Engineering", "employeeNumber": strconv.Itoa(i)},
		}}
}
