package dynamodb

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	largeTableItems = 100_000
	largeQueues     = 50
	largeDueItems   = 50
	largeNow        = 1_700_000_000
)

// largeEnv is a server holding 100 000 claims, shared by the tests and
// benchmarks that need one (loading it takes a few seconds).
type largeEnv struct {
	srv    *Server
	url    string
	client *dynamodb.Client
	load   time.Duration
}

var (
	largeOnce sync.Once
	large     *largeEnv
	largeErr  error
)

func largeTable(tb testing.TB) *largeEnv {
	tb.Helper()
	largeOnce.Do(func() { large, largeErr = loadLarge() })
	if largeErr != nil {
		tb.Fatalf("load 100k claims: %v", largeErr)
	}
	return large
}

func largeClaim(i int) av {
	due := largeNow + 86400 + i // open claims due in the future...
	if i%(largeTableItems/largeDueItems) == 0 {
		due = largeNow - 3600 - i // ...except 50 that are overdue
	}
	return av{
		"PK": s(fmt.Sprintf("CLAIM#%06d", i)), "SK": s("META"),
		"GSI1PK": s(fmt.Sprintf("QUEUE#%02d", i%largeQueues)), "GSI1SK": s(fmt.Sprintf("2024-%02d-%02dT10:00:00Z#%06d", i%12+1, i%28+1, i)),
		"GSI2PK": s("OPEN"), "due": n(fmt.Sprint(due)),
		"status": s("OPEN"), "amount": n(fmt.Sprintf("%d.%02d", i%5000, i%100)), "policy": s(fmt.Sprintf("POL-%08d", i*7)),
		"title":       s(fmt.Sprintf("Water damage in kitchen, claim %d", i)),
		"description": s("Customer reports a burst pipe under the sink; plumber invoice and photos attached for review."),
	}
}

func loadLarge() (*largeEnv, error) {
	srv, err := New(Config{Region: "eu-central-1", AccountID: "123456789012", TTLSweepInterval: -1})
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	hs := httptest.NewServer(srv)
	c := pooledClient(hs.URL)
	in := claimsTable("claims")
	in.BillingMode = types.BillingModePayPerRequest
	if _, err := c.CreateTable(ctx, in); err != nil {
		return nil, fmt.Errorf("create table: %w", err)
	}
	start := time.Now()
	const workers = 4
	batches := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range batches {
				reqs := make([]types.WriteRequest, 0, 25)
				for i := first; i < first+25 && i < largeTableItems; i++ {
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: largeClaim(i)}})
				}
				if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"claims": reqs}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < largeTableItems; i += 25 {
		batches <- i
	}
	close(batches)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("batch write: %w", err)
	}
	return &largeEnv{srv: srv, url: hs.URL, client: c, load: time.Since(start)}, nil
}

// TestLargeTableQueriesReadOnlyWhatTheyReturn checks the property the
// benchmarks depend on: with 100 000 items an index query examines only the
// items in its key range.
func TestLargeTableQueriesReadOnlyWhatTheyReturn(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100 000 items")
	}
	env := largeTable(t)
	t.Logf("loaded %d items in %v", largeTableItems, env.load)
	if env.load > time.Minute {
		t.Errorf("loading took %v; want seconds", env.load)
	}
	before := env.srv.Stats().ItemsRead
	out, err := env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("claims"), IndexName: aws.String("GSI2"),
		KeyConditionExpression: aws.String("GSI2PK = :open AND due <= :now"), ExpressionAttributeValues: av{":open": s("OPEN"), ":now": n(fmt.Sprint(largeNow))}})
	if err != nil {
		t.Fatalf("SLA query: %v", err)
	}
	read := env.srv.Stats().ItemsRead - before
	if out.Count != largeDueItems || out.ScannedCount != largeDueItems || read != largeDueItems || out.LastEvaluatedKey != nil {
		t.Errorf("SLA query count=%d scanned=%d itemsRead=%d key=%v; want %d of each and no key", out.Count, out.ScannedCount, read, out.LastEvaluatedKey, largeDueItems)
	}
	out, err = env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("claims"), IndexName: aws.String("GSI1"),
		KeyConditionExpression: aws.String("GSI1PK = :q"), ExpressionAttributeValues: av{":q": s("QUEUE#07")}, Limit: aws.Int32(20), ScanIndexForward: aws.Bool(false)},
		// Only its page is checked here, not the items read: a request the
		// busy race-detector run lost on the way may go again.
		func(o *dynamodb.Options) { o.RetryMaxAttempts = 3 })
	if err != nil {
		t.Fatalf("worklist query: %v", err)
	}
	if out.Count != 20 || out.LastEvaluatedKey == nil {
		t.Errorf("worklist query = %v items, key %v; want 20 and a LastEvaluatedKey", out.Count, out.LastEvaluatedKey)
	}
}

