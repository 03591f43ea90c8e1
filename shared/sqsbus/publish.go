package sqsbus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/claimsdesk/backend/shared/awsenv"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
)

// NewClient returns the SQS client of a function: cfg with the endpoint
// configured for SQS (AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL, else
// AWS's).
func NewClient(cfg aws.Config) *sqs.Client {
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("SQS") })
}

// Publisher sends outbox events to a queue.
type Publisher struct {
	client   *sqs.Client
	queueURL string
}

// PublisherConfig wires a Publisher; both fields are required.
type PublisherConfig struct {
	Client *sqs.Client
	// QueueURL is the notifications queue (NOTIFICATIONS_QUEUE_URL).
	QueueURL string
}

// NewPublisher returns a Publisher to cfg.QueueURL. It returns an Internal
// error naming what cfg lacks.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if err := deps.Check("sqsbus publisher", deps.Need("Client", cfg.Client), deps.Need("QueueURL", cfg.QueueURL)); err != nil {
		return nil, err
	}
	return &Publisher{client: cfg.Client, queueURL: cfg.QueueURL}, nil
}

// Publish sends events in batches of ten, each with its type as a message
// attribute. It fails if any event could not be sent.
func (p *Publisher) Publish(ctx context.Context, events []events.Event) error {
	for start := 0; start < len(events); start += 10 {
		chunk := events[start:min(start+10, len(events))]
		entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
		for i, e := range chunk {
			body, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("encode event %s: %w", e.ID, err)
			}
			entries[i] = types.SendMessageBatchRequestEntry{
				Id:          aws.String(fmt.Sprint(i)),
				MessageBody: aws.String(string(body)),
				MessageAttributes: map[string]types.MessageAttributeValue{
					"type": {DataType: aws.String("String"), StringValue: aws.String(e.Type)},
				},
			}
		}
		out, err := p.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.queueURL), Entries: entries})
		if err != nil {
			return fmt.Errorf("publish %d events: %w", len(chunk), err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("publish events: %d failed, first: %s %s", len(out.Failed), aws.ToString(f.Code), aws.ToString(f.Message))
		}
	}
	return nil
}
