// Package events runs the local stack's event sources the way Lambda's do: SQS
// event source mappings (batching, batching window, partial batch responses,
// visibility-timeout retries that end in the dead-letter queue) and schedules
// (EventBridge rules and EventBridge Scheduler) on the clock.
//
// It talks to SQS through the AWS SDK, so the same code polls the embedded
// queue or an external one (moto, LocalStack, AWS). It must not import the
// emulators.
//
// Layer: local.
package events

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Result is what an invocation returned, as the event sources need it.
type Result struct {
	Payload       []byte
	FunctionError string
}

// InvokeFunc invokes the target function synchronously.
type InvokeFunc func(ctx context.Context, payload []byte) (Result, error)

// ErrNotInvoked is an InvokeFunc error that says the function did not run
// and will not (the stack is stopping): an SQS batch goes back to its queue
// at once rather than after its visibility timeout.
var ErrNotInvoked = errors.New("the function was not invoked: the stack is stopping")

// SQSMapping is one SQS event source mapping.
type SQSMapping struct {
	Client   *sqs.Client
	QueueURL string
	QueueARN string
	Region   string
	// BatchSize and BatchingWindow as in the template; a window of zero sends
	// what one receive returns.
	BatchSize               int
	BatchingWindow          time.Duration
	ReportBatchItemFailures bool
	// Concurrency is the number of batches in flight at once (Lambda's pollers
	// scaled to the function's concurrency or ScalingConfig.MaximumConcurrency).
	Concurrency int
	Invoke      InvokeFunc
	Logger      *slog.Logger
	// WaitTime is the long-poll wait of each receive; 0 means 20 seconds.
	// A stop waits for the receives under way, so it bounds how long a
	// graceful stop takes to stop receiving.
	WaitTime time.Duration
	// Abort, when closed, cancels the receives under way too (a stop that
	// cannot wait: a message a cancelled receive took stays invisible until
	// its visibility timeout, as after a crash).
	Abort <-chan struct{}
}

// Run polls until ctx ends. Ending ctx stops the receiving, not the work:
// the receives under way end (within WaitTime; they are not abandoned, so
// no message is left invisible by a receive nobody reads), a batch being
// invoked runs to its end (the function's timeout at the latest) and what
// succeeded is deleted, and a batch received and not yet invoked (one still
// filling its batching window, or one a receive returned after the stop)
// goes back to the queue at once. Run returns when every poller has done so.
func (m *SQSMapping) Run(ctx context.Context) {
	n := max(m.Concurrency, 1)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.poll(ctx)
		}()
	}
	wg.Wait()
}

func (m *SQSMapping) poll(ctx context.Context) {
	// Receives run until they answer, unless Abort.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	if m.Abort != nil {
		go func() {
			select {
			case <-m.Abort:
				cancel()
			case <-rctx.Done():
			}
		}()
	}
	backoff := time.Second
	for ctx.Err() == nil {
		batch, err := m.receiveBatch(ctx, rctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			m.Logger.Warn("sqs event source: receive failed", "queue", m.QueueARN, "error", err.Error())
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = time.Second
		if len(batch) == 0 {
			continue
		}
		work := context.WithoutCancel(ctx)
		if ctx.Err() != nil {
			m.giveBack(work, batch)
			return
		}
		m.process(work, batch)
	}
}

// giveBack makes messages received but not handed to the function visible
// again at once.
func (m *SQSMapping) giveBack(ctx context.Context, msgs []types.Message) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for start := 0; start < len(msgs); start += 10 {
		chunk := msgs[start:min(start+10, len(msgs))]
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(chunk))
		for i, msg := range chunk {
			entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: msg.ReceiptHandle, VisibilityTimeout: 0}
		}
		out, err := m.Client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(m.QueueURL), Entries: entries})
		if err != nil {
			m.Logger.Warn("sqs event source: return messages to the queue; they return after their visibility timeout", "queue", m.QueueARN, "messages", len(chunk), "error", err.Error())
			continue
		}
		for _, f := range out.Failed {
			m.Logger.Warn("sqs event source: return a message to the queue", "queue", m.QueueARN, "code", aws.ToString(f.Code), "message", aws.ToString(f.Message))
		}
	}
	m.Logger.Info("sqs event source stopped: messages received and not invoked returned to the queue", "queue", m.QueueARN, "messages", len(msgs))
}

// receiveBatch long-polls for the first messages, then keeps receiving until
// the batch is full, the batching window has passed or ctx (the stop) ends;
// the requests run under rctx.
func (m *SQSMapping) receiveBatch(ctx, rctx context.Context) ([]types.Message, error) {
	wait := m.WaitTime
	if wait <= 0 {
		wait = 20 * time.Second
	}
	size := max(m.BatchSize, 1)
	var batch []types.Message
	var deadline time.Time
	for len(batch) < size {
		w := int32(wait / time.Second)
		if len(batch) > 0 {
			remaining := time.Until(deadline)
			if remaining <= 0 || ctx.Err() != nil {
				break
			}
			w = int32(min(remaining, wait, 20*time.Second) / time.Second)
		}
		out, err := m.Client.ReceiveMessage(rctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(m.QueueURL),
			MaxNumberOfMessages:         int32(min(size-len(batch), 10)),
			WaitTimeSeconds:             w,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(batch) > 0 {
				return batch, nil
			}
			return nil, fmt.Errorf("receive from %s: %w", m.QueueURL, err)
		}
		if len(batch) == 0 && len(out.Messages) > 0 {
			deadline = time.Now().Add(m.BatchingWindow)
		}
		batch = append(batch, out.Messages...)
		if len(batch) == 0 {
			return nil, nil
		}
		if m.BatchingWindow <= 0 {
			break
		}
	}
	return batch, nil
}

