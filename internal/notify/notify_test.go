package notify

import (
	"context"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/store/sqlite"
)

func TestBroadcaster(t *testing.T) {
	var b Broadcaster
	c1, c2 := b.C(), b.C()
	select {
	case <-c1:
		t.Fatal("closed before Notify")
	default:
	}
	b.Notify()
	<-c1
	<-c2
	c3 := b.C()
	select {
	case <-c3:
		t.Fatal("a channel taken after Notify is closed already")
	default:
	}
	b.Notify()
	<-c3
}

func TestStoreNotifiesOnWrites(t *testing.T) {
	db, err := sqlite.Open(context.Background(), testdb.SQLitePath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b Broadcaster
	s := Store(db, &b)
	ctx := context.Background()
	tn := &roster.Tenant{Name: "acme"}
	if err := s.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	c := b.C()
	if err := s.CreateUser(ctx, tn.ID, &roster.User{UserName: "ada", Active: true}); err != nil {
		t.Fatal(err)
	}
	<-c
	c = b.C()
	if err := s.CreateUser(ctx, tn.ID, &roster.User{UserName: "ADA"}); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("duplicate create = %v", err)
	}
	select {
	case <-c:
		t.Fatal("a failed write notified")
	default:
	}
}
