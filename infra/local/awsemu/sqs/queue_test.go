package sqs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
)

func TestCreateQueueAttributes(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	created := fmt.Sprint(clock.Now().Unix())
	dlqARN := e.arn(e.createQueue("orders-dlq", nil))
	tests := []struct {
		name  string
		queue string
		attrs map[string]string
		want  map[string]string
	}{
		{
			name:  "standard defaults",
			queue: "plain",
			want: map[string]string{
				"QueueArn": "arn:aws:sqs:eu-central-1:123456789012:plain", "ApproximateNumberOfMessages": "0",
				"ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
				"CreatedTimestamp": created, "LastModifiedTimestamp": created, "VisibilityTimeout": "30",
				"MaximumMessageSize": "262144", "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
				"ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true",
			},
		},
		{
			name:  "every settable attribute",
			queue: "custom",
			attrs: map[string]string{
				"VisibilityTimeout": "45", "MaximumMessageSize": "2048", "MessageRetentionPeriod": "600",
				"DelaySeconds": "5", "ReceiveMessageWaitTimeSeconds": "3",
				"RedrivePolicy":      `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"4"}`,
				"RedriveAllowPolicy": `{"redrivePermission":"allowAll"}`,
				"Policy":             `{"Version":"2012-10-17","Statement":[]}`,
				"KmsMasterKeyId":     "alias/aws/sqs",
			},
			want: map[string]string{
				"QueueArn": "arn:aws:sqs:eu-central-1:123456789012:custom", "ApproximateNumberOfMessages": "0",
				"ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
				"CreatedTimestamp": created, "LastModifiedTimestamp": created, "VisibilityTimeout": "45",
				"MaximumMessageSize": "2048", "MessageRetentionPeriod": "600", "DelaySeconds": "5",
				"ReceiveMessageWaitTimeSeconds": "3", "SqsManagedSseEnabled": "false",
				"RedrivePolicy":                `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":4}`,
				"RedriveAllowPolicy":           `{"redrivePermission":"allowAll"}`,
				"Policy":                       `{"Version":"2012-10-17","Statement":[]}`,
				"KmsMasterKeyId":               "alias/aws/sqs",
				"KmsDataKeyReusePeriodSeconds": "300",
			},
		},
		{
			name:  "fifo defaults",
			queue: "events.fifo",
			attrs: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"},
			want: map[string]string{
				"QueueArn": "arn:aws:sqs:eu-central-1:123456789012:events.fifo", "ApproximateNumberOfMessages": "0",
				"ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
				"CreatedTimestamp": created, "LastModifiedTimestamp": created, "VisibilityTimeout": "30",
				"MaximumMessageSize": "262144", "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
				"ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true", "FifoQueue": "true",
				"ContentBasedDeduplication": "true", "DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := e.createQueue(tc.queue, tc.attrs)
			if want := e.http.URL + "/" + testAccount + "/" + tc.queue; url != want {
				t.Errorf("QueueUrl = %q, want %q", url, want)
			}
			if diff := cmp.Diff(tc.want, e.attrs(url)); diff != "" {
				t.Errorf("GetQueueAttributes(All) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateQueueErrors(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.createQueue("existing", map[string]string{"VisibilityTimeout": "10"})
	fifoDLQ := e.arn(e.createQueue("dlq.fifo", map[string]string{"FifoQueue": "true"}))
	denyURL := e.createQueue("deny-dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`})
	denyARN := e.arn(denyURL)
	missing := "arn:aws:sqs:eu-central-1:123456789012:nope"
	tests := []struct {
		name     string
		queue    string
		attrs    map[string]string
		wantCode string
		wantMsg  string
	}{
		{"empty name", "", nil, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"bad characters", "a/b", nil, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"too long", strings.Repeat("q", 81), nil, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"fifo attribute without suffix", "plain", map[string]string{"FifoQueue": "true"}, "InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."},
		{"fifo suffix on standard queue", "plain.fifo", nil, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"unknown attribute", "q1", map[string]string{"Colour": "blue"}, "InvalidAttributeName", "Unknown Attribute Colour."},
		{"read-only attribute", "q1", map[string]string{"QueueArn": "x"}, "InvalidAttributeName", "Unknown Attribute QueueArn."},
		{"fifo-only attribute on standard", "q1", map[string]string{"ContentBasedDeduplication": "true"}, "InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication."},
		{"visibility too high", "q1", map[string]string{"VisibilityTimeout": "43201"}, "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout."},
		{"message size too small", "q1", map[string]string{"MaximumMessageSize": "1023"}, "InvalidAttributeValue", "Invalid value for the parameter MaximumMessageSize."},
		{"retention not a number", "q1", map[string]string{"MessageRetentionPeriod": "week"}, "InvalidAttributeValue", "Invalid value for the parameter MessageRetentionPeriod."},
		{"delay too long", "q1", map[string]string{"DelaySeconds": "901"}, "InvalidAttributeValue", "Invalid value for the parameter DelaySeconds."},
		{"wait too long", "q1", map[string]string{"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue", "Invalid value for the parameter ReceiveMessageWaitTimeSeconds."},
		{"redrive not json", "q1", map[string]string{"RedrivePolicy": "{"}, "InvalidParameterValue", "Redrive policy is not a dict or valid json"},
		{"redrive without target", "q1", map[string]string{"RedrivePolicy": `{"maxReceiveCount":1}`}, "InvalidParameterValue", "Redrive policy does not contain deadLetterTargetArn"},
		{"redrive without count", "q1", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + missing + `"}`}, "InvalidParameterValue", "Redrive policy does not contain maxReceiveCount"},
		{"redrive to missing queue", "q1", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + missing + `","maxReceiveCount":1}`}, "AWS.SimpleQueueService.NonExistentQueue", "Could not find DLQ for " + missing},
		{"standard with fifo dlq", "q1", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + fifoDLQ + `","maxReceiveCount":1}`}, "InvalidParameterCombination", "Standard queues cannot use fifo dead letter queues"},
		{"dlq denies sources", "q1", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + denyARN + `","maxReceiveCount":1}`}, "InvalidParameterValue", `Value {"deadLetterTargetArn":"` + denyARN + `","maxReceiveCount":1} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue's RedriveAllowPolicy does not allow this source queue.`},
		{"same name different attributes", "existing", map[string]string{"VisibilityTimeout": "60"}, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute VisibilityTimeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(tc.queue), Attributes: tc.attrs})
			if diff := cmp.Diff([2]string{tc.wantCode, tc.wantMsg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("CreateQueue error mismatch (-want +got):\n%s\nerr: %v", diff, err)
			}
		})
	}
	t.Run("typed error for an existing name", func(t *testing.T) {
		_, err := e.client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("existing"), Attributes: map[string]string{"DelaySeconds": "3"}})
		var exists *types.QueueNameExists
		if !errorsAs(err, &exists) {
			t.Errorf("CreateQueue error = %v, want *types.QueueNameExists", err)
		}
	})
}

