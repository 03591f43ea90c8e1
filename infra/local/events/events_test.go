package events_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	sqsemu "github.com/claimsdesk/backend/infra/local/awsemu/sqs"
	"github.com/claimsdesk/backend/infra/local/events"
)

const region = "eu-central-1"

func newQueues(t *testing.T) *sqs.Client {
	t.Helper()
	srv, err := sqsemu.New(sqsemu.Config{Region: region, AccountID: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return sqs.New(sqs.Options{
		Region:       region,
		BaseEndpoint: aws.String(hs.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
}

func createQueue(t *testing.T, c *sqs.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

func send(t *testing.T, c *sqs.Client, url string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{
			QueueUrl: aws.String(url), MessageBody: aws.String(b),
			MessageAttributes: map[string]types.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("test")}},
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func bodies(t *testing.T, c *sqs.Client, url string) []string {
	t.Helper()
	var out []string
	for {
		res, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			sort.Strings(out)
			return out
		}
		for _, m := range res.Messages {
			out = append(out, aws.ToString(m.Body))
		}
	}
}

// recorder is a function stand-in: it fails the messages whose body starts
// with "fail" through a partial batch response.
type recorder struct {
	mu      sync.Mutex
	batches []lambdaevents.SQSEvent
	respond func(ev lambdaevents.SQSEvent) (events.Result, error)
}

func (r *recorder) invoke(_ context.Context, payload []byte) (events.Result, error) {
	var ev lambdaevents.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return events.Result{}, err
	}
	r.mu.Lock()
	r.batches = append(r.batches, ev)
	r.mu.Unlock()
	return r.respond(ev)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.batches)
}

func partialFailures(ev lambdaevents.SQSEvent) (events.Result, error) {
	var resp lambdaevents.SQSEventResponse
	for _, rec := range ev.Records {
		if strings.HasPrefix(rec.Body, "fail") {
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	b, _ := json.Marshal(resp)
	return events.Result{Payload: b}, nil
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func runMapping(t *testing.T, m *events.SQSMapping) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestSQSPartialBatchFailuresEndInTheDeadLetterQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out real visibility timeouts and batching windows: skipped under -short")
	}
	c := newQueues(t)
	dlq := createQueue(t, c, "dlq", nil)
	q := createQueue(t, c, "work", map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:dlq","maxReceiveCount":2}`,
	})
	send(t, c, q, "ok-1", "fail-1", "ok-2", "fail-2", "ok-3")
	rec := &recorder{respond: partialFailures}
	runMapping(t, &events.SQSMapping{
		Client: c, QueueURL: q, QueueARN: "arn:aws:sqs:eu-central-1:123456789012:work", Region: region,
		BatchSize: 10, ReportBatchItemFailures: true, Concurrency: 1, Invoke: rec.invoke,
		Logger: discard(), WaitTime: time.Second,
	})
	// Each failing message is received twice (maxReceiveCount 2), then the
	// third receive moves it to the dead-letter queue.
	eventually(t, 15*time.Second, "failed messages in the DLQ", func() bool {
		out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlq), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
		return err == nil && out.Attributes["ApproximateNumberOfMessages"] == "2"
	})
	if got := bodies(t, c, dlq); !cmp.Equal(got, []string{"fail-1", "fail-2"}) {
		t.Errorf("DLQ holds %v, want the two failing messages", got)
	}
	if got := bodies(t, c, q); len(got) != 0 {
		t.Errorf("queue still holds %v", got)
	}
	seen := map[string]int{}
	rec.mu.Lock()
	for _, b := range rec.batches {
		for _, r := range b.Records {
			seen[r.Body]++
		}
	}
	rec.mu.Unlock()
	want := map[string]int{"ok-1": 1, "ok-2": 1, "ok-3": 1, "fail-1": 2, "fail-2": 2}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("deliveries per message mismatch (-want +got):\n%s", diff)
	}
}

func TestSQSWholeBatchReturns(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out real visibility timeouts and batching windows: skipped under -short")
	}
	tests := []struct {
		name    string
		respond func(lambdaevents.SQSEvent) (events.Result, error)
	}{
		{"function error", func(lambdaevents.SQSEvent) (events.Result, error) {
			return events.Result{Payload: []byte(`{"errorMessage":"boom"}`), FunctionError: "Unhandled"}, nil
		}},
		{"unknown item identifier", func(lambdaevents.SQSEvent) (events.Result, error) {
			return events.Result{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"not-in-batch"}]}`)}, nil
		}},
		{"empty item identifier", func(lambdaevents.SQSEvent) (events.Result, error) {
			return events.Result{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":""}]}`)}, nil
		}},
		{"malformed response", func(lambdaevents.SQSEvent) (events.Result, error) {
			return events.Result{Payload: []byte(`[1,2`)}, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newQueues(t)
			q := createQueue(t, c, "work", map[string]string{"VisibilityTimeout": "1"})
			send(t, c, q, "a", "b")
			rec := &recorder{respond: tt.respond}
			runMapping(t, &events.SQSMapping{
				Client: c, QueueURL: q, QueueARN: "arn:aws:sqs:eu-central-1:123456789012:work", Region: region,
				BatchSize: 10, ReportBatchItemFailures: true, Concurrency: 1, Invoke: rec.invoke, Logger: discard(), WaitTime: time.Second,
			})
			eventually(t, 10*time.Second, "a redelivery", func() bool { return rec.count() >= 2 })
			rec.mu.Lock()
			second := rec.batches[1]
			rec.mu.Unlock()
			var got []string
			for _, r := range second.Records {
				got = append(got, r.Body)
				if r.Attributes["ApproximateReceiveCount"] != "2" {
					t.Errorf("redelivered %s has receive count %s, want 2", r.Body, r.Attributes["ApproximateReceiveCount"])
				}
			}
			sort.Strings(got)
			if !cmp.Equal(got, []string{"a", "b"}) {
				t.Errorf("redelivered batch %v, want both messages", got)
			}
		})
	}
}

func TestSQSEventShapeAndBatchingWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out real visibility timeouts and batching windows: skipped under -short")
	}
	c := newQueues(t)
	q := createQueue(t, c, "work", nil)
	rec := &recorder{respond: func(lambdaevents.SQSEvent) (events.Result, error) { return events.Result{Payload: []byte("null")}, nil }}
	runMapping(t, &events.SQSMapping{
		Client: c, QueueURL: q, QueueARN: "arn:aws:sqs:eu-central-1:123456789012:work", Region: region,
		BatchSize: 5, BatchingWindow: 2 * time.Second, Concurrency: 1, Invoke: rec.invoke, Logger: discard(), WaitTime: time.Second,
	})
	for _, b := range []string{"one", "two", "three"} {
		send(t, c, q, b)
		time.Sleep(150 * time.Millisecond)
	}
	eventually(t, 10*time.Second, "the batch", func() bool { return rec.count() >= 1 })
	rec.mu.Lock()
	first := rec.batches[0]
	rec.mu.Unlock()
	if len(first.Records) != 3 {
		t.Fatalf("first batch has %d records, want all 3 gathered in the batching window", len(first.Records))
	}
	r := first.Records[0]
	if r.EventSource != "aws:sqs" || r.EventSourceARN != "arn:aws:sqs:eu-central-1:123456789012:work" || r.AWSRegion != region {
		t.Errorf("source fields = %q %q %q", r.EventSource, r.EventSourceARN, r.AWSRegion)
	}
	if r.MessageId == "" || r.ReceiptHandle == "" || r.Md5OfBody == "" {
		t.Errorf("record lacks ids: %+v", r)
	}
	for _, a := range []string{"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} {
		if r.Attributes[a] == "" {
			t.Errorf("attribute %s missing: %v", a, r.Attributes)
		}
	}
	if attr := r.MessageAttributes["kind"]; attr.DataType != "String" || aws.ToString(attr.StringValue) != "test" {
		t.Errorf("message attribute = %+v", attr)
	}
	eventually(t, 5*time.Second, "deletion", func() bool { return len(bodies(t, c, q)) == 0 })
}

