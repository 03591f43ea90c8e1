package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/dynamo"
)

// faultStack is the stack a fault benchmark files claims to; a restart
// swaps it while the filers keep going.
type faultStack struct {
	mu sync.Mutex
	s  *stack.Stack
	// up is closed while s serves; replaced by a fresh channel during a
	// restart.
	up chan struct{}
}

func (f *faultStack) current() (*stack.Stack, chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s, f.up
}

// fileUnderFaults files one claim with its own idempotency key, retrying through
// restarts (refused connections, 5xx) and rate limits with the same key, as
// a client would: the claim is acknowledged once a 201 or 200 names it.
func fileUnderFaults(b *testing.B, f *faultStack, token string, n int, email string) (string, bool) {
	body, _ := json.Marshal(claimBody(func(m map[string]any) {
		m["essence"] = fmt.Sprintf("Рекламация под сбоями номер %d.", n)
		m["claimant"] = map[string]any{"name": "Клиент Сбоя", "email": email, "phone": "+79030000000"}
	}))
	key := "fault-" + strings.ReplaceAll(email, "@", ".")
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		s, up := f.current()
		<-up
		req, _ := http.NewRequest("POST", s.APIURL+"/v1/claims", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		answer, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var out claimOut
		_ = json.Unmarshal(answer, &out)
		switch {
		case res.StatusCode == 201 || res.StatusCode == 200:
			return out.Claim.ID, true
		case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
			time.Sleep(50 * time.Millisecond)
		default:
			b.Errorf("claim %d: intake answered %d %s", n, res.StatusCode, answer)
			return "", false
		}
	}
	b.Errorf("claim %d: not acknowledged within 5 minutes", n)
	return "", false
}

// faultFigures are what a fault scenario prints.
type faultFigures struct {
	acknowledged, stored, expected, missing, duplicated, unknownDuplicates, unknownRepeats int
}

// count reads what a scenario left: the claims stored (a scan: benchmarks
// may), the mail in the outbox by delivery ID (two expected per claim: the
// claimant's confirmation and the assignee's or supervisors' mail), and
// the repeats the delivery records counted.
func countFaults(b *testing.B, s *stack.Stack, acked map[string]bool) faultFigures {
	ctx := context.Background()
	fig := faultFigures{acknowledged: len(acked)}
	stored := map[string]bool{}
	p := dynamodb.NewScanPaginator(s.Clients.DynamoDB, &dynamodb.ScanInput{
		TableName: aws.String("claims-Table"), ConsistentRead: aws.Bool(true),
		FilterExpression:          aws.String("SK = :meta AND begins_with(PK, :claim)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":meta": &ddbtypes.AttributeValueMemberS{Value: "#META"}, ":claim": &ddbtypes.AttributeValueMemberS{Value: "CLAIM#"}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range page.Items {
			stored[strings.TrimPrefix(it["PK"].(*ddbtypes.AttributeValueMemberS).Value, "CLAIM#")] = true
		}
	}
	fig.stored = len(stored)
	for id := range acked {
		if !stored[id] {
			b.Errorf("claim %s acknowledged but not stored", id)
		}
	}
	mails, err := ses.ReadOutbox(s.OutboxDir)
	if err != nil {
		b.Fatal(err)
	}
	store := tableStore(b, s.Clients.DynamoDB)
	records := map[string]map[string]dynamo.DeliveryRecord{}
	for id := range stored {
		copies := map[string]int{}
		for _, m := range mails {
			if strings.Contains(m.Subject, id) {
				copies[deliveryOf(m)]++
			}
		}
		fig.expected += 2
		fig.missing += max(2-len(copies), 0)
		for delivery, n := range copies {
			event, key, _ := strings.Cut(delivery, "/")
			if records[event] == nil {
				if records[event], err = store.DeliveryRecords(ctx, event); err != nil {
					b.Fatal(err)
				}
			}
			rec := records[event][key]
			fig.duplicated += n - 1
			fig.unknownDuplicates += min(n-1, rec.Repeats)
			fig.unknownRepeats += rec.Repeats
		}
	}
	return fig
}

func (f faultFigures) print(title string, extra string) {
	fmt.Printf("\n%s\n", title)
	if extra != "" {
		fmt.Printf("  %s\n", extra)
	}
	fmt.Printf("  claims acknowledged           %d\n", f.acknowledged)
	fmt.Printf("  claims stored                 %d\n", f.stored)
	fmt.Printf("  mails expected                %d (confirmation + assignee's or supervisors' mail per claim)\n", f.expected)
	fmt.Printf("  mails missing                 %d\n", f.missing)
	fmt.Printf("  mails duplicated              %d (copies beyond the first, by X-ClaimsDesk-Delivery)\n", f.duplicated)
	fmt.Printf("  of which outcome unknown      %d (the delivery's record counts a takeover of its lease)\n", f.unknownDuplicates)
	fmt.Printf("  mail repeats counted          %d (takeovers of a mail whose outcome was unknown, sent twice or not)\n\n", f.unknownRepeats)
}

// BenchmarkFaults files claims while the stack misbehaves and counts what
// the claimants got:
//
//	GracefulRestarts  5 bursts of 60 claims, each with a graceful restart of
//	                  the stack (same state) in the middle. Target: 0 missing,
//	                  0 duplicated.
//	NotifierKills     200 claims with 45 SIGKILLs of the notifier spread over
//	                  them. Target: 0 missing; a duplicate only where the
//	                  delivery's record counts an unknown outcome.
//
// Run it with -benchtime 1x (each scenario once).
func BenchmarkFaults(b *testing.B) {
	b.Run("GracefulRestarts", benchGracefulRestarts)
	b.Run("NotifierKills", benchNotifierKills)
}

func benchGracefulRestarts(b *testing.B) {
	const rounds, burst, filers = 5, 60, 6
	for range b.N {
		state := b.TempDir()
		start := func() *stack.Stack { return st.Start(b, st.WithTestSettings(), st.WithStateDir(state)) }
		f := &faultStack{s: start(), up: make(chan struct{})}
		close(f.up)
		shared := local
		local = f.s
		token := newUser(b, "dealers", "dealer-restarts", "DLR-RESTART").token
		acked := map[string]bool{}
		var mu sync.Mutex
		seq := 0
		var stopTook []time.Duration
		for round := range rounds {
			var filed atomic.Int32
			var wg sync.WaitGroup
			next := make(chan int)
			for range filers {
				wg.Go(func() {
					for n := range next {
						id, ok := fileUnderFaults(b, f, token, n, fmt.Sprintf("restart-%d-%d@example.com", round, n))
						filed.Add(1)
						if ok {
							mu.Lock()
							acked[id] = true
							mu.Unlock()
						}
					}
				})
			}
			go func() {
				for range burst {
					seq++
					next <- seq
				}
				close(next)
			}()
			// Mid-burst (a third of it acknowledged): a graceful restart.
			for filed.Load() < burst/3 {
				time.Sleep(10 * time.Millisecond)
			}
			old, _ := f.current()
			f.mu.Lock()
			f.up = make(chan struct{})
			f.mu.Unlock()
			t0 := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), old.StopTimeout())
			if err := old.Shutdown(ctx); err != nil {
				b.Errorf("graceful stop: %v", err)
			}
			cancel()
			stopTook = append(stopTook, time.Since(t0))
			restarted := start()
			local = restarted
			f.mu.Lock()
			f.s = restarted
			close(f.up)
			f.mu.Unlock()
			wg.Wait()
		}
		s, _ := f.current()
		local = s
		drained(b, s)
		fig := countFaults(b, s, acked)
		local = shared
		var longest time.Duration
		for _, d := range stopTook {
			longest = max(longest, d)
		}
		fig.print(fmt.Sprintf("Faults: %d graceful restarts of the stack (same state), each during a burst of %d claims", rounds, burst),
			fmt.Sprintf("graceful stops took at most %s (every invocation in flight finished)", longest.Round(10*time.Millisecond)))
		if fig.missing > 0 || fig.duplicated > 0 || fig.stored != fig.acknowledged {
			b.Errorf("target missed: %d missing, %d duplicated, %d stored of %d acknowledged; want 0, 0 and all", fig.missing, fig.duplicated, fig.stored, fig.acknowledged)
		}
		b.ReportMetric(float64(fig.missing), "missing")
		b.ReportMetric(float64(fig.duplicated), "duplicated")
	}
}

