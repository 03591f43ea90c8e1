package dynamodb

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

func TestSweepTTL(t *testing.T) {
	clock := &fixedClock{t: time.Unix(1_700_000_000, 0)}
	env := newTestEnv(t, Config{Now: clock.now})
	mustCreate(t, env.client, simpleTable("sessions"))
	mustCreate(t, env.client, simpleTable("nottl"))
	now := clock.t.Unix()
	items := map[string]types.AttributeValue{
		"expired":     n(fmt.Sprint(now - 10)),
		"expires-now": n(fmt.Sprint(now)),
		"future":      n(fmt.Sprint(now + 3600)),
		"fractional":  n(fmt.Sprintf("%d.5", now-1)),
		"string-ttl":  s(fmt.Sprint(now - 10)),
		"no-ttl":      nil,
	}
	for pk, ttl := range items {
		it := av{"PK": s(pk), "SK": s("s")}
		if ttl != nil {
			it["expires"] = ttl
		}
		mustPut(t, env.client, "sessions", it)
		mustPut(t, env.client, "nottl", it)
	}
	if _, err := env.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("sessions"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}}); err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	// Expired items stay readable until the sweeper runs.
	if got := mustGet(t, env.client, "sessions", av{"PK": s("expired"), "SK": s("s")}); got == nil {
		t.Errorf("expired item vanished before the sweep")
	}
	if got := env.srv.SweepTTL(); got != 3 {
		t.Errorf("SweepTTL = %d, want 3", got)
	}
	remaining := func(table string) []string {
		out, err := env.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		var pks []string
		for _, it := range out.Items {
			pks = append(pks, it["PK"].(*types.AttributeValueMemberS).Value)
		}
		slicesSort(pks)
		return pks
	}
	if diff := cmp.Diff([]string{"future", "no-ttl", "string-ttl"}, remaining("sessions")); diff != "" {
		t.Errorf("remaining items mismatch (-want +got):\n%s", diff)
	}
	if got := len(remaining("nottl")); got != len(items) {
		t.Errorf("table without TTL lost items: %d left", got)
	}
	clock.t = clock.t.Add(2 * time.Hour)
	if got := env.srv.SweepTTL(); got != 1 {
		t.Errorf("second SweepTTL = %d, want 1", got)
	}
}

func TestBackgroundSweeper(t *testing.T) {
	env := newTestEnv(t, Config{TTLSweepInterval: 10 * time.Millisecond})
	mustCreate(t, env.client, simpleTable("sessions"))
	if _, err := env.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("sessions"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}}); err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	mustPut(t, env.client, "sessions", av{"PK": s("old"), "SK": s("s"), "expires": n("1")})
	deadline := time.Now().Add(5 * time.Second)
	for mustGet(t, env.client, "sessions", av{"PK": s("old"), "SK": s("s")}) != nil {
		if time.Now().After(deadline) {
			t.Fatal("background sweeper did not delete the expired item")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
