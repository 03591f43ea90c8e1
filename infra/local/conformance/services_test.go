package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

const bucket = "conformance-attachments"

func s3Scenario(ctx context.Context, t *testing.T, c *clients, tr *transcript) {
	t.Helper()
	add := func(op, label string, v any, err error) { tr.add("s3", op, label, v, err) }
	cli := c.s3

	_, err := cli.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	add("HeadBucket", "before creation", nil, err)
	_, err = cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: region}})
	add("CreateBucket", "", nil, err)
	_, err = cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: region}})
	add("CreateBucket", "again", nil, err)
	_, err = cli.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	add("HeadBucket", "", nil, err)

	_, err = cli.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{{
		AllowedMethods: []string{"GET", "PUT", "POST"}, AllowedOrigins: []string{"*"}, AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(3000),
	}}}})
	add("PutBucketCors", "", nil, err)
	cors, err := cli.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(bucket)})
	if err == nil && len(cors.CORSRules) == 1 {
		r := cors.CORSRules[0]
		add("GetBucketCors", "", fmt.Sprintf("methods=%v origins=%v maxAge=%d", r.AllowedMethods, r.AllowedOrigins, aws.ToInt32(r.MaxAgeSeconds)), nil)
	} else {
		add("GetBucketCors", "", fmt.Sprintf("rules=%d", len(cors.CORSRules)), err)
	}
	_, err = cli.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	add("PutBucketVersioning", "", nil, err)

	photo := bytes.Repeat([]byte{0xFF, 0xD8, 0xFF, 0xE0}, 1024)
	_, err = cli.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("orders/OR-1/photos/defect-1.jpg"), Body: bytes.NewReader(photo),
		ContentType: aws.String("image/jpeg"), Metadata: map[string]string{"zone": "defect"},
	})
	add("PutObject", "", nil, err)
	obj, err := cli.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("orders/OR-1/photos/defect-1.jpg")})
	if err == nil {
		body, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		add("GetObject", "", fmt.Sprintf("type=%s size=%d same=%v meta=%v", aws.ToString(obj.ContentType), len(body), bytes.Equal(body, photo), obj.Metadata), nil)
	} else {
		add("GetObject", "", nil, err)
	}
	head, err := cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("orders/OR-1/photos/defect-1.jpg")})
	if err == nil {
		add("HeadObject", "", fmt.Sprintf("type=%s length=%d", aws.ToString(head.ContentType), aws.ToInt64(head.ContentLength)), nil)
	} else {
		add("HeadObject", "", nil, err)
	}
	_, err = cli.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("orders/OR-1/none.jpg")})
	add("GetObject", "missing", nil, err)

	presign := s3.NewPresignClient(cli)
	getURL, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("orders/OR-1/photos/defect-1.jpg")}, s3.WithPresignExpires(5*time.Minute))
	if err == nil {
		res, herr := c.http.Get(getURL.URL)
		if herr == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			add("PresignGetObject", "browser GET", fmt.Sprintf("status=%d same=%v", res.StatusCode, bytes.Equal(body, photo)), nil)
		} else {
			add("PresignGetObject", "browser GET", nil, herr)
		}
	} else {
		add("PresignGetObject", "browser GET", nil, err)
	}
	putURL, err := presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("orders/OR-1/docs/act.pdf"), ContentType: aws.String("application/pdf")})
	if err == nil {
		req, _ := http.NewRequest(http.MethodPut, putURL.URL, strings.NewReader("%PDF-1.4 act"))
		req.Header.Set("Content-Type", "application/pdf")
		res, herr := c.http.Do(req)
		if herr == nil {
			res.Body.Close()
			add("PresignPutObject", "browser PUT", fmt.Sprintf("status=%d", res.StatusCode), nil)
		} else {
			add("PresignPutObject", "browser PUT", nil, herr)
		}
	} else {
		add("PresignPutObject", "browser PUT", nil, err)
	}
	post, err := presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("uploads/u-1/photo.png")}, func(o *s3.PresignPostOptions) {
		o.Expires = 10 * time.Minute
		o.Conditions = []any{[]any{"content-length-range", 1, 1 << 20}, []any{"starts-with", "$Content-Type", "image/"}}
	})
	if err == nil {
		status, _, herr := postForm(c, post.URL, post.Values, "photo.png", "image/png", []byte("\x89PNG fake image"))
		add("PresignPostObject", "browser form upload", fmt.Sprintf("status=%d", status), herr)
	} else {
		add("PresignPostObject", "browser form upload", nil, err)
	}
	list, err := cli.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err == nil {
		var keys []string
		for _, o := range list.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		sort.Strings(keys)
		add("ListObjectsV2", "", keys, nil)
	} else {
		add("ListObjectsV2", "", nil, err)
	}
	prefixed, err := cli.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("orders/OR-1/"), Delimiter: aws.String("/")})
	if err == nil {
		var prefixes []string
		for _, p := range prefixed.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(p.Prefix))
		}
		sort.Strings(prefixes)
		add("ListObjectsV2", "prefix and delimiter", prefixes, nil)
	} else {
		add("ListObjectsV2", "prefix and delimiter", nil, err)
	}
	_, err = cli.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("orders/OR-1/docs/act.pdf")})
	add("DeleteObject", "", nil, err)
	_, err = cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("orders/OR-1/docs/act.pdf")})
	add("HeadObject", "deleted", nil, err)
}