func TestCreateQueueIsIdempotent(t *testing.T) {
	e := newEnv(t, envConfig{})
	dlq := e.arn(e.createQueue("dlq", nil))
	attrs := map[string]string{
		"VisibilityTimeout": "60", "DelaySeconds": "0",
		"RedrivePolicy": `{"deadLetterTargetArn": "` + dlq + `", "maxReceiveCount": 3}`,
	}
	first := e.createQueue("work", attrs)
	// The same values written differently (a string count) are still equal.
	attrs["RedrivePolicy"] = `{"maxReceiveCount":"3","deadLetterTargetArn":"` + dlq + `"}`
	second := e.createQueue("work", attrs)
	third := e.createQueue("work", nil)
	if diff := cmp.Diff([]string{first, first}, []string{second, third}); diff != "" {
		t.Errorf("repeated CreateQueue URLs mismatch (-want +got):\n%s", diff)
	}
	// Tags on an existing queue are ignored, as in SQS.
	if _, err := e.client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("work"), Tags: map[string]string{"team": "claims"}}); err != nil {
		t.Fatalf("CreateQueue with tags: %v", err)
	}
	tags, err := e.client.ListQueueTags(context.Background(), &sqs.ListQueueTagsInput{QueueUrl: aws.String(first)})
	if err != nil {
		t.Fatalf("ListQueueTags: %v", err)
	}
	if diff := cmp.Diff(map[string]string{}, tags.Tags); diff != "" {
		t.Errorf("tags mismatch (-want +got):\n%s", diff)
	}
}

