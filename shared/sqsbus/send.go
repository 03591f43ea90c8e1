package sqsbus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/exports"
)

// MessageSender is what a Jobs queue needs of the SQS client.
type MessageSender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Jobs sends jobs to a work queue (the exports queue): one message per
// job, its body an exports.Message.
type Jobs struct {
	client MessageSender
	url    string
}

// JobsConfig wires Jobs; both fields are required.
type JobsConfig struct {
	Client   MessageSender
	QueueURL string
}

// NewJobs returns Jobs on cfg.QueueURL. It returns an Internal error
// naming what cfg lacks.
func NewJobs(cfg JobsConfig) (*Jobs, error) {
	if err := deps.Check("sqsbus jobs", deps.Need("Client", cfg.Client), deps.Need("QueueURL", cfg.QueueURL)); err != nil {
		return nil, err
	}
	return &Jobs{client: cfg.Client, url: cfg.QueueURL}, nil
}

// Enqueue sends one job's message.
func (q *Jobs) Enqueue(ctx context.Context, jobID string) error {
	body, err := json.Marshal(exports.Message{JobID: jobID})
	if err != nil {
		return fmt.Errorf("encode job %s: %w", jobID, err)
	}
	if _, err := q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("send job %s: %w", jobID, err)
	}
	return nil
}
