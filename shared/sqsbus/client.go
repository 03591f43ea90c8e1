package sqsbus

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/claimsdesk/backend/shared/awsenv"
)

// NewClient returns the SQS client of a function: cfg with the endpoint
// configured for SQS (AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL, else
// AWS's).
func NewClient(cfg aws.Config) *sqs.Client {
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("SQS") })
}
