// Package sqsbus is the SQS edge: it turns an SQS batch event into calls of a
// per-message function, reports the failed ones back to Lambda
// (ReportBatchItemFailures) so only those return to the queue, and spaces
// their retries out by changing their visibility (exponential backoff by
// receive count). It also sends jobs to a work queue (Jobs: the exports').
//
// Only this package (and the functions' main packages) may import the SQS
// event types or the SQS SDK.
//
// Layer: adapter.
package sqsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/deps"
)

// MessageFunc handles one message body; an error leaves the message on the
// queue for another attempt.
type MessageFunc func(ctx context.Context, body []byte) error

// VisibilityChanger is the part of the SQS client the backoff uses.
type VisibilityChanger interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Backoff spaces out the retries of failed messages: the n-th receive that
// fails hides the message for Base·2^(n-1), at most Max. A message that can
// never succeed (an apperr.Invalid error: it is malformed) is hidden for Max
// every time, so it reaches the dead-letter queue after the queue's
// maxReceiveCount without being retried quickly. An error that says when a
// retry can succeed (it has a RetryAfter() time.Duration method, also
// inside wrapped or joined errors: a delivery whose lease another attempt
// holds) hides the message at least that long, at most Max.
type Backoff struct {
	cfg BackoffConfig
}

// BackoffConfig wires a Backoff. Client and QueueURL are required.
type BackoffConfig struct {
	// Client changes the messages' visibility (the SQS client).
	Client VisibilityChanger
	// QueueURL is the queue the messages come from.
	QueueURL string
	// Base is the first delay (default 30 s); Max caps every delay (default
	// 15 minutes; SQS allows up to 12 hours).
	Base, Max time.Duration
}

// NewBackoff returns a Backoff. It returns an Internal error naming what
// cfg lacks.
func NewBackoff(cfg BackoffConfig) (*Backoff, error) {
	if err := deps.Check("sqsbus backoff", deps.Need("Client", cfg.Client), deps.Need("QueueURL", cfg.QueueURL)); err != nil {
		return nil, err
	}
	if cfg.Base <= 0 {
		cfg.Base = 30 * time.Second
	}
	if cfg.Max <= 0 {
		cfg.Max = 15 * time.Minute
	}
	cfg.Max = min(cfg.Max, 12*time.Hour)
	return &Backoff{cfg: cfg}, nil
}

// Delay is how long a message that failed with err on its receiveCount-th
// receive waits before the next attempt.
func (b *Backoff) Delay(receiveCount int, err error) time.Duration {
	base, ceiling := b.cfg.Base, b.cfg.Max
	if apperr.Is(err, apperr.Invalid) {
		return ceiling
	}
	d := base
	for i := 1; i < receiveCount && d < ceiling; i++ {
		d *= 2
	}
	return min(max(d, retryAfter(err)), ceiling)
}

// retryAfter is the longest RetryAfter of err and the errors it wraps or
// joins (0 when none says).
func retryAfter(err error) time.Duration {
	if err == nil {
		return 0
	}
	var d time.Duration
	if r, ok := err.(interface{ RetryAfter() time.Duration }); ok {
		d = r.RetryAfter()
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		d = max(d, retryAfter(u.Unwrap()))
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			d = max(d, retryAfter(e))
		}
	}
	return d
}

// hide sets the message's visibility timeout to the delay, in whole seconds
// rounded up (a retry must not come before the delay).
func (b *Backoff) hide(ctx context.Context, receiptHandle string, d time.Duration) error {
	_, err := b.cfg.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(b.cfg.QueueURL), ReceiptHandle: aws.String(receiptHandle),
		VisibilityTimeout: int32((d + time.Second - 1) / time.Second),
	})
	return err
}

// Consumer handles the messages of SQS batch events.
type Consumer struct {
	cfg ConsumerConfig
}

// ConsumerConfig wires a Consumer. Handle is required.
type ConsumerConfig struct {
	Handle MessageFunc
	// Backoff spaces out retries (optional; nil: failed messages return
	// after the queue's visibility timeout).
	Backoff *Backoff
	// Parallel bounds the messages handled at once (default 10: a whole
	// batch, so one slow message does not hold up the others).
	Parallel int
	// Logger logs failed messages (default: discarded).
	Logger *slog.Logger
}

// NewConsumer returns a Consumer. It returns an Internal error naming what
// cfg lacks.
func NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	if err := deps.Check("sqsbus consumer", deps.Need("Handle", cfg.Handle)); err != nil {
		return nil, err
	}
	cfg.Backoff = deps.Optional(cfg.Backoff)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 10
	}
	return &Consumer{cfg: cfg}, nil
}

// HandleBatch handles an SQS event and reports the failed messages. A panic
// while handling one message fails that message only (logged with its
// stack); the others of the batch go on.
func (c *Consumer) HandleBatch(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	logger, parallel, backoff := c.cfg.Logger, c.cfg.Parallel, c.cfg.Backoff
	failed := make([]bool, len(ev.Records))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, rec := range ev.Records {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := c.handle(ctx, logger, rec)
			if err == nil {
				return
			}
			failed[i] = true
			count, _ := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
			count = max(count, 1)
			attrs := []any{"messageId", rec.MessageId, "receiveCount", count, "error", err.Error()}
			if backoff != nil && rec.ReceiptHandle != "" {
				delay := backoff.Delay(count, err)
				attrs = append(attrs, "retryIn", delay.String())
				if herr := backoff.hide(ctx, rec.ReceiptHandle, delay); herr != nil {
					attrs = append(attrs, "backoffError", herr.Error())
				}
			}
			logger.WarnContext(ctx, "message failed", attrs...)
		}()
	}
	wg.Wait()
	var res events.SQSEventResponse
	for i, rec := range ev.Records {
		if failed[i] {
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	return res, nil
}

// ErrPanic marks a message whose handling panicked.
var ErrPanic = errors.New("message handler panicked")

// handle runs Handle on one message, turning a panic into its error.
func (c *Consumer) handle(ctx context.Context, logger *slog.Logger, rec events.SQSMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrPanic, r)
			logger.ErrorContext(ctx, "message handler panicked", "messageId", rec.MessageId, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	return c.cfg.Handle(ctx, []byte(rec.Body))
}
