// Package snsbus publishes the application's events to the events topic
// (SNS), from which each consumer's queue takes its own copy: the
// notifier's every event, the analytics' the claim events. Each event is
// one message whose body is the event's JSON and whose `eventType` message
// attribute is its type, which subscriptions filter on.
//
// Only this package (and the functions' main packages) may import the SNS
// SDK.
//
// Layer: adapter.
package snsbus

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/claimsdesk/backend/shared/awsenv"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
)

// EventTypeAttribute is the message attribute that carries an event's type.
const EventTypeAttribute = "eventType"

// maxBatch is how many messages one PublishBatch call takes.
const maxBatch = 10

// NewClient returns the SNS client of a function: cfg with the endpoint
// configured for SNS (AWS_ENDPOINT_URL_SNS, else AWS_ENDPOINT_URL, else
// AWS's).
func NewClient(cfg aws.Config) *sns.Client {
	return sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("SNS") })
}

// BatchPublisher is the part of the SNS client the Publisher uses.
type BatchPublisher interface {
	PublishBatch(ctx context.Context, in *sns.PublishBatchInput, opts ...func(*sns.Options)) (*sns.PublishBatchOutput, error)
}

// Publisher publishes outbox events to the events topic.
type Publisher struct {
	client   BatchPublisher
	topicARN string
}

// PublisherConfig wires a Publisher; both fields are required.
type PublisherConfig struct {
	Client BatchPublisher
	// TopicARN is the events topic (EVENTS_TOPIC_ARN).
	TopicARN string
}

// NewPublisher returns a Publisher to cfg.TopicARN. It returns an Internal
// error naming what cfg lacks.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if err := deps.Check("snsbus publisher", deps.Need("Client", cfg.Client), deps.Need("TopicARN", cfg.TopicARN)); err != nil {
		return nil, err
	}
	return &Publisher{client: cfg.Client, topicARN: cfg.TopicARN}, nil
}

// Publish publishes events in batches of ten, each with its type as the
// eventType attribute, and goes on with the next batch when one fails. It
// returns an error naming every event that was not published (the
// outbox relay publishes those again; a consumer may see the others twice,
// which it tolerates as it tolerates SNS's own redelivery).
func (p *Publisher) Publish(ctx context.Context, evs []events.Event) error {
	var failed []string
	var first error
	for start := 0; start < len(evs); start += maxBatch {
		chunk := evs[start:min(start+maxBatch, len(evs))]
		entries := make([]types.PublishBatchRequestEntry, len(chunk))
		for i, e := range chunk {
			body, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("encode event %s: %w", e.ID, err)
			}
			entries[i] = types.PublishBatchRequestEntry{
				Id:      aws.String(strconv.Itoa(i)),
				Message: aws.String(string(body)),
				MessageAttributes: map[string]types.MessageAttributeValue{
					EventTypeAttribute: {DataType: aws.String("String"), StringValue: aws.String(e.Type)},
				},
			}
		}
		out, err := p.client.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(p.topicARN), PublishBatchRequestEntries: entries})
		if err != nil {
			for _, e := range chunk {
				failed = append(failed, e.ID)
			}
			if first == nil {
				first = err
			}
			continue
		}
		for _, f := range out.Failed {
			i, convErr := strconv.Atoi(aws.ToString(f.Id))
			if convErr != nil || i < 0 || i >= len(chunk) {
				return fmt.Errorf("publish events: SNS reported an unknown entry %q failed", aws.ToString(f.Id))
			}
			failed = append(failed, chunk[i].ID)
			if first == nil {
				first = fmt.Errorf("%s: %s", aws.ToString(f.Code), aws.ToString(f.Message))
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("publish events: %d of %d not published (%s): %w", len(failed), len(evs), strings.Join(failed, ", "), first)
}