func TestGetQueueURLAndListQueues(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	var urls []string
	for _, n := range []string{"claims-intake", "claims-sla", "mail", "claims-dlq"} {
		urls = append(urls, e.createQueue(n, nil))
	}
	got, err := e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("mail")})
	if err != nil {
		t.Fatalf("GetQueueUrl: %v", err)
	}
	if aws.ToString(got.QueueUrl) != urls[2] {
		t.Errorf("GetQueueUrl = %q, want %q", aws.ToString(got.QueueUrl), urls[2])
	}
	_, err = e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("mail"), QueueOwnerAWSAccountId: aws.String("999999999999")})
	if code := errCode(err); code != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("GetQueueUrl for another account: code %q, want NonExistentQueue", code)
	}

	tests := []struct {
		name   string
		prefix *string
		want   []string
	}{
		{"all in creation order", nil, urls},
		{"prefix", aws.String("claims-"), []string{urls[0], urls[1], urls[3]}},
		{"no match", aws.String("zzz"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: tc.prefix})
			if err != nil {
				t.Fatalf("ListQueues: %v", err)
			}
			if diff := cmp.Diff(tc.want, out.QueueUrls); diff != "" {
				t.Errorf("ListQueues mismatch (-want +got):\n%s", diff)
			}
			if out.NextToken != nil {
				t.Errorf("NextToken = %q without MaxResults, want none", *out.NextToken)
			}
		})
	}

	t.Run("pages with MaxResults", func(t *testing.T) {
		var got []string
		pages := 0
		p := sqs.NewListQueuesPaginator(e.client, &sqs.ListQueuesInput{MaxResults: aws.Int32(3)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListQueues page: %v", err)
			}
			got = append(got, out.QueueUrls...)
			pages++
		}
		if diff := cmp.Diff(urls, got); diff != "" {
			t.Errorf("paged ListQueues mismatch (-want +got):\n%s", diff)
		}
		if pages != 2 {
			t.Errorf("pages = %d, want 2", pages)
		}
	})
	t.Run("bad MaxResults", func(t *testing.T) {
		_, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1001)})
		if code := errCode(err); code != "InvalidParameterValue" {
			t.Errorf("code = %q, want InvalidParameterValue", code)
		}
	})
}

