package dynamo

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/slacheck"
	"github.com/claimsdesk/backend/shared/workflow"
)

// BenchmarkWorklist measures a manager's worklist page (50 claims, one GSI4
// query) on a table holding 100 000 claims: 40 managers, a fifth of the
// claims finished (not on any worklist), priorities and due times mixed.
func BenchmarkWorklist(b *testing.B) {
	const total, managers, pageSize = 100_000, 40, 50
	p := st.Services(b)
	s, err := New(Config{Client: p.Clients.DynamoDB, Table: "claims-Table"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now()
	loadClaims(b, s, total, managers, nil)
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

// loadClaims writes n claims as the Store stores them, 25 per BatchWriteItem;
// mut, when set, adjusts claim i before it is written.
func loadClaims(b *testing.B, s *Store, n, managers int, mut func(i int, c *claims.Claim)) {
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
		if mut != nil {
			mut(i, c)
		}
		item, err := marshal(newClaimRecord(c))
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

// BenchmarkSLACheck measures the scheduled SLA check on a table of 100 000
// open claims of which 50 are due: the DynamoDB items it reads (target:
// under twice the due claims: it must read the due ones from the index and
// nothing else) and how long a run takes, writing each due claim's findings.
func BenchmarkSLACheck(b *testing.B) {
	const total, due = 100_000, 50
	svc, p := st.EmbeddedServices(b)
	s, err := New(Config{Client: p.Clients.DynamoDB, Table: "claims-Table"})
	if err != nil {
		b.Fatal(err)
	}
	cal, err := seed.Calendar()
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := seed.SLAConfig()
	if err != nil {
		b.Fatal(err)
	}
	engine := &sla.Engine{Calendar: cal, Config: cfg}
	// Monday 23 November 2026, 15:00 in Moscow: every claim was filed in the
	// morning; 50 are an hour past their stage's due time, the rest are due
	// next month.
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	filed := now.Add(-6 * time.Hour)
	var dueIDs []string
	load := time.Now()
	loadClaims(b, s, total, 40, func(i int, c *claims.Claim) {
		c.Stage, c.CreatedAt, c.Priority = workflow.New, filed, catalog.Normal
		engine.Start(c, filed)
		if i%(total/due) != 0 {
			c.SLA.NextCheck = now.AddDate(0, 1, 0)
			return
		}
		dueIDs = append(dueIDs, c.ID)
	})
	loaded := time.Since(load)
	if len(dueIDs) != due {
		b.Fatalf("%d claims due, want %d", len(dueIDs), due)
	}
	logger := slog.New(slog.DiscardHandler)
	work, err := casework.New(casework.Config{Store: s, Publisher: nopPublisher{}, Catalog: s, SLA: fixedEngine{engine}, Now: func() time.Time { return now }, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	checker, err := slacheck.New(slacheck.Config{Work: work, Store: s, SLA: fixedEngine{engine}, Now: func() time.Time { return now }, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var read int64
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		// Put the due claims back as they were (due, unreported).
		for _, id := range dueIDs {
			c, err := s.GetClaim(context.Background(), id)
			if err != nil {
				b.Fatal(err)
			}
			c.SLA.Warned, c.SLA.Breached, c.SLA.Level, c.SLA.NextCheck = nil, nil, 0, now.Add(-time.Hour)
			item, err := marshal(newClaimRecord(c))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
				b.Fatal(err)
			}
		}
		svc.ResetDynamoDBStats()
		b.StartTimer()
		t0 := time.Now()
		res, err := checker.Check(context.Background())
		elapsed += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if res.Read != due || res.Changed != due || res.Failed != 0 {
			b.Fatalf("check: %+v, want %d due claims read and changed", res, due)
		}
		stats, _ := svc.DynamoDBStats()
		read += stats.ItemsRead
	}
	b.StopTimer()
	perRun := float64(read) / float64(b.N)
	b.ReportMetric(perRun, "items-read/run")
	b.ReportMetric(perRun/due, "reads/due-claim")
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/run")
	fmt.Printf("\nSLA check (%d open claims, %d due; loaded in %s)\n", total, due, loaded.Round(time.Second))
	fmt.Printf("  items read         %.0f per run = %.2f per due claim (target < 2)\n", perRun, perRun/due)
	fmt.Printf("  time               %.1f ms per run (query the due index, write %d claims with their findings)\n\n", float64(elapsed.Microseconds())/1000/float64(b.N), due)
}

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, []events.Event) error { return nil }

type fixedEngine struct{ e *sla.Engine }

func (f fixedEngine) Get(context.Context) (*sla.Engine, error) { return f.e, nil }
