package postgres_test

import (
	"context"
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/storetest"
)

func open(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, postgres.Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) roster.Store {
		return open(t, testdb.Postgres(t))
	})
}

// TestSignInReplayAcrossInstances opens two stores on one database, as two
// Roster instances do: of uses of one SAML assertion id, and of
// redemptions of one code, spread over both, one succeeds.
func TestSignInReplayAcrossInstances(t *testing.T) {
	ctx := context.Background()
	url := testdb.Postgres(t)
	dbs := []*postgres.DB{open(t, url), open(t, url)}
	tn := &roster.Tenant{Name: "acme"}
	if err := dbs[0].CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256([]byte("rac_code"))
	code := &roster.AuthCode{Hash: hash[:], TenantID: tn.ID, ClientID: "c", RedirectURI: "https://app/cb", UserID: "u",
		SessionID: "s", Expires: tn.Created.Add(time.Minute), SignIn: roster.SignIn{Method: roster.LoginMethodIdP}}
	if err := dbs[1].CreateAuthCode(ctx, code); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var (
		used, redeemed [n]error
		wg             sync.WaitGroup
	)
	for i := range n {
		db := dbs[i%2]
		wg.Go(func() {
			used[i] = db.UseOnce(ctx, tn.ID, "https://idp.example/", "_assertion", tn.Created.Add(time.Hour))
		})
		wg.Go(func() { _, redeemed[i] = db.RedeemAuthCode(ctx, hash[:]) })
	}
	wg.Wait()
	storetest.OneWinner(t, "UseOnce calls over two instances", used[:])
	storetest.OneWinner(t, "RedeemAuthCode calls over two instances", redeemed[:])
}