// TestQueueDoesNotExist checks that every queue-scoped operation reports a
// missing queue the way SQS does: the typed error and its legacy code.
func TestQueueDoesNotExist(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	missing := aws.String(e.http.URL + "/" + testAccount + "/missing")
	otherAccount := aws.String(e.http.URL + "/999999999999/missing")
	e.createQueue("missing-not", nil)
	handle := aws.String("AQEBx")
	calls := map[string]func() error{
		"GetQueueAttributes": func() error {
			_, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: missing})
			return err
		},
		"GetQueueAttributes other account": func() error {
			_, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: otherAccount})
			return err
		},
		"SetQueueAttributes": func() error {
			_, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: missing, Attributes: map[string]string{"DelaySeconds": "1"}})
			return err
		},
		"DeleteQueue": func() error {
			_, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: missing})
			return err
		},
		"PurgeQueue": func() error { _, err := e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: missing}); return err },
		"SendMessage": func() error {
			_, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: missing, MessageBody: aws.String("x")})
			return err
		},
		"SendMessageBatch": func() error {
			_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: missing, Entries: []types.SendMessageBatchRequestEntry{{Id: aws.String("a"), MessageBody: aws.String("x")}}})
			return err
		},
		"ReceiveMessage": func() error {
			_, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: missing})
			return err
		},
		"DeleteMessage": func() error {
			_, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: missing, ReceiptHandle: handle})
			return err
		},
		"DeleteMessageBatch": func() error {
			_, err := e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: missing, Entries: []types.DeleteMessageBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: handle}}})
			return err
		},
		"ChangeMessageVisibility": func() error {
			_, err := e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: missing, ReceiptHandle: handle, VisibilityTimeout: 1})
			return err
		},
		"ChangeMessageVisibilityBatch": func() error {
			_, err := e.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: missing, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: handle}}})
			return err
		},
		"TagQueue": func() error {
			_, err := e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: missing, Tags: map[string]string{"a": "b"}})
			return err
		},
		"UntagQueue": func() error {
			_, err := e.client.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: missing, TagKeys: []string{"a"}})
			return err
		},
		"ListQueueTags": func() error {
			_, err := e.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: missing})
			return err
		},
		"ListDeadLetterSourceQueues": func() error {
			_, err := e.client.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: missing})
			return err
		},
		"GetQueueUrl": func() error {
			_, err := e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			var typed *types.QueueDoesNotExist
			got := [3]any{errCode(err), errMessage(err), errorsAs(err, &typed)}
			want := [3]any{"AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", true}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s\nerr: %v", diff, err)
			}
		})
	}
	t.Run("not a URL", func(t *testing.T) {
		_, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String("missing")})
		if diff := cmp.Diff([2]string{"InvalidAddress", "The address missing is not valid for this endpoint."}, [2]string{errCode(err), errMessage(err)}); diff != "" {
			t.Errorf("error mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestDeleteQueue(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := e.createQueue("gone", nil)
	e.send(url, "x")
	if _, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatalf("DeleteQueue: %v", err)
	}
	out, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatalf("ListQueues: %v", err)
	}
	if len(out.QueueUrls) != 0 {
		t.Errorf("ListQueues after delete = %v, want none", out.QueueUrls)
	}
	// A new queue with the same name starts empty.
	url = e.createQueue("gone", nil)
	if got := e.attrs(url)["ApproximateNumberOfMessages"]; got != "0" {
		t.Errorf("messages in recreated queue = %s, want 0", got)
	}
}