func benchNotifierKills(b *testing.B) {
	const claims, kills, filers = 200, 45, 4
	for range b.N {
		s := st.Start(b, st.WithTestSettings(), st.WithConfig(func(c *stack.Config) {
			// The lease a takeover waits for: 10 s + 5 s.
			c.Parameters["NotifierTimeout"] = "10"
		}))
		f := &faultStack{s: s, up: make(chan struct{})}
		close(f.up)
		shared := local
		local = s
		token := newUser(b, "dealers", "dealer-kills", "DLR-KILLS").token
		acked := map[string]bool{}
		var mu sync.Mutex
		file := func(from, to int) {
			var wg sync.WaitGroup
			sem := make(chan struct{}, filers)
			for n := from; n < to; n++ {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					if id, ok := fileUnderFaults(b, f, token, n, fmt.Sprintf("kill-%d@example.com", n)); ok {
						mu.Lock()
						acked[id] = true
						mu.Unlock()
					}
				})
			}
			wg.Wait()
		}
		// The kills, spread over the filing: a few claims filed, then, once
		// the notifier runs (a kill of no process is not counted), a kill
		// at a random moment of its work.
		pool := s.Pool("NotifierFunction")
		killed, n := 0, 1
		for k := 0; k <= kills; k++ {
			chunk := claims / (kills + 1)
			if k == kills {
				chunk = claims + 1 - n
			}
			file(n, n+chunk)
			n += chunk
			if k == kills {
				break
			}
			for wait := time.Now().Add(5 * time.Second); pool.Processes() == 0 && time.Now().Before(wait); {
				time.Sleep(2 * time.Millisecond)
			}
			time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
			if pool.Kill() > 0 {
				killed++
			}
		}
		drained(b, s)
		fig := countFaults(b, s, acked)
		local = shared
		stats := s.Pool("NotifierFunction").Stats()
		fig.print(fmt.Sprintf("Faults: %d SIGKILLs of the notifier over %d claims", kills, claims),
			fmt.Sprintf("kills that hit a notifier process %d of %d; invocations crashed %d", killed, kills, stats.Crashes))
		if fig.missing > 0 || fig.duplicated > fig.unknownDuplicates || fig.stored != fig.acknowledged {
			b.Errorf("target missed: %d missing, %d duplicated of which %d counted as unknown, %d stored of %d acknowledged",
				fig.missing, fig.duplicated, fig.unknownDuplicates, fig.stored, fig.acknowledged)
		}
		b.ReportMetric(float64(fig.missing), "missing")
		b.ReportMetric(float64(fig.duplicated), "duplicated")
		b.ReportMetric(float64(fig.unknownDuplicates), "unknown-dups")
	}
}
