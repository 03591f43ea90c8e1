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
	"github.com/aws/aws-sdk-go-v2/service/sns"
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
	SNS      *sns.Client
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
		SNS: sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(ep.SNS) }),
	}
}

// provision creates or updates the template's tables, buckets, queues, topics
// with their subscriptions and mail identities, like a deployment would, and
// returns the queue URLs by name.
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
	if err := provisionTopics(ctx, c.SNS, model); err != nil {
		return nil, err
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

// provisionTopics creates the template's topics and brings their
// subscriptions to what the template declares: new ones subscribed, changed
// attributes set, undeclared ones removed (pending e-mail confirmations,
// which have no ARN yet, stay).
func provisionTopics(ctx context.Context, c *sns.Client, model *template.Stack) error {
	for _, t := range model.Topics {
		if _, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(t.Name), Attributes: t.Attributes}); err != nil {
			return fmt.Errorf("topic %s: %w", t.LogicalID, err)
		}
		declared := map[string]*template.Subscription{}
		for _, sub := range model.Subscriptions {
			if sub.TopicARN == t.ARN {
				declared[sub.Protocol+" "+sub.Endpoint] = sub
			}
		}
		existing := map[string]string{} // protocol+endpoint → subscription ARN
		var token *string
		for {
			out, err := c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(t.ARN), NextToken: token})
			if err != nil {
				return fmt.Errorf("topic %s subscriptions: %w", t.LogicalID, err)
			}
			for _, s := range out.Subscriptions {
				existing[aws.ToString(s.Protocol)+" "+aws.ToString(s.Endpoint)] = aws.ToString(s.SubscriptionArn)
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		for key, arn := range existing {
			if _, ok := declared[key]; ok || !strings.HasPrefix(arn, "arn:") {
				continue
			}
			if _, err := c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}); err != nil {
				return fmt.Errorf("topic %s: remove subscription %s: %w", t.LogicalID, key, err)
			}
		}
		for key, sub := range declared {
			arn, ok := existing[key]
			if !ok {
				if _, err := c.Subscribe(ctx, &sns.SubscribeInput{
					TopicArn: aws.String(t.ARN), Protocol: aws.String(sub.Protocol), Endpoint: aws.String(sub.Endpoint), Attributes: sub.Attributes,
				}); err != nil {
					return fmt.Errorf("subscription %s: %w", sub.LogicalID, err)
				}
				continue
			}
			if !strings.HasPrefix(arn, "arn:") {
				continue // pending confirmation: nothing to update yet
			}
			if err := syncSubscription(ctx, c, arn, sub); err != nil {
				return fmt.Errorf("subscription %s: %w", sub.LogicalID, err)
			}
		}
	}
	return nil
}

// syncSubscription sets the attributes the template declares on an existing
// subscription, and clears a filter policy the template dropped.
func syncSubscription(ctx context.Context, c *sns.Client, arn string, sub *template.Subscription) error {
	got, err := c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("get attributes: %w", err)
	}
	want := map[string]string{"RawMessageDelivery": "false"}
	for k, v := range sub.Attributes {
		want[k] = v
	}
	if _, ok := want["FilterPolicy"]; !ok && got.Attributes["FilterPolicy"] != "" {
		want["FilterPolicy"] = ""
	}
	// The scope first: a body policy is only valid under the body scope.
	for _, k := range []string{"FilterPolicyScope", "FilterPolicy", "RawMessageDelivery", "DeliveryPolicy", "RedrivePolicy"} {
		v, ok := want[k]
		if !ok || got.Attributes[k] == v {
			continue
		}
		if _, err := c.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{
			SubscriptionArn: aws.String(arn), AttributeName: aws.String(k), AttributeValue: aws.String(v),
		}); err != nil {
			return fmt.Errorf("set %s: %w", k, err)
		}
	}
	return nil
}

// sendToQueue delivers an SNS message to a queue through the SQS API, for an
// embedded SNS whose SQS is external.
func sendToQueue(ctx context.Context, c *sqs.Client, queueARN, body string, attrs map[string]sqstypes.MessageAttributeValue) error {
	parts := strings.Split(queueARN, ":")
	if len(parts) != 6 {
		return fmt.Errorf("not a queue ARN: %s", queueARN)
	}
	url, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(parts[5]), QueueOwnerAWSAccountId: aws.String(parts[4])})
	if err != nil {
		return fmt.Errorf("queue %s: %w", queueARN, err)
	}
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(body), MessageAttributes: attrs}); err != nil {
		return fmt.Errorf("send to %s: %w", queueARN, err)
	}
	return nil
}