func sqsScenario(ctx context.Context, t *testing.T, c *clients, tr *transcript) {
	t.Helper()
	add := func(op, label string, v any, err error) { tr.add("sqs", op, label, v, err) }
	q := c.sqs

	dlq, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("conformance-dlq"), Attributes: map[string]string{"MessageRetentionPeriod": "1209600"}})
	if err != nil {
		add("CreateQueue", "dead-letter queue", nil, err)
		return
	}
	add("CreateQueue", "dead-letter queue", lastSegments(aws.ToString(dlq.QueueUrl)), nil)
	main, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("conformance-work")})
	if err != nil {
		add("CreateQueue", "work queue", nil, err)
		return
	}
	add("CreateQueue", "work queue", lastSegments(aws.ToString(main.QueueUrl)), nil)
	_, err = q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: main.QueueUrl, Attributes: map[string]string{
		"VisibilityTimeout": "30",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:conformance-dlq","maxReceiveCount":2}`,
	}})
	add("SetQueueAttributes", "redrive policy", nil, err)
	url, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("conformance-work")})
	if err == nil {
		add("GetQueueUrl", "", lastSegments(aws.ToString(url.QueueUrl)), nil)
	} else {
		add("GetQueueUrl", "", nil, err)
	}
	_, err = q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
	add("GetQueueUrl", "missing", nil, err)
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: main.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameVisibilityTimeout, sqstypes.QueueAttributeNameRedrivePolicy, sqstypes.QueueAttributeNameQueueArn,
	}})
	if err == nil {
		// moto pretty-prints the redrive policy; compare it as JSON.
		var policy map[string]any
		if json.Unmarshal([]byte(attrs.Attributes["RedrivePolicy"]), &policy) == nil {
			b, _ := json.Marshal(policy)
			attrs.Attributes["RedrivePolicy"] = string(b)
		}
		add("GetQueueAttributes", "", attrs.Attributes, nil)
	} else {
		add("GetQueueAttributes", "", nil, err)
	}

	sent, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: main.QueueUrl, MessageBody: aws.String(`{"event":"order.filed","order":"OR-1"}`),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"type": {DataType: aws.String("String"), StringValue: aws.String("order.filed")}}})
	if err == nil {
		add("SendMessage", "", fmt.Sprintf("md5=%s attrsMd5=%s", aws.ToString(sent.MD5OfMessageBody), aws.ToString(sent.MD5OfMessageAttributes)), nil)
	} else {
		add("SendMessage", "", nil, err)
	}
	batch, err := q.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: main.QueueUrl, Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("second")},
		{Id: aws.String("b"), MessageBody: aws.String("third")},
	}})
	if err == nil {
		var ids []string
		for _, s := range batch.Successful {
			ids = append(ids, aws.ToString(s.Id))
		}
		sort.Strings(ids)
		add("SendMessageBatch", "", fmt.Sprintf("ok=%v failed=%d", ids, len(batch.Failed)), nil)
	} else {
		add("SendMessageBatch", "", nil, err)
	}
	_, err = q.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: main.QueueUrl, Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("same"), MessageBody: aws.String("x")}, {Id: aws.String("same"), MessageBody: aws.String("y")},
	}})
	add("SendMessageBatch", "duplicate ids", nil, err)

	var received []sqstypes.Message
	for len(received) < 3 {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: main.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount}})
		if err != nil {
			add("ReceiveMessage", "", nil, err)
			return
		}
		if len(out.Messages) == 0 {
			break
		}
		received = append(received, out.Messages...)
	}
	var got []string
	for _, m := range received {
		attr := ""
		if v, ok := m.MessageAttributes["type"]; ok {
			attr = " type=" + aws.ToString(v.StringValue)
		}
		got = append(got, fmt.Sprintf("%s receives=%s%s", aws.ToString(m.Body), m.Attributes["ApproximateReceiveCount"], attr))
	}
	sort.Strings(got)
	add("ReceiveMessage", "", got, nil)
	byBody := map[string]sqstypes.Message{}
	for _, m := range received {
		byBody[aws.ToString(m.Body)] = m
	}
	first := byBody[`{"event":"order.filed","order":"OR-1"}`]
	_, err = q.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: main.QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0})
	add("ChangeMessageVisibility", "make visible now", nil, err)
	_, err = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: main.QueueUrl, ReceiptHandle: byBody["second"].ReceiptHandle})
	add("DeleteMessage", "", nil, err)
	del, err := q.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: main.QueueUrl, Entries: []sqstypes.DeleteMessageBatchRequestEntry{
		{Id: aws.String("t"), ReceiptHandle: byBody["third"].ReceiptHandle},
	}})
	if err == nil {
		add("DeleteMessageBatch", "", fmt.Sprintf("ok=%d failed=%d", len(del.Successful), len(del.Failed)), nil)
	} else {
		add("DeleteMessageBatch", "", nil, err)
	}
	// The first message: received twice (maxReceiveCount 2) without being
	// deleted, so the next receive moves it to the dead-letter queue.
	again, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: main.QueueUrl, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount}})
	if err == nil && len(again.Messages) == 1 {
		m := again.Messages[0]
		add("ReceiveMessage", "second receive", fmt.Sprintf("receives=%s", m.Attributes["ApproximateReceiveCount"]), nil)
		// What a stopping event source does with a batch it will not invoke.
		vis, err := q.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: main.QueueUrl,
			Entries: []sqstypes.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("0"), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}}})
		if err == nil {
			add("ChangeMessageVisibilityBatch", "give back", fmt.Sprintf("ok=%d failed=%d", len(vis.Successful), len(vis.Failed)), nil)
		} else {
			add("ChangeMessageVisibilityBatch", "give back", nil, err)
		}
	} else {
		add("ReceiveMessage", "second receive", fmt.Sprintf("messages=%d", len(again.Messages)), err)
	}
	third, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: main.QueueUrl, WaitTimeSeconds: 1})
	if err == nil {
		add("ReceiveMessage", "third receive redrives", fmt.Sprintf("messages=%d", len(third.Messages)), nil)
	} else {
		add("ReceiveMessage", "third receive redrives", nil, err)
	}
	dead, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 2})
	if err == nil {
		var bodies []string
		for _, m := range dead.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
		add("ReceiveMessage", "dead-letter queue", bodies, nil)
	} else {
		add("ReceiveMessage", "dead-letter queue", nil, err)
	}
	_, err = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: main.QueueUrl, ReceiptHandle: aws.String("not-a-handle")})
	add("DeleteMessage", "invalid handle", nil, err)
}

