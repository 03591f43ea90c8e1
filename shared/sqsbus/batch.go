// Package sqsbus is the SQS edge: it turns an SQS batch event into calls of a
// per-message function and reports the failed ones back to Lambda
// (ReportBatchItemFailures), so only those return to the queue.
//
// Only this package (and the functions' main packages) may import the SQS
// event types or the SQS SDK.
package sqsbus

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// MessageFunc handles one message body; an error leaves the message on the
// queue for another attempt.
type MessageFunc func(ctx context.Context, body []byte) error

// BatchHandler returns a Lambda handler for an SQS event source mapping with
// FunctionResponseTypes: [ReportBatchItemFailures].
func BatchHandler(fn MessageFunc, logger *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var res events.SQSEventResponse
		for _, rec := range ev.Records {
			if err := fn(ctx, []byte(rec.Body)); err != nil {
				logger.WarnContext(ctx, "message failed", "messageId", rec.MessageId,
					"receiveCount", rec.Attributes["ApproximateReceiveCount"], "error", err.Error())
				res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			}
		}
		return res, nil
	}
}
