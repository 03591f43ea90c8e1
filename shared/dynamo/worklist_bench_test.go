package dynamo

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

// BenchmarkWorklist measures a manager's worklist page (50 claims, one GSI4
// query) on a table holding 100 000 claims: 40 managers, a fifth of the
// claims finished (not on any worklist), priorities and due times mixed.
func BenchmarkWorklist(b *testing.B) {
	const total, managers, pageSize = 100_000, 40, 50
	p := st.Services(b)
	s := New(p.Clients.DynamoDB, "claims-Table")
	ctx := context.Background()
	t0 := time.Now()
	loadClaims(b, s, total, managers)
	load := time.Since(t0)

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		m := fmt.Sprintf("m%02d", i%managers)
		start := time.Now()
		page, err := s.Worklist(ctx, m, pageSize, "")
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if len(page.Claims) != pageSize {
			b.Fatalf("worklist of %s has %d claims, want a full page of %d", m, len(page.Claims), pageSize)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	if b.N >= 100 {
		fmt.Printf("\nWorklist (GET page of %d from GSI4, %d claims in the table, %d managers; loaded in %s)\n", pageSize, total, managers, load.Round(time.Second))
		fmt.Printf("  latency            p50 %6.2f ms   p99 %6.2f ms (SDK round trip to the embedded DynamoDB)\n\n", float64(p50.Microseconds())/1000, float64(p99.Microseconds())/1000)
	}
}

// loadClaims writes n claims as the Store stores them, 25 per BatchWriteItem.
func loadClaims(b *testing.B, s *Store, n, managers int) {
	b.Helper()
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	prios := []catalog.Priority{catalog.Low, catalog.Normal, catalog.High, catalog.Critical}
	stages := []claims.Stage{workflow.New, workflow.InformationCheck, workflow.Diagnostics, workflow.Decision, workflow.Closed}
	batch := make([]types.WriteRequest, 0, 25)
	flush := func() {
		req := map[string][]types.WriteRequest{s.table: batch}
		for len(req) > 0 {
			out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				b.Fatalf("load claims: %v", err)
			}
			req = out.UnprocessedItems
		}
		batch = batch[:0]
	}
	for i := range n {
		at := base.Add(time.Duration(i) * time.Minute)
		c := &claims.Claim{
			ID: claims.Number(2026, int64(i+1)), Channel: claims.ChannelQR, CustomerID: "CUS-0000000000000",
			Claimant:   claims.Claimant{Name: "Иван Петров", Email: fmt.Sprintf("c%d@example.com", i)},
			Product:    claims.Product{Model: "KX-200", Serial: fmt.Sprintf("SN-%06d", i)},
			CategoryID: "defect", TypeID: "cosmetic", Essence: "Крышка поцарапана по всей поверхности.",
			DesiredResult: claims.Repair, Priority: prios[i%len(prios)], Stage: stages[(i/managers)%len(stages)],
			Assignee: fmt.Sprintf("m%02d", i%managers), Language: "ru", StageEnteredAt: at,
			CreatedBy: "public", CreatedAt: at, UpdatedAt: at, Version: 3, HistoryHash: fmt.Sprintf("%064x", i),
		}
		if !workflow.Terminal(c.Stage) {
			c.DueAt = at.Add(time.Duration(i%97) * time.Hour)
		}
		item, err := marshal(newClaimItem(c))
		if err != nil {
			b.Fatal(err)
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == 25 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
}
