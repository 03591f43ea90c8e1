package sqsbus_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/sqsbus"
)

// newBackoff returns a Backoff on queue q through vis (a fresh recorder
// when nil).
func newBackoff(t *testing.T, vis *visibility, base, ceiling time.Duration) *sqsbus.Backoff {
	t.Helper()
	if vis == nil {
		vis = &visibility{calls: map[string]int32{}}
	}
	b, err := sqsbus.NewBackoff(sqsbus.BackoffConfig{Client: vis, QueueURL: "https://sqs/q", Base: base, Max: ceiling})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newConsumer returns a Consumer of cfg.
func newConsumer(t *testing.T, cfg sqsbus.ConsumerConfig) *sqsbus.Consumer {
	t.Helper()
	c, err := sqsbus.NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBackoffDelay(t *testing.T) {
	b := newBackoff(t, nil, 30*time.Second, 15*time.Minute)
	retry := errors.New("SES throttled")
	tests := []struct {
		count int
		err   error
		want  time.Duration
	}{
		{0, retry, 30 * time.Second},
		{1, retry, 30 * time.Second},
		{2, retry, time.Minute},
		{3, retry, 2 * time.Minute},
		{4, retry, 4 * time.Minute},
		{5, retry, 8 * time.Minute},
		{6, retry, 15 * time.Minute},
		{60, retry, 15 * time.Minute},
		// Malformed messages never succeed: no quick retries.
		{1, apperr.InvalidField("event", "not an outbox event"), 15 * time.Minute},
		{1, fmt.Errorf("event e1: %w", apperr.InvalidField("data", "bad")), 15 * time.Minute},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.count, tt.err); got != tt.want {
			t.Errorf("Delay(%d, %v) = %s, want %s", tt.count, tt.err, got, tt.want)
		}
	}
	if got := newBackoff(t, nil, 0, 0).Delay(2, retry); got != time.Minute {
		t.Errorf("default backoff at receive 2 = %s, want 1m", got)
	}
	if got := newBackoff(t, nil, time.Second, 0).Delay(3, retry); got != 4*time.Second {
		t.Errorf("1 s backoff at receive 3 = %s, want 4s", got)
	}
}

// visibility records ChangeMessageVisibility calls.
type visibility struct {
	mu    sync.Mutex
	calls map[string]int32
	queue string
	fail  bool
}

func (v *visibility) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail {
		return nil, errors.New("receipt handle expired")
	}
	v.queue = aws.ToString(in.QueueUrl)
	v.calls[aws.ToString(in.ReceiptHandle)] = in.VisibilityTimeout
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func TestConsumerReportsFailuresAndBacksOff(t *testing.T) {
	vis := &visibility{calls: map[string]int32{}}
	handle := func(_ context.Context, body []byte) error {
		switch string(body) {
		case "ok":
			return nil
		case "malformed":
			return apperr.InvalidField("message", "not JSON")
		}
		return errors.New("webhook crm answered 500")
	}
	c := newConsumer(t, sqsbus.ConsumerConfig{Handle: handle, Backoff: newBackoff(t, vis, 30*time.Second, 0)})
	rec := func(id, body, count string) events.SQSMessage {
		return events.SQSMessage{MessageId: id, ReceiptHandle: "rh-" + id, Body: body, Attributes: map[string]string{"ApproximateReceiveCount": count}}
	}
	res, err := c.HandleBatch(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		rec("a", "ok", "1"), rec("b", "fail", "1"), rec("c", "fail", "3"), rec("d", "malformed", "1"), rec("e", "ok", "4"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range res.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	sort.Strings(failed)
	if diff := cmp.Diff([]string{"b", "c", "d"}, failed); diff != "" {
		t.Errorf("failed messages mismatch (-want +got):\n%s", diff)
	}
	want := map[string]int32{"rh-b": 30, "rh-c": 120, "rh-d": 900}
	if diff := cmp.Diff(want, vis.calls); diff != "" || vis.queue != "https://sqs/q" {
		t.Errorf("visibility changes mismatch (-want +got):\n%s (queue %s)", diff, vis.queue)
	}

	// When the visibility cannot be changed the message still fails (it
	// returns after the queue's visibility timeout).
	vis.fail = true
	res, _ = c.HandleBatch(context.Background(), events.SQSEvent{Records: []events.SQSMessage{rec("f", "fail", "2")}})
	if len(res.BatchItemFailures) != 1 {
		t.Errorf("failures = %v, want f", res.BatchItemFailures)
	}
	// Without a backoff: failures reported, nothing else.
	res, _ = newConsumer(t, sqsbus.ConsumerConfig{Handle: handle}).HandleBatch(context.Background(), events.SQSEvent{Records: []events.SQSMessage{rec("g", "fail", "1"), rec("h", "ok", "1")}})
	if len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "g" {
		t.Errorf("failures = %v, want g", res.BatchItemFailures)
	}
}

// leaseHeld is an error that says when its retry can succeed.
type leaseHeld time.Duration

func (l leaseHeld) Error() string             { return "delivery held by another attempt" }
func (l leaseHeld) RetryAfter() time.Duration { return time.Duration(l) }

// TestBackoffWaitsForRetryAfter: a message that failed because its delivery
// is held elsewhere waits until the holder's lease runs out, found even in
// wrapped and joined errors, at most Max.
func TestBackoffWaitsForRetryAfter(t *testing.T) {
	b := newBackoff(t, nil, time.Second, 15*time.Minute)
	joined := fmt.Errorf("event e1: %w", errors.Join(errors.New("webhook crm answered 500"), fmt.Errorf("mail:claimant: %w", leaseHeld(36*time.Second))))
	tests := []struct {
		count int
		err   error
		want  time.Duration
	}{
		{1, leaseHeld(36 * time.Second), 36 * time.Second},
		{1, joined, 36 * time.Second},
		{7, joined, 64 * time.Second}, // the backoff is longer
		{1, leaseHeld(time.Hour), 15 * time.Minute},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.count, tt.err); got != tt.want {
			t.Errorf("Delay(%d, %v) = %s, want %s", tt.count, tt.err, got, tt.want)
		}
	}
	// The visibility is rounded up to whole seconds, never down.
	vis := &visibility{calls: map[string]int32{}}
	c := newConsumer(t, sqsbus.ConsumerConfig{
		Handle:  func(context.Context, []byte) error { return leaseHeld(2500 * time.Millisecond) },
		Backoff: newBackoff(t, vis, time.Second, 0),
	})
	if _, err := c.HandleBatch(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "a", ReceiptHandle: "rh-a", Body: "x"}}}); err != nil {
		t.Fatal(err)
	}
	if vis.calls["rh-a"] != 3 {
		t.Errorf("visibility = %d s, want 3 (2.5 s rounded up)", vis.calls["rh-a"])
	}
}

