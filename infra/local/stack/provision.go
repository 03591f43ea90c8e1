package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/claimsdesk/backend/infra/local/template"
)

// Clients are SDK clients for the stack's service endpoints.
type Clients struct {
	DynamoDB *dynamodb.Client
	S3       *s3.Client
	SQS      *sqs.Client
	SES      *sesv2.Client
}

func newClients(cfg aws.Config, ep Endpoints) Clients {
	return Clients{
		DynamoDB: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ep.DynamoDB) }),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(ep.S3)
			o.UsePathStyle = true
		}),
		SQS: sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(ep.SQS) }),
		SES: sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(ep.SES) }),
	}
}

// provision creates or updates the template's tables, buckets, queues and mail
// identities, like a deployment would, and returns the queue URLs by name.
func provision(ctx context.Context, c Clients, model *template.Stack, region string) (map[string]string, error) {
	for _, t := range model.Tables {
		if err := provisionTable(ctx, c.DynamoDB, t); err != nil {
			return nil, fmt.Errorf("table %s: %w", t.LogicalID, err)
		}
	}
	for _, b := range model.Buckets {
		if err := provisionBucket(ctx, c.S3, b, region); err != nil {
			return nil, fmt.Errorf("bucket %s: %w", b.LogicalID, err)
		}
	}
	urls := map[string]string{}
	// Create every queue before setting redrive policies, which name other queues.
	for _, q := range model.Queues {
		url, err := ensureQueue(ctx, c.SQS, q)
		if err != nil {
			return nil, fmt.Errorf("queue %s: %w", q.LogicalID, err)
		}
		urls[q.Name] = url
	}
	for _, q := range model.Queues {
		attrs := map[string]string{}
		for k, v := range q.Attributes {
			if k != "FifoQueue" {
				attrs[k] = v
			}
		}
		if len(attrs) == 0 {
			continue
		}
		if _, err := c.SQS.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(urls[q.Name]), Attributes: attrs}); err != nil {
			return nil, fmt.Errorf("queue %s attributes: %w", q.LogicalID, err)
		}
	}
	for _, id := range model.MailIdentities {
		_, err := c.SES.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(id)})
		var exists *sestypes.AlreadyExistsException
		if err != nil && !errors.As(err, &exists) {
			return nil, fmt.Errorf("mail identity %s: %w", id, err)
		}
	}
	return urls, nil
}

func provisionTable(ctx context.Context, c *dynamodb.Client, t *template.Table) error {
	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.Name)})
	var notFound *ddbtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		in := &dynamodb.CreateTableInput{
			TableName:            aws.String(t.Name),
			AttributeDefinitions: attributeDefinitions(t.AttributeDefinitions),
			KeySchema:            keySchema(t.KeySchema),
			BillingMode:          ddbtypes.BillingModePayPerRequest,
		}
		for _, i := range t.GlobalIndexes {
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, ddbtypes.GlobalSecondaryIndex{
				IndexName: aws.String(i.Name), KeySchema: keySchema(i.KeySchema), Projection: projection(i),
			})
		}
		for _, i := range t.LocalIndexes {
			in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, ddbtypes.LocalSecondaryIndex{
				IndexName: aws.String(i.Name), KeySchema: keySchema(i.KeySchema), Projection: projection(i),
			})
		}
		if _, err := c.CreateTable(ctx, in); err != nil {
			return fmt.Errorf("create: %w", err)
		}
	case err != nil:
		return fmt.Errorf("describe: %w", err)
	default:
		if err := syncIndexes(ctx, c, t, desc.Table); err != nil {
			return err
		}
	}
	if t.TTLAttribute != "" {
		ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(t.Name)})
		if err != nil {
			return fmt.Errorf("describe ttl: %w", err)
		}
		if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != t.TTLAttribute {
			if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName:               aws.String(t.Name),
				TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)},
			}); err != nil {
				return fmt.Errorf("enable ttl: %w", err)
			}
		}
	}
	if t.PointInTimeRecovery {
		if _, err := c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
			TableName: aws.String(t.Name),
			PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: aws.Bool(true),
			},
		}); err != nil {
			return fmt.Errorf("enable point-in-time recovery: %w", err)
		}
	}
	return nil
}

