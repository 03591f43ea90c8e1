package sqsbus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/notify"
)

// DeadLetters is a dead-letter queue: what ended there, and moving it back
// to the queue it came from once the cause is fixed (SQS's redrive).
type DeadLetters struct {
	client *sqs.Client
	url    string
	arn    string
}

// DeadLettersConfig wires DeadLetters; every field is required.
type DeadLettersConfig struct {
	Client *sqs.Client
	// URL and ARN name the dead-letter queue (DEAD_LETTER_QUEUE_URL,
	// DEAD_LETTER_QUEUE_ARN): its attributes are read by URL, its redrive
	// names it by ARN.
	URL, ARN string
}

// NewDeadLetters returns the dead-letter queue cfg names. It returns an
// Internal error naming what cfg lacks.
func NewDeadLetters(cfg DeadLettersConfig) (*DeadLetters, error) {
	if err := deps.Check("sqsbus dead letters", deps.Need("Client", cfg.Client), deps.Need("URL", cfg.URL), deps.Need("ARN", cfg.ARN)); err != nil {
		return nil, err
	}
	return &DeadLetters{client: cfg.Client, url: cfg.URL, arn: cfg.ARN}, nil
}

// Status reads the queue's counters and its recent redrives.
func (d *DeadLetters) Status(ctx context.Context) (*notify.DeadLetterStatus, error) {
	attrs, err := d.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(d.url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("dead-letter queue status: %w", err)
	}
	out := &notify.DeadLetterStatus{Queue: d.arn, Redrives: []notify.MoveTask{}}
	out.Messages, _ = strconv.Atoi(attrs.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	out.InFlight, _ = strconv.Atoi(attrs.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	tasks, err := d.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(d.arn), MaxResults: aws.Int32(10)})
	if err != nil {
		return nil, fmt.Errorf("dead-letter redrives: %w", err)
	}
	for _, t := range tasks.Results {
		out.Redrives = append(out.Redrives, notify.MoveTask{
			Handle: aws.ToString(t.TaskHandle), Status: aws.ToString(t.Status), Moved: t.ApproximateNumberOfMessagesMoved,
			ToMove: aws.ToInt64(t.ApproximateNumberOfMessagesToMove), StartedAt: time.UnixMilli(t.StartedTimestamp).UTC(),
			Failure: aws.ToString(t.FailureReason),
		})
	}
	return out, nil
}

// Redrive starts moving every message back to the queue it came from. It
// returns Conflict when a redrive is already running.
func (d *DeadLetters) Redrive(ctx context.Context) (*notify.MoveTask, error) {
	out, err := d.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(d.arn)})
	if err != nil {
		// SQS refuses a second running task for the queue with
		// InvalidParameterValue (and an unsupported source likewise).
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "InvalidParameterValue" || ae.ErrorCode() == "UnsupportedOperation") {
			return nil, apperr.Errorf(apperr.Conflict, "redrive refused: %s", ae.ErrorMessage())
		}
		return nil, fmt.Errorf("redrive dead letters: %w", err)
	}
	return &notify.MoveTask{Handle: aws.ToString(out.TaskHandle), Status: "RUNNING", StartedAt: time.Now().UTC()}, nil
}