// TestPanicFailsOnlyItsMessage: a handler that panics on one message fails
// that message (logged with its stack); the batch's others succeed.
func TestPanicFailsOnlyItsMessage(t *testing.T) {
	var log syncBuffer
	c := newConsumer(t, sqsbus.ConsumerConfig{
		Handle: func(_ context.Context, body []byte) error {
			if string(body) == "boom" {
				var m map[string]int
				m["x"]++ // assignment to a nil map
			}
			return nil
		},
		Logger: slog.New(slog.NewJSONHandler(&log, nil)),
	})
	res, err := c.HandleBatch(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "a", Body: "ok"}, {MessageId: "b", Body: "boom"}, {MessageId: "c", Body: "ok"},
	}})
	if err != nil {
		t.Fatalf("HandleBatch = %v, want the batch answered", err)
	}
	if len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "b" {
		t.Errorf("failures = %+v, want only b", res.BatchItemFailures)
	}
	out := log.String()
	if !strings.Contains(out, `"message handler panicked"`) || !strings.Contains(out, `"messageId":"b"`) || !strings.Contains(out, "batch_test.go") {
		t.Errorf("the panic is not logged with its message and stack:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for the consumer's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestConstructorsRefuseMissingDependencies: each constructor of the package
// refuses each required dependency it lacks, a typed nil included, with an
// Internal error naming it.
func TestConstructorsRefuseMissingDependencies(t *testing.T) {
	client := sqs.New(sqs.Options{Region: "eu-central-1"})
	var nilVisibility *visibility
	tests := []struct {
		name    string
		build   func() (any, error)
		missing string
	}{
		{"dead letters without a client", func() (any, error) {
			return sqsbus.NewDeadLetters(sqsbus.DeadLettersConfig{URL: "https://sqs/dlq", ARN: "arn:aws:sqs:eu-central-1:1:dlq"})
		}, "Client"},
		{"dead letters without a URL", func() (any, error) {
			return sqsbus.NewDeadLetters(sqsbus.DeadLettersConfig{Client: client, ARN: "arn:aws:sqs:eu-central-1:1:dlq"})
		}, "URL"},
		{"dead letters without an ARN", func() (any, error) {
			return sqsbus.NewDeadLetters(sqsbus.DeadLettersConfig{Client: client, URL: "https://sqs/dlq"})
		}, "ARN"},
		{"backoff without a client", func() (any, error) { return sqsbus.NewBackoff(sqsbus.BackoffConfig{QueueURL: "https://sqs/q"}) }, "Client"},
		{"backoff with a typed nil client", func() (any, error) {
			return sqsbus.NewBackoff(sqsbus.BackoffConfig{Client: nilVisibility, QueueURL: "https://sqs/q"})
		}, "Client"},
		{"backoff without a queue", func() (any, error) { return sqsbus.NewBackoff(sqsbus.BackoffConfig{Client: &visibility{}}) }, "QueueURL"},
		{"consumer without a handler", func() (any, error) { return sqsbus.NewConsumer(sqsbus.ConsumerConfig{}) }, "Handle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.build()
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != tt.missing {
				t.Errorf("err = %v, want an Internal error naming %s", err, tt.missing)
			}
		})
	}
	// A typed nil backoff is no backoff: failures are reported, no
	// visibility is changed (and nothing panics).
	var nilBackoff *sqsbus.Backoff
	c := newConsumer(t, sqsbus.ConsumerConfig{Handle: func(context.Context, []byte) error { return errors.New("down") }, Backoff: nilBackoff})
	res, err := c.HandleBatch(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "a", ReceiptHandle: "rh-a", Body: "x"}}})
	if err != nil || len(res.BatchItemFailures) != 1 {
		t.Errorf("HandleBatch = %+v, %v; want a reported failure", res, err)
	}
}