// syncIndexes adds the template's missing global indexes and drops the ones it
// no longer declares, one per UpdateTable call as DynamoDB requires.
func syncIndexes(ctx context.Context, c *dynamodb.Client, t *template.Table, d *ddbtypes.TableDescription) error {
	have := map[string]bool{}
	for _, g := range d.GlobalSecondaryIndexes {
		have[aws.ToString(g.IndexName)] = true
	}
	want := map[string]bool{}
	for _, i := range t.GlobalIndexes {
		want[i.Name] = true
		if have[i.Name] {
			continue
		}
		_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
			TableName:            aws.String(t.Name),
			AttributeDefinitions: attributeDefinitions(t.AttributeDefinitions),
			GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{{Create: &ddbtypes.CreateGlobalSecondaryIndexAction{
				IndexName: aws.String(i.Name), KeySchema: keySchema(i.KeySchema), Projection: projection(i),
			}}},
		})
		if err != nil {
			return fmt.Errorf("add index %s: %w", i.Name, err)
		}
	}
	for name := range have {
		if want[name] {
			continue
		}
		_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
			TableName:                   aws.String(t.Name),
			GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{{Delete: &ddbtypes.DeleteGlobalSecondaryIndexAction{IndexName: aws.String(name)}}},
		})
		if err != nil {
			return fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	return nil
}

func attributeDefinitions(defs []template.AttributeDefinition) []ddbtypes.AttributeDefinition {
	out := make([]ddbtypes.AttributeDefinition, len(defs))
	for i, d := range defs {
		out[i] = ddbtypes.AttributeDefinition{AttributeName: aws.String(d.Name), AttributeType: ddbtypes.ScalarAttributeType(d.Type)}
	}
	return out
}

func keySchema(ks []template.KeyElement) []ddbtypes.KeySchemaElement {
	out := make([]ddbtypes.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = ddbtypes.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: ddbtypes.KeyType(k.KeyType)}
	}
	return out
}

func projection(i template.Index) *ddbtypes.Projection {
	p := &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(i.ProjectionType)}
	if p.ProjectionType == "" {
		p.ProjectionType = ddbtypes.ProjectionTypeAll
	}
	if len(i.NonKeyAttributes) > 0 {
		p.NonKeyAttributes = i.NonKeyAttributes
	}
	return p
}

func provisionBucket(ctx context.Context, c *s3.Client, b *template.Bucket, region string) error {
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.Name)})
	if err != nil {
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || (apiErr.ErrorCode() != "NotFound" && apiErr.ErrorCode() != "NoSuchBucket") {
			return fmt.Errorf("head: %w", err)
		}
		in := &s3.CreateBucketInput{Bucket: aws.String(b.Name)}
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
		}
		if _, err := c.CreateBucket(ctx, in); err != nil {
			var owned *s3types.BucketAlreadyOwnedByYou
			if !errors.As(err, &owned) {
				return fmt.Errorf("create: %w", err)
			}
		}
	}
	if len(b.CORSRules) > 0 {
		var rules []s3types.CORSRule
		for _, r := range b.CORSRules {
			rule := s3types.CORSRule{
				AllowedMethods: r.AllowedMethods,
				AllowedOrigins: r.AllowedOrigins,
				AllowedHeaders: r.AllowedHeaders,
				ExposeHeaders:  r.ExposedHeaders,
			}
			if r.MaxAge > 0 {
				rule.MaxAgeSeconds = aws.Int32(int32(r.MaxAge))
			}
			rules = append(rules, rule)
		}
		if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(b.Name), CORSConfiguration: &s3types.CORSConfiguration{CORSRules: rules}}); err != nil {
			return fmt.Errorf("put cors: %w", err)
		}
	}
	if b.Versioning {
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
			Bucket:                  aws.String(b.Name),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
		}); err != nil {
			return fmt.Errorf("put versioning: %w", err)
		}
	}
	return nil
}

func ensureQueue(ctx context.Context, c *sqs.Client, q *template.Queue) (string, error) {
	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(q.Name)})
	if err == nil {
		return aws.ToString(got.QueueUrl), nil
	}
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) && !strings.Contains(err.Error(), "NonExistentQueue") {
		return "", fmt.Errorf("get url: %w", err)
	}
	// FIFO-ness is fixed at creation; everything else is set afterwards.
	attrs := map[string]string{}
	if v, ok := q.Attributes["FifoQueue"]; ok {
		attrs["FifoQueue"] = v
	}
	created, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q.Name), Attributes: attrs})
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	return aws.ToString(created.QueueUrl), nil
}
