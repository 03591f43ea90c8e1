package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// BenchmarkExport measures a background export of 20,000 claims (one
// month, no filter: the registry's month index, a page of 100 claims at a
// time) through the local stack: from the POST to the job done, as XLSX
// and as CSV, and the ExportsFunction's Max Memory Used of its REPORT line
// (the function's process, as Lambda reports it). The claims are written
// straight into the table (their items and month index entries) in a stack
// of the benchmark's own.
func BenchmarkExport(b *testing.B) {
	const total = 20_000
	ownStackWithEvents(b)
	month := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	loadListClaims(b, total, month)
	sup := newUser(b, "supervisors", "supervisor-bench", "")
	for _, format := range []string{"xlsx", "csv"} {
		b.Run(format, func(b *testing.B) {
			var took time.Duration
			var size int64
			for b.Loop() {
				start := time.Now()
				r := sup.do(b, "POST", "/v1/exports/claims?from=2026-01-01&to=2026-01-31&format="+format, nil)
				if r.Status != 202 {
					b.Fatalf("POST = %d %s", r.Status, r.Body)
				}
				var j exportJob
				r.JSON(b, &j)
				j = exportDoneWithin(b, 5*time.Minute, sup, j.ID)
				if j.Status != "done" || j.Rows == nil || *j.Rows != total {
					b.Fatalf("job %+v, want done with %d rows", j, total)
				}
				took, size = time.Since(start), j.Size
			}
			mem := maxMemoryUsed(b, "ExportsFunction")
			b.ReportMetric(took.Seconds(), "s/export")
			b.ReportMetric(float64(size)/(1<<20), "file-MB")
			b.ReportMetric(float64(mem), "max-memory-MB")
			fmt.Printf("\nBackground export of %d claims as %s: %.1f s from POST to done, a %.1f MB file; ExportsFunction Max Memory Used %d MB\n",
				total, format, took.Seconds(), float64(size)/(1<<20), mem)
		})
	}
}

// ownStackWithEvents starts a stack of the benchmark's own, with its queue
// pollers (the export runs from the queue), and makes it the tests' stack
// until the benchmark ends.
func ownStackWithEvents(b *testing.B) {
	s := st.Start(b, st.WithTestSettings())
	shared := local
	local = s
	b.Cleanup(func() { local = shared })
}

// loadListClaims writes n claims of one month into the table as the store
// keeps them (the claim item and its month index entry), 25 per
// BatchWriteItem.
func loadListClaims(b *testing.B, n int, month time.Time) {
	b.Helper()
	ctx := context.Background()
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	var batch []ddbtypes.WriteRequest
	flush := func() {
		req := map[string][]ddbtypes.WriteRequest{"claims-Table": batch}
		for len(req) > 0 {
			out, err := local.Clients.DynamoDB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				b.Fatalf("load claims: %v", err)
			}
			req = out.UnprocessedItems
		}
		batch = batch[:0]
	}
	put := func(item map[string]ddbtypes.AttributeValue) {
		batch = append(batch, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: item}})
		if len(batch) == 25 {
			flush()
		}
	}
	for i := range n {
		at := month.Add(time.Duration(i) * time.Minute)
		id := fmt.Sprintf("RC-2026-%06d", 900000+i)
		put(map[string]ddbtypes.AttributeValue{
			"PK": s("CLAIM#" + id), "SK": s("#META"), "entity": s("claim"), "id": s(id), "channel": s("dealer_form"),
			"dealerId": s(fmt.Sprintf("DLR-%03d", i%50)), "categoryId": s("defect"), "typeId": s("cosmetic"),
			"product": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"model": s("KX-200"), "serial": s(fmt.Sprintf("SN-%06d", i))}},
			"stage":   s("diagnostics"), "priority": s("normal"), "assignee": s(fmt.Sprintf("m%02d", i%40)), "language": s("ru"),
			"essence": s("Крышка поцарапана по всей поверхности."), "createdBy": s("public"),
			"createdAt": s(at.Format(time.RFC3339Nano)), "version": &ddbtypes.AttributeValueMemberN{Value: "1"},
		})
		put(map[string]ddbtypes.AttributeValue{
			"PK": s("IDX#month#" + at.Format("2006-01")), "SK": s(at.Format("2006-01-02T15:04:05.000000Z07:00") + "#" + id),
			"entity": s("index"), "claimId": s(id),
		})
	}
	if len(batch) > 0 {
		flush()
	}
}

// maxMemoryUsed returns the highest Max Memory Used of a function's REPORT
// lines in its log.
func maxMemoryUsed(b *testing.B, fn string) int {
	b.Helper()
	f, err := os.Open(filepath.Join(filepath.Dir(local.OutboxDir), "logs", fn+".log"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	most := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, "{")
		if i < 0 || !strings.Contains(line, `"platform.report"`) {
			continue
		}
		var rec struct {
			Record struct {
				Metrics struct {
					MaxMemoryUsedMB int `json:"maxMemoryUsedMB"`
				} `json:"metrics"`
			} `json:"record"`
		}
		if json.Unmarshal([]byte(line[i:]), &rec) == nil {
			most = max(most, rec.Record.Metrics.MaxMemoryUsedMB)
		}
	}
	return most
}