// process invokes the function with a batch and deletes what succeeded.
func (m *SQSMapping) process(ctx context.Context, batch []types.Message) {
	payload, err := json.Marshal(sqsEvent{Records: m.records(batch)})
	if err != nil {
		m.Logger.Error("sqs event source: encode event", "error", err.Error())
		return
	}
	res, err := m.Invoke(ctx, payload)
	if errors.Is(err, ErrNotInvoked) {
		m.giveBack(ctx, batch)
		return
	}
	if err != nil {
		// Throttled or could not run: the messages return after their
		// visibility timeout, as with Lambda.
		m.Logger.Warn("sqs event source: invoke failed, batch returns to the queue", "queue", m.QueueARN, "messages", len(batch), "error", err.Error())
		return
	}
	if res.FunctionError != "" {
		m.Logger.Warn("sqs event source: function error, batch returns to the queue", "queue", m.QueueARN, "messages", len(batch))
		return
	}
	done := batch
	if m.ReportBatchItemFailures {
		failed, err := FailedItems(res.Payload, batch)
		if err != nil {
			m.Logger.Warn("sqs event source: invalid partial batch response, whole batch returns to the queue", "queue", m.QueueARN, "error", err.Error())
			return
		}
		done = done[:0:0]
		for _, msg := range batch {
			if !failed[aws.ToString(msg.MessageId)] {
				done = append(done, msg)
			}
		}
	}
	m.delete(ctx, done)
}

func (m *SQSMapping) delete(ctx context.Context, msgs []types.Message) {
	for start := 0; start < len(msgs); start += 10 {
		chunk := msgs[start:min(start+10, len(msgs))]
		entries := make([]types.DeleteMessageBatchRequestEntry, len(chunk))
		for i, msg := range chunk {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: msg.ReceiptHandle}
		}
		out, err := m.Client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(m.QueueURL), Entries: entries})
		if err != nil {
			m.Logger.Error("sqs event source: delete processed messages", "queue", m.QueueARN, "error", err.Error())
			continue
		}
		for _, f := range out.Failed {
			m.Logger.Error("sqs event source: delete processed message", "queue", m.QueueARN, "code", aws.ToString(f.Code), "message", aws.ToString(f.Message))
		}
	}
}

// FailedItems reads a partial batch response ({"batchItemFailures":[...]}).
// Lambda treats the whole batch as failed when the response cannot be read or
// names an item that is not in the batch; an empty or null response means
// every item succeeded.
func FailedItems(payload []byte, batch []types.Message) (map[string]bool, error) {
	failed := map[string]bool{}
	if len(payload) == 0 || string(payload) == "null" {
		return failed, nil
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, fmt.Errorf("decode partial batch response: %w", err)
	}
	inBatch := map[string]bool{}
	for _, msg := range batch {
		inBatch[aws.ToString(msg.MessageId)] = true
	}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == nil || *f.ItemIdentifier == "" {
			return nil, errors.New("a batch item failure has no itemIdentifier")
		}
		if !inBatch[*f.ItemIdentifier] {
			return nil, fmt.Errorf("itemIdentifier %q is not in the batch", *f.ItemIdentifier)
		}
		failed[*f.ItemIdentifier] = true
	}
	return failed, nil
}

// sqsEvent mirrors the documented SQS event shape.
type sqsEvent struct {
	Records []sqsRecord `json:"Records"`
}

type sqsRecord struct {
	MessageID         string                  `json:"messageId"`
	ReceiptHandle     string                  `json:"receiptHandle"`
	Body              string                  `json:"body"`
	Attributes        map[string]string       `json:"attributes"`
	MessageAttributes map[string]sqsAttribute `json:"messageAttributes"`
	MD5OfBody         string                  `json:"md5OfBody"`
	EventSource       string                  `json:"eventSource"`
	EventSourceARN    string                  `json:"eventSourceARN"`
	AWSRegion         string                  `json:"awsRegion"`
}

type sqsAttribute struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      *string  `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues []string `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

func (m *SQSMapping) records(batch []types.Message) []sqsRecord {
	out := make([]sqsRecord, len(batch))
	for i, msg := range batch {
		attrs := map[string]string{}
		for k, v := range msg.Attributes {
			attrs[k] = v
		}
		mattrs := map[string]sqsAttribute{}
		for k, v := range msg.MessageAttributes {
			a := sqsAttribute{DataType: aws.ToString(v.DataType), StringValue: v.StringValue, StringListValues: []string{}, BinaryListValues: []string{}}
			if v.BinaryValue != nil {
				b := base64.StdEncoding.EncodeToString(v.BinaryValue)
				a.BinaryValue = &b
			}
			mattrs[k] = a
		}
		out[i] = sqsRecord{
			MessageID:         aws.ToString(msg.MessageId),
			ReceiptHandle:     aws.ToString(msg.ReceiptHandle),
			Body:              aws.ToString(msg.Body),
			Attributes:        attrs,
			MessageAttributes: mattrs,
			MD5OfBody:         aws.ToString(msg.MD5OfBody),
			EventSource:       "aws:sqs",
			EventSourceARN:    m.QueueARN,
			AWSRegion:         m.Region,
		}
	}
	return out
}
