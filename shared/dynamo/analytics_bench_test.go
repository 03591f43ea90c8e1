package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

type benchCalendar struct{}

func (benchCalendar) Between(from, to time.Time) time.Duration { return max(to.Sub(from), 0) }

func (c benchCalendar) Calendar(context.Context) (analytics.Calendar, error) { return c, nil }

// BenchmarkAggregateUpdate measures what keeping the aggregates costs per
// claim event: each claim lives through five events (filed; first
// response; decided; closed; rated by its dealer), each counted as the
// consumer counts it (the claim read, its applied facts read, one
// transaction per fact that changed).
func BenchmarkAggregateUpdate(b *testing.B) {
	svc, p := st.EmbeddedServices(b)
	s, err := New(Config{Client: p.Clients.DynamoDB, Table: "claims-Table"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	con, err := analytics.NewConsumer(analytics.ConsumerConfig{Store: s, Calendar: benchCalendar{}, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	steps := []func(c *claims.Claim){
		func(c *claims.Claim) {},
		func(c *claims.Claim) {
			c.Stage, c.SLA = workflow.InformationCheck, &claims.SLA{RespondedAt: c.CreatedAt.Add(2 * time.Hour)}
		},
		func(c *claims.Claim) {
			c.Stage = workflow.Decision
			c.Decision = &claims.Decision{WarrantyCase: true, FaultParty: "company", RootCause: "material_defect", Resolution: claims.ResolutionRepair,
				Cost: claims.Money{Amount: 250000, Currency: "RUB"}, DecidedAt: c.CreatedAt.Add(30 * time.Hour)}
		},
		func(c *claims.Claim) {
			c.Stage, c.StageEnteredAt, c.SLA.ResolvedAt = workflow.Closed, c.CreatedAt.Add(70*time.Hour), c.CreatedAt.Add(70*time.Hour)
		},
		func(c *claims.Claim) {
			c.Satisfaction = &claims.Satisfaction{Score: 4, RatedAt: c.CreatedAt.Add(80 * time.Hour), RatedBy: "claimant"}
		},
	}
	svc.ResetDynamoDBStats()
	b.ResetTimer()
	events := 0
	for i := range b.N {
		c := &claims.Claim{ID: claims.Number(2026, int64(i+1)), Channel: claims.ChannelDealerForm, DealerID: fmt.Sprintf("DLR-%d", i%20),
			CategoryID: "defect", TypeID: fmt.Sprintf("t%d", i%30), Claimant: claims.Claimant{Company: fmt.Sprintf("ООО %d", i%200)},
			Product: claims.Product{Model: fmt.Sprintf("M-%d", i%50), Series: "2026-11"}, Priority: "normal", Stage: workflow.New,
			Assignee: fmt.Sprintf("m%02d", i%40), CreatedAt: at.Add(time.Duration(i) * time.Minute), Version: 1, HistorySeq: 1}
		for _, step := range steps {
			step(c)
			c.Version++
			c.HistorySeq++
			rec, err := marshal(newClaimRecord(c))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: rec}); err != nil {
				b.Fatal(err)
			}
			if err := con.Count(ctx, c.ID); err != nil {
				b.Fatal(err)
			}
			events++
		}
	}
	b.StopTimer()
	stats, _ := svc.DynamoDBStats()
	puts := float64(b.N * len(steps)) // the benchmark's own claim writes
	reqs := 0.0
	for _, n := range stats.Requests {
		reqs += float64(n)
	}
	perEvent := (reqs - puts) / float64(events)
	wcu := (stats.WriteCapacityUnits - puts) / float64(events) // a claim put is 1 WCU here or more; counted out at 1
	b.ReportMetric(perEvent, "requests/event")
	b.ReportMetric(wcu, "WCU/event")
	if b.N >= 20 {
		fmt.Printf("\nAggregate update (5 events per claim: filed, responded, decided, closed, rated; %d claims)\n", b.N)
		fmt.Printf("  per event   %.2f DynamoDB requests (the claim, its applied facts, one transaction per changed fact)\n", perEvent)
		fmt.Printf("              about %.0f WCU (transactions write twice; %.1f items per transaction)\n\n", wcu,
			float64(stats.TransactionItems)/float64(max(stats.Transactions, 1)))
	}
}

// BenchmarkStructureReport measures a 12-month structure report grouped by
// manager, by type, and by model and type, on the aggregates of a year of
// 1,000,000 claims (40 managers, 60 types, 300 pairs of a model and a
// type; every day has figures for every value): the items it reads depend
// on the days and the groups, not on the claims.
func BenchmarkStructureReport(b *testing.B) {
	const managers, types, pairs, claimsPerYear = 40, 60, 300, 1_000_000
	modelType := analytics.Pair(analytics.DimModel, analytics.DimType)
	p := st.Services(b)
	s, err := New(Config{Client: p.Clients.DynamoDB, Table: "claims-Table"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, -1)
	t0 := time.Now()
	groups := map[analytics.Dim]int{analytics.DimManager: managers, analytics.DimType: types, modelType: pairs}
	loaded := loadCells(b, s, from, to, groups, claimsPerYear)
	load := time.Since(t0)
	for _, dim := range []analytics.Dim{analytics.DimManager, analytics.DimType, modelType} {
		lat := make([]time.Duration, 0, b.N)
		read := 0
		for range b.N {
			start := time.Now()
			q := analytics.Query{Name: analytics.ReportStructure, From: from, To: to, GroupBy: dim,
				Measures: []string{"registered", "resolved", "granted", "grantedShare", "avgDays", "p90Days"}}
			if first, second, ok := dim.Split(); ok {
				q.GroupBy, q.ThenBy = first, second
			}
			res, err := analytics.Run(ctx, s, q, to)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			read = res.CellsRead
			if res.Totals["registered"] != claimsPerYear {
				b.Fatalf("%s: %v registered, want %d", dim, res.Totals["registered"], claimsPerYear)
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		p50 := lat[len(lat)/2]
		b.ReportMetric(float64(p50.Microseconds())/1000, string(dim)+"-p50-ms")
		b.ReportMetric(float64(read), string(dim)+"-items")
		if b.N >= 5 {
			fmt.Printf("\nStructure report, 12 months by %s (%d claims' aggregates, %d cells loaded in %s)\n", dim, claimsPerYear, loaded, load.Round(time.Second))
			fmt.Printf("  items read %d (12 whole months x %d values)   latency p50 %.1f ms, max %.1f ms\n\n", read, groups[dim],
				float64(p50.Microseconds())/1000, float64(lat[len(lat)-1].Microseconds())/1000)
		}
	}
}

// loadCells writes a year of daily and monthly cells for each dimension's
// values, as the consumer would have left them: claimsPerYear claims spread
// evenly.
func loadCells(b *testing.B, s *Store, from, to time.Time, dims map[analytics.Dim]int, claimsPerYear int) int {
	b.Helper()
	ctx := context.Background()
	days := int(to.Sub(from).Hours()/24) + 1
	var batch []types.WriteRequest
	n := 0
	flush := func() {
		req := map[string][]types.WriteRequest{s.table: batch}
		for len(req) > 0 {
			out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				b.Fatal(err)
			}
			req = out.UnprocessedItems
		}
		batch = batch[:0]
	}
	put := func(c analytics.Cell, counters analytics.Counters) {
		pk, sk := cellKey(c)
		item := map[string]types.AttributeValue{"PK": str(pk), "SK": str(sk), "entity": str("agg"), "scope": str(c.Scope), "dim": str(string(c.Dim)),
			"value": str(c.Value), "day": str(c.Day)}
		for k, x := range counters {
			item[counterPrefix+k] = num(x)
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		n++
		if len(batch) == 25 {
			flush()
		}
	}
	for dim, values := range dims {
		months := map[analytics.Cell]analytics.Counters{}
		for d := range days {
			day := from.AddDate(0, 0, d).Format("2006-01-02")
			for v := range values {
				// The claims of the day and value (the remainder on the first).
				cellClaims := claimsPerYear / days / values
				if d == 0 && v == 0 {
					cellClaims += claimsPerYear - claimsPerYear/days/values*days*values
				}
				value := string(dim) + "-" + strconv.Itoa(v)
				if first, second, ok := dim.Split(); ok {
					value = string(first) + "-" + strconv.Itoa(v/10) + analytics.PairSep + string(second) + "-" + strconv.Itoa(v%10)
				}
				c := analytics.Cell{Scope: analytics.AllScope, Dim: dim, Value: value, Day: day}
				counters := analytics.Counters{analytics.Registered: int64(cellClaims), analytics.Closed: int64(cellClaims * 8 / 10),
					analytics.Granted: int64(cellClaims * 6 / 10), analytics.Refused: int64(cellClaims * 2 / 10), analytics.ProcN: int64(cellClaims * 8 / 10),
					analytics.ProcDays: int64(cellClaims * 8 / 10 * 6), analytics.DayBucket(4): int64(cellClaims * 8 / 10)}
				put(c, counters)
				month := c
				month.Day = day[:7]
				if months[month] == nil {
					months[month] = analytics.Counters{}
				}
				for k, x := range counters {
					months[month][k] += x
				}
			}
		}
		for c, counters := range months {
			put(c, counters)
		}
	}
	if len(batch) > 0 {
		flush()
	}
	return n
}