func queueCounts(t *testing.T, c *sqs.Client, url string) (visible, inFlight string) {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"], out.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

// TestSQSStopFinishesTheBatchInFlight: stopping the mapping while its
// function runs lets the invocation end and deletes what it handled; Run
// returns only then.
func TestSQSStopFinishesTheBatchInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out real visibility timeouts and batching windows: skipped under -short")
	}
	c := newQueues(t)
	q := createQueue(t, c, "work", map[string]string{"VisibilityTimeout": "120"})
	send(t, c, q, "slow")
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	rec := &recorder{respond: func(lambdaevents.SQSEvent) (events.Result, error) {
		started <- struct{}{}
		<-release
		return events.Result{Payload: []byte("null")}, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		(&events.SQSMapping{Client: c, QueueURL: q, QueueARN: "arn:aws:sqs:eu-central-1:123456789012:work", Region: region,
			BatchSize: 10, Concurrency: 2, Invoke: rec.invoke, Logger: discard(), WaitTime: time.Second}).Run(ctx)
		close(done)
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the function was never invoked")
	}
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while its batch was being invoked")
	default:
	}
	close(release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its batch ended")
	}
	if v, nv := queueCounts(t, c, q); v != "0" || nv != "0" || rec.count() != 1 {
		t.Errorf("after the stop: %s visible, %s in flight, %d invocations; want the message handled once and deleted", v, nv, rec.count())
	}
}

// TestSQSStopGivesBackWhatWasNotInvoked: a batch still filling its batching
// window when the mapping stops is not invoked and is visible again at
// once, not after its 120 s visibility timeout; so is a batch the stack
// refused to invoke (ErrNotInvoked).
func TestSQSStopGivesBackWhatWasNotInvoked(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out real visibility timeouts and batching windows: skipped under -short")
	}
	c := newQueues(t)
	q := createQueue(t, c, "held", map[string]string{"VisibilityTimeout": "120"})
	rec := &recorder{respond: func(lambdaevents.SQSEvent) (events.Result, error) { return events.Result{Payload: []byte("null")}, nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		(&events.SQSMapping{Client: c, QueueURL: q, QueueARN: "arn:aws:sqs:eu-central-1:123456789012:held", Region: region,
			BatchSize: 10, BatchingWindow: time.Minute, Concurrency: 1, Invoke: rec.invoke, Logger: discard(), WaitTime: time.Second}).Run(ctx)
		close(done)
	}()
	send(t, c, q, "waiting for company")
	eventually(t, 10*time.Second, "the message received into a batch", func() bool { _, nv := queueCounts(t, c, q); return nv == "1" })
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run waited out its batching window")
	}
	if v, nv := queueCounts(t, c, q); v != "1" || nv != "0" || rec.count() != 0 {
		t.Errorf("after the stop: %s visible, %s in flight, %d invocations; want the message back, never invoked", v, nv, rec.count())
	}

	// Refused by a stopping stack: back at once, and taken by the next try.
	refused := &recorder{}
	refused.respond = func(lambdaevents.SQSEvent) (events.Result, error) {
		if refused.count() == 1 {
			return events.Result{}, events.ErrNotInvoked
		}
		return events.Result{Payload: []byte("null")}, nil
	}
	runMapping(t, &events.SQSMapping{Client: c, QueueURL: q, QueueARN: "arn:aws:sqs:eu-central-1:123456789012:held", Region: region,
		BatchSize: 10, Concurrency: 1, Invoke: refused.invoke, Logger: discard(), WaitTime: time.Second})
	eventually(t, 10*time.Second, "the refused batch invoked again (well before its visibility timeout)", func() bool { return refused.count() >= 2 })
	eventually(t, 10*time.Second, "the message deleted", func() bool { v, nv := queueCounts(t, c, q); return v == "0" && nv == "0" })
}