func TestGetQueueAttributesNames(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := e.createQueue("attrs", map[string]string{"VisibilityTimeout": "12"})
	tests := []struct {
		name     string
		names    []types.QueueAttributeName
		want     map[string]string
		wantCode string
	}{
		{"no names returns nothing", nil, nil, ""},
		{"named", []types.QueueAttributeName{"VisibilityTimeout", "QueueArn"}, map[string]string{"VisibilityTimeout": "12", "QueueArn": "arn:aws:sqs:eu-central-1:123456789012:attrs"}, ""},
		{"unset attribute is omitted", []types.QueueAttributeName{"KmsMasterKeyId", "Policy"}, nil, ""},
		{"unknown", []types.QueueAttributeName{"QueueArn", "Colour"}, nil, "InvalidAttributeName"},
		{"empty name", []types.QueueAttributeName{""}, nil, "InvalidAttributeName"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: tc.names})
			if code := errCode(err); code != tc.wantCode {
				t.Fatalf("code = %q, want %q (err %v)", code, tc.wantCode, err)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want, out.Attributes); diff != "" {
				t.Errorf("attributes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetQueueAttributes(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	ctx := context.Background()
	dlq := e.arn(e.createQueue("dlq", nil))
	url := e.createQueue("work", map[string]string{
		"Policy":        `{"Version":"2012-10-17"}`,
		"RedrivePolicy": `{"deadLetterTargetArn":"` + dlq + `","maxReceiveCount":5}`,
	})
	clock.Advance(time.Minute)
	set := func(attrs map[string]string) error {
		_, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs})
		return err
	}
	if err := set(map[string]string{"VisibilityTimeout": "45", "Policy": "", "RedrivePolicy": ""}); err != nil {
		t.Fatalf("SetQueueAttributes: %v", err)
	}
	got := e.attrs(url, "VisibilityTimeout", "Policy", "RedrivePolicy", "LastModifiedTimestamp", "CreatedTimestamp")
	want := map[string]string{
		"VisibilityTimeout":     "45",
		"LastModifiedTimestamp": fmt.Sprint(clock.Now().Unix()),
		"CreatedTimestamp":      fmt.Sprint(clock.Now().Add(-time.Minute).Unix()),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes after set mismatch (-want +got):\n%s", diff)
	}
	errs := []struct {
		name  string
		attrs map[string]string
		code  string
	}{
		{"read-only", map[string]string{"ApproximateNumberOfMessages": "3"}, "InvalidAttributeName"},
		{"out of range", map[string]string{"MessageRetentionPeriod": "59"}, "InvalidAttributeValue"},
		{"change queue type", map[string]string{"FifoQueue": "true"}, "InvalidAttributeValue"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			if code := errCode(set(tc.attrs)); code != tc.code {
				t.Errorf("code = %q, want %q", code, tc.code)
			}
		})
	}
	if got := e.attrs(url, "VisibilityTimeout")["VisibilityTimeout"]; got != "45" {
		t.Errorf("failed SetQueueAttributes changed VisibilityTimeout to %s", got)
	}
}

func TestPurgeQueue(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	ctx := context.Background()
	url := e.createQueue("purge", nil)
	for i := 0; i < 3; i++ {
		e.send(url, fmt.Sprint(i))
	}
	if _, err := e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatalf("PurgeQueue: %v", err)
	}
	if got := e.attrs(url)["ApproximateNumberOfMessages"]; got != "0" {
		t.Errorf("messages after purge = %s, want 0", got)
	}
	_, err := e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
	var inProgress *types.PurgeQueueInProgress
	if !errorsAs(err, &inProgress) || errCode(err) != "AWS.SimpleQueueService.PurgeQueueInProgress" {
		t.Errorf("second purge within 60s: %v, want PurgeQueueInProgress", err)
	}
	clock.Advance(61 * time.Second)
	if _, err := e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Errorf("purge after 61s: %v", err)
	}
}

func TestQueueTags(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	out, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("tagged"), Tags: map[string]string{"team": "claims", "empty": ""}})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	url := out.QueueUrl
	if _, err := e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: url, Tags: map[string]string{"env": "local", "team": "intake"}}); err != nil {
		t.Fatalf("TagQueue: %v", err)
	}
	if _, err := e.client.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: url, TagKeys: []string{"empty", "never-set"}}); err != nil {
		t.Fatalf("UntagQueue: %v", err)
	}
	tags, err := e.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: url})
	if err != nil {
		t.Fatalf("ListQueueTags: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"team": "intake", "env": "local"}, tags.Tags); diff != "" {
		t.Errorf("tags mismatch (-want +got):\n%s", diff)
	}

	tooMany := map[string]string{}
	for i := 0; i < 50; i++ {
		tooMany[fmt.Sprint("k", i)] = "v"
	}
	errs := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"no tags", func() error {
			_, err := e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: url, Tags: map[string]string{}})
			return err
		}, "MissingParameter", "The request must contain the parameter Tags."},
		{"too many tags", func() error {
			_, err := e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: url, Tags: tooMany})
			return err
		}, "InvalidParameterValue", "Too many tags added for queue tagged."},
		{"no keys", func() error {
			_, err := e.client.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: url, TagKeys: []string{}})
			return err
		}, "InvalidParameterValue", "Tag keys must be between 1 and 128 characters in length."},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
