package sqsbus

import (
	"context"
	"errors"
	"fmt"
	"github.com/claimsdesk/backend/shared/notify"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/claimsdesk/backend/shared/apperr"
)

// DeadLetters is a dead-letter queue: what ended there, and moving it back
// to the queue it came from once the cause is fixed (SQS's redrive).
type DeadLetters struct {
	client *sqs.Client
	url    string
	arn    string
}

// NewDeadLetters returns the dead-letter queue at url (with its ARN).
func NewDeadLetters(client *sqs.Client, url, arn string) *DeadLetters {
	return &DeadLetters{client: client, url: url, arn: arn}
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