// lastSegments keeps "/<account>/<name>" of a queue URL: the host differs by
// backend, the path must not.
func lastSegments(url string) string {
	parts := strings.Split(url, "/")
	if len(parts) < 2 {
		return url
	}
	return "/" + strings.Join(parts[len(parts)-2:], "/")
}

func sesScenario(ctx context.Context, t *testing.T, c *clients, tr *transcript) {
	t.Helper()
	add := func(op, label string, v any, err error) { tr.add("ses", op, label, v, err) }
	e := c.ses

	_, err := e.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("shop.example")})
	add("CreateEmailIdentity", "domain", nil, err)
	// A second CreateEmailIdentity is AlreadyExistsException in SES (and
	// embedded) but succeeds in moto; the stack's provisioning accepts both, so
	// the scenario does not record it.
	out, err := e.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("orders@shop.example"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"customer@example.com"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Заказ OR-1 принят"), Charset: aws.String("UTF-8")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String("Номер заказа OR-1."), Charset: aws.String("UTF-8")},
				Html: &sestypes.Content{Data: aws.String("<p>Номер заказа <b>OR-1</b>.</p>"), Charset: aws.String("UTF-8")},
			},
		}},
	})
	if err == nil {
		add("SendEmail", "simple", fmt.Sprintf("messageId=%v", aws.ToString(out.MessageId) != ""), nil)
	} else {
		add("SendEmail", "simple", nil, err)
	}
	_, err = e.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("someone@unverified.example"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"customer@example.com"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("x")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("x")}},
		}},
	})
	add("SendEmail", "unverified sender", nil, err)
	raw := "From: orders@shop.example\r\nTo: buyer@example.com\r\nSubject: Raw\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nRaw body\r\n"
	out, err = e.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("orders@shop.example"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"buyer@example.com"}},
		Content:          &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: []byte(raw)}},
	})
	if err == nil {
		add("SendEmail", "raw", fmt.Sprintf("messageId=%v", aws.ToString(out.MessageId) != ""), nil)
	} else {
		add("SendEmail", "raw", nil, err)
	}
}