func BenchmarkPutItem(b *testing.B) {
	env := largeTable(b)
	b.ReportMetric(env.load.Seconds(), "load100k-s")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := largeClaim(i)
		it["PK"] = s(fmt.Sprintf("BENCH#%d", i))
		it["due"] = n(fmt.Sprint(largeNow + 86400 + i)) // keep the SLA benchmark's result at 50
		if _, err := env.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("claims"), Item: it}); err != nil {
			b.Fatalf("PutItem: %v", err)
		}
	}
}

func BenchmarkQueryGSI20(b *testing.B) {
	env := largeTable(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := env.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("claims"), IndexName: aws.String("GSI1"),
			KeyConditionExpression: aws.String("GSI1PK = :q AND begins_with(GSI1SK, :y)"), ExpressionAttributeValues: av{":q": s(fmt.Sprintf("QUEUE#%02d", i%largeQueues)), ":y": s("2024-")},
			Limit: aws.Int32(20), ScanIndexForward: aws.Bool(false)})
		if err != nil {
			b.Fatalf("Query: %v", err)
		}
		if out.Count != 20 {
			b.Fatalf("Query returned %d items, want 20", out.Count)
		}
	}
}

// serveBench measures the server alone: ServeHTTP with a recorder, no
// network and no SDK.
func serveBench(b *testing.B, target string, body func(i int) []byte) {
	env := largeTable(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body(i)))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
		rec := httptest.NewRecorder()
		env.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", target, rec.Code, rec.Body.String())
		}
	}
}

func BenchmarkServerQueryGSI20(b *testing.B) {
	bodies := make([][]byte, largeQueues)
	for q := range bodies {
		bodies[q] = fmt.Appendf(nil, `{"TableName":"claims","IndexName":"GSI1","KeyConditionExpression":"GSI1PK = :q AND begins_with(GSI1SK, :y)",`+
			`"ExpressionAttributeValues":{":q":{"S":"QUEUE#%02d"},":y":{"S":"2024-"}},"Limit":20,"ScanIndexForward":false}`, q)
	}
	serveBench(b, "Query", func(i int) []byte { return bodies[i%largeQueues] })
}

func BenchmarkServerSLAQuery50(b *testing.B) {
	body := fmt.Appendf(nil, `{"TableName":"claims","IndexName":"GSI2","KeyConditionExpression":"GSI2PK = :o AND due <= :now",`+
		`"ExpressionAttributeValues":{":o":{"S":"OPEN"},":now":{"N":"%d"}}}`, largeNow)
	serveBench(b, "Query", func(int) []byte { return body })
}

func BenchmarkServerPutItem(b *testing.B) {
	serveBench(b, "PutItem", func(i int) []byte {
		return fmt.Appendf(nil, `{"TableName":"claims","Item":{"PK":{"S":"SRV#%d"},"SK":{"S":"META"},"GSI1PK":{"S":"QUEUE#%02d"},"GSI1SK":{"S":"2024-05-01#%d"},`+
			`"GSI2PK":{"S":"OPEN"},"due":{"N":"%d"},"status":{"S":"OPEN"},"amount":{"N":"120.50"},"title":{"S":"Water damage in kitchen"}}}`, i, i%largeQueues, i, largeNow+86400+i)
	})
}

// BenchmarkServerPutItemPersistent adds the log append (one write(2)) to
// the server-side PutItem cost.
func BenchmarkServerPutItemPersistent(b *testing.B) {
	srv, err := New(Config{Dir: b.TempDir(), TTLSweepInterval: -1})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	mustCreate(b, newClient(hs.URL), claimsTable("claims"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := fmt.Appendf(nil, `{"TableName":"claims","Item":{"PK":{"S":"SRV#%d"},"SK":{"S":"META"},"GSI1PK":{"S":"QUEUE#%02d"},"GSI1SK":{"S":"2024-05-01#%d"},"status":{"S":"OPEN"},"amount":{"N":"120.50"}}}`, i, i%largeQueues, i)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("PutItem: %d %s", rec.Code, rec.Body.String())
		}
	}
}
