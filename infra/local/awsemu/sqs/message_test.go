package sqs_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func strAttr(typ, v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String(typ), StringValue: aws.String(v)}
}

func binAttr(typ string, v []byte) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String(typ), BinaryValue: v}
}

// ignoreAttrInternals compares attribute values by what they carry.
var ignoreAttrInternals = cmpopts.IgnoreUnexported(types.MessageAttributeValue{})

// TestMessageAttributesMD5 checks MD5OfMessageAttributes against digests
// published in moto's test suite (computed by real SQS) and that receive
// returns the attributes unchanged with the same digest.
func TestMessageAttributesMD5(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := e.createQueue("md5", nil)
	tests := []struct {
		name  string
		attrs map[string]types.MessageAttributeValue
		want  string
	}{
		{"number", map[string]types.MessageAttributeValue{"SOME_Valid.attribute-Name": strAttr("Number", "1493147359900")}, "36655e7e9d7c0e8479fa3f3f42247ae7"},
		{"number with custom type", map[string]types.MessageAttributeValue{"timestamp": strAttr("Number.java.lang.Long", "1493147359900")}, "2e2e4876d8e0bd6b8c2c8f556831c349"},
		{"plain number", map[string]types.MessageAttributeValue{"timestamp": strAttr("Number", "1493147359900")}, "235c5c510d26fb653d073faed50ae77c"},
		{"custom string type", map[string]types.MessageAttributeValue{"somevalue": strAttr("String.custom", "somevalue")}, "9e05cca738e70ff6c6041e82d5e77ef1"},
		{"several strings", map[string]types.MessageAttributeValue{
			"id":          strAttr("String", "2018fc74-4f77-1a5a-1be0-c2d037d5052b"),
			"contentType": strAttr("String", "application/json"),
			"timestamp":   strAttr("Number.java.lang.Long", "1602845432024"),
		}, "b12289320bb6e494b18b645ef562b4a9"},
		{"with binary", map[string]types.MessageAttributeValue{
			"id":          strAttr("String", "453ae55e-f03b-21a6-a4b1-70c2e2e8fe71"),
			"mybin":       binAttr("Binary", []byte("kekchebukek")),
			"timestamp":   strAttr("Number.java.lang.Long", "1603134247654"),
			"contentType": strAttr("String", "application/json"),
		}, "049075255ebc53fb95f7f9f3cedf3c50"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("derp"), MessageAttributes: tc.attrs})
			if err != nil {
				t.Fatalf("SendMessage: %v", err)
			}
			got := [2]string{aws.ToString(sent.MD5OfMessageBody), aws.ToString(sent.MD5OfMessageAttributes)}
			if diff := cmp.Diff([2]string{"58fd9edd83341c29f1aebba81c31e257", tc.want}, got); diff != "" {
				t.Errorf("SendMessage digests mismatch (-want +got):\n%s", diff)
			}
			msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"All"}})
			if len(msgs) != 1 {
				t.Fatalf("received %d messages, want 1", len(msgs))
			}
			if diff := cmp.Diff(tc.attrs, msgs[0].MessageAttributes, ignoreAttrInternals); diff != "" {
				t.Errorf("received attributes mismatch (-want +got):\n%s", diff)
			}
			if got := aws.ToString(msgs[0].MD5OfMessageAttributes); got != tc.want {
				t.Errorf("received MD5OfMessageAttributes = %s, want %s", got, tc.want)
			}
			if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[0].ReceiptHandle}); err != nil {
				t.Fatalf("DeleteMessage: %v", err)
			}
		})
	}
}

func TestReceiveMessageAttributeNames(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	// The SDK cannot send VisibilityTimeout 0, so the queue's default makes
	// every receive leave the message visible for the next case.
	url := e.createQueue("filters", map[string]string{"VisibilityTimeout": "0"})
	attrs := map[string]types.MessageAttributeValue{
		"claim.id":     strAttr("String", "C-1"),
		"claim.status": strAttr("String", "open"),
		"priority":     strAttr("Number", "3"),
		"blob":         binAttr("Binary.gzip", []byte{0, 1, 2}),
	}
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("b"), MessageAttributes: attrs}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	tests := []struct {
		name  string
		names []string
		want  []string
	}{
		{"none requested", nil, nil},
		{"All", []string{"All"}, []string{"blob", "claim.id", "claim.status", "priority"}},
		{"dot star", []string{".*"}, []string{"blob", "claim.id", "claim.status", "priority"}},
		{"prefix", []string{"claim.*"}, []string{"claim.id", "claim.status"}},
		{"exact", []string{"priority", "missing"}, []string{"priority"}},
		{"no match", []string{"missing"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: tc.names})
			if len(msgs) != 1 {
				t.Fatalf("received %d messages, want 1", len(msgs))
			}
			var got []string
			for k := range msgs[0].MessageAttributes {
				got = append(got, k)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("attribute names mismatch (-want +got):\n%s", diff)
			}
			if len(tc.want) == 0 && msgs[0].MD5OfMessageAttributes != nil {
				t.Errorf("MD5OfMessageAttributes = %q with no attributes returned", *msgs[0].MD5OfMessageAttributes)
			}
		})
	}
}

func TestReceiveSystemAttributes(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	ctx := context.Background()
	url := e.createQueue("sys", map[string]string{"VisibilityTimeout": "0"})
	trace := "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"
	sent, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(url), MessageBody: aws.String("traced"),
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String(trace)},
		},
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if sent.MD5OfMessageSystemAttributes == nil {
		t.Errorf("MD5OfMessageSystemAttributes missing")
	}
	sentAt := strconv.FormatInt(clock.Now().UnixMilli(), 10)
	clock.Advance(2 * time.Second)
	firstAt := strconv.FormatInt(clock.Now().UnixMilli(), 10)
	tests := []struct {
		name string
		in   sqs.ReceiveMessageInput
		want map[string]string
	}{
		{"All", sqs.ReceiveMessageInput{MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}}, map[string]string{
			"SenderId": "AIDAIT2UOQQY3AUEKVGXU", "SentTimestamp": sentAt, "ApproximateReceiveCount": "1",
			"ApproximateFirstReceiveTimestamp": firstAt, "AWSTraceHeader": trace,
		}},
		{"legacy AttributeNames", sqs.ReceiveMessageInput{AttributeNames: []types.QueueAttributeName{"ApproximateReceiveCount"}}, map[string]string{
			"ApproximateReceiveCount": "2", "AWSTraceHeader": trace,
		}},
		{"two names", sqs.ReceiveMessageInput{MessageSystemAttributeNames: []types.MessageSystemAttributeName{"SentTimestamp", "ApproximateFirstReceiveTimestamp"}}, map[string]string{
			"SentTimestamp": sentAt, "ApproximateFirstReceiveTimestamp": firstAt, "AWSTraceHeader": trace,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.QueueUrl = aws.String(url)
			msgs := e.receive(&in)
			if len(msgs) != 1 {
				t.Fatalf("received %d messages, want 1", len(msgs))
			}
			if diff := cmp.Diff(tc.want, msgs[0].Attributes); diff != "" {
				t.Errorf("system attributes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendMessageValidation(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := e.createQueue("validate", nil)
	small := e.createQueue("small", map[string]string{"MaximumMessageSize": "1024"})
	eleven := map[string]types.MessageAttributeValue{}
	for i := 0; i < 11; i++ {
		eleven[fmt.Sprint("a", i)] = strAttr("String", "v")
	}
	tests := []struct {
		name string
		in   sqs.SendMessageInput
		code string
		msg  string
	}{
		{"empty body", sqs.SendMessageInput{MessageBody: aws.String("")}, "MissingParameter", "The request must contain the parameter MessageBody."},
		{"control character", sqs.SendMessageInput{MessageBody: aws.String("bad\x01char")}, "InvalidMessageContents",
			"Invalid binary character '#x1' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"},
		{"too large", sqs.SendMessageInput{MessageBody: aws.String(strings.Repeat("x", 262145))}, "InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes."},
		{"larger than queue maximum", sqs.SendMessageInput{QueueUrl: aws.String(small), MessageBody: aws.String(strings.Repeat("x", 1025))}, "InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."},
		{"delay too long", sqs.SendMessageInput{MessageBody: aws.String("x"), DelaySeconds: 901}, "InvalidParameterValue", "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."},
		{"group id on standard queue", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageGroupId: aws.String("g1")}, "InvalidParameterValue", "Value g1 for parameter MessageGroupId is invalid. Reason: The request include parameter that is not valid for this queue type."},
		{"dedup id on standard queue", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d1")}, "InvalidParameterValue", "Value d1 for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type."},
		{"too many attributes", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: eleven}, "InvalidParameterValue", "Number of message attributes [11] exceeds the allowed maximum [10]."},
		{"bad attribute name", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"öther": strAttr("String", "v")}}, "MessageAttributesInvalid",
			"The message attribute name 'öther' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters."},
		{"reserved attribute prefix", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"AWS.thing": strAttr("String", "v")}}, "MessageAttributesInvalid",
			"The message attribute name 'AWS.thing' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters."},
		{"bad attribute type", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"timestamp": strAttr("InvalidNumber", "1")}}, "MessageAttributesInvalid",
			"The message attribute 'timestamp' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."},
		{"empty string value", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"k": strAttr("String", "")}}, "MessageAttributesInvalid",
			"The message attribute 'k' must contain non-empty message attribute value for message attribute type 'String'."},
		{"number not numeric", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"n": strAttr("Number", "12a")}}, "MessageAttributesInvalid",
			"Can't cast message attribute 'n' value '12a' to a number."},
		{"unknown system attribute", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{"Colour": {DataType: aws.String("String"), StringValue: aws.String("x")}}}, "InvalidParameterValue",
			"Message system attribute name 'Colour' is invalid."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.QueueUrl == nil {
				in.QueueUrl = aws.String(url)
			}
			_, err := e.client.SendMessage(ctx, &in)
			if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("SendMessage error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := e.attrs(url)["ApproximateNumberOfMessages"]; got != "0" {
		t.Errorf("rejected sends left %s messages, want 0", got)
	}
	t.Run("unicode body round trips", func(t *testing.T) {
		body := "Заявка принята ✓ \U0001F600 <&> \r\n\t"
		e.send(url, body)
		msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
		if diff := cmp.Diff([]string{body}, bodies(msgs)); diff != "" {
			t.Errorf("body mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestSendMessageBatch(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := e.createQueue("batch", nil)
	out, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{
		QueueUrl: aws.String(url),
		Entries: []types.SendMessageBatchRequestEntry{
			{Id: aws.String("ok-1"), MessageBody: aws.String("one"), MessageAttributes: map[string]types.MessageAttributeValue{"n": strAttr("Number", "1")}},
			{Id: aws.String("bad-delay"), MessageBody: aws.String("two"), DelaySeconds: 1800},
			{Id: aws.String("bad-body"), MessageBody: aws.String("\x00")},
			{Id: aws.String("ok-2"), MessageBody: aws.String("three")},
		},
	})
	if err != nil {
		t.Fatalf("SendMessageBatch: %v", err)
	}
	var okIDs []string
	for _, s := range out.Successful {
		okIDs = append(okIDs, aws.ToString(s.Id))
	}
	if diff := cmp.Diff([]string{"ok-1", "ok-2"}, okIDs); diff != "" {
		t.Errorf("successful entries mismatch (-want +got):\n%s", diff)
	}
	wantFailed := []types.BatchResultErrorEntry{
		{Id: aws.String("bad-delay"), SenderFault: true, Code: aws.String("InvalidParameterValue"), Message: aws.String("Value 1800 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.")},
		{Id: aws.String("bad-body"), SenderFault: true, Code: aws.String("InvalidMessageContents"), Message: aws.String("Invalid binary character '#x0' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")},
	}
	if diff := cmp.Diff(wantFailed, out.Failed, cmpopts.IgnoreUnexported(types.BatchResultErrorEntry{})); diff != "" {
		t.Errorf("failed entries mismatch (-want +got):\n%s", diff)
	}
	msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if diff := cmp.Diff([]string{"one", "three"}, bodies(msgs)); diff != "" {
		t.Errorf("received bodies mismatch (-want +got):\n%s", diff)
	}

	entries := func(n int) []types.SendMessageBatchRequestEntry {
		var es []types.SendMessageBatchRequestEntry
		for i := 0; i < n; i++ {
			es = append(es, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("id_", i)), MessageBody: aws.String("b")})
		}
		return es
	}
	tests := []struct {
		name    string
		entries []types.SendMessageBatchRequestEntry
		code    string
		msg     string
	}{
		{"empty", []types.SendMessageBatchRequestEntry{}, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request."},
		{"eleven", entries(11), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11."},
		{"bad id", []types.SendMessageBatchRequestEntry{{Id: aws.String(".!@#"), MessageBody: aws.String("b")}}, "AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."},
		{"repeated id", []types.SendMessageBatchRequestEntry{
			{Id: aws.String("id_1"), MessageBody: aws.String("b")}, {Id: aws.String("id_2"), MessageBody: aws.String("b")},
			{Id: aws.String("id_2"), MessageBody: aws.String("b")}, {Id: aws.String("id_1"), MessageBody: aws.String("b")},
		}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id id_2 repeated."},
		{"too long in total", []types.SendMessageBatchRequestEntry{
			{Id: aws.String("a"), MessageBody: aws.String(strings.Repeat("x", 200000))},
			{Id: aws.String("b"), MessageBody: aws.String(strings.Repeat("x", 62145))},
		}, "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 262144 bytes. You have sent 262145 bytes."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: tc.entries})
			if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("SendMessageBatch error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReceiveMessageValidation(t *testing.T) {
	e := newEnv(t, envConfig{})
	url := aws.String(e.createQueue("recv", nil))
	tests := []struct {
		name string
		in   sqs.ReceiveMessageInput
		msg  string
	}{
		{"zero messages", sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: -1}, "Value -1 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
		{"eleven messages", sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 11}, "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
		{"wait too long", sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 21}, "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."},
		{"negative wait", sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: -1}, "Value -1 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."},
		{"visibility too long", sqs.ReceiveMessageInput{QueueUrl: url, VisibilityTimeout: 43201}, "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.ReceiveMessage(context.Background(), &tc.in)
			if diff := cmp.Diff([2]string{"InvalidParameterValue", tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("ReceiveMessage error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReceiveOrderAndMaxNumber(t *testing.T) {
	e := newEnv(t, envConfig{})
	url := e.createQueue("order", nil)
	for i := 0; i < 12; i++ {
		e.send(url, fmt.Sprint("m", i))
	}
	first := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	second := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	third := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	want := [][]string{{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"}, {"m10", "m11"}, {}}
	if diff := cmp.Diff(want, [][]string{bodies(first), bodies(second), bodies(third)}); diff != "" {
		t.Errorf("receive batches mismatch (-want +got):\n%s", diff)
	}
	got := e.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
	if diff := cmp.Diff(map[string]string{"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "12"}, got); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
}

func TestVisibilityTimeout(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	url := e.createQueue("vis", map[string]string{"VisibilityTimeout": "30"})
	id := e.send(url, "x")
	all := []types.MessageSystemAttributeName{"ApproximateReceiveCount"}
	recv := func(in sqs.ReceiveMessageInput) []types.Message {
		in.QueueUrl = aws.String(url)
		in.MessageSystemAttributeNames = all
		return e.receive(&in)
	}
	if got := recv(sqs.ReceiveMessageInput{}); len(got) != 1 || aws.ToString(got[0].MessageId) != id {
		t.Fatalf("first receive = %v, want the message", bodies(got))
	}
	clock.Advance(29 * time.Second)
	if got := recv(sqs.ReceiveMessageInput{}); len(got) != 0 {
		t.Fatalf("receive before the timeout returned %v", bodies(got))
	}
	clock.Advance(time.Second)
	got := recv(sqs.ReceiveMessageInput{VisibilityTimeout: 100})
	if len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("receive after the timeout = %+v, want the message with receive count 2", got)
	}
	clock.Advance(99 * time.Second)
	if got := recv(sqs.ReceiveMessageInput{}); len(got) != 0 {
		t.Fatalf("receive within the overridden timeout returned %v", bodies(got))
	}
	clock.Advance(time.Second)
	if got := recv(sqs.ReceiveMessageInput{}); len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != "3" {
		t.Fatalf("receive after the overridden timeout = %+v, want receive count 3", got)
	}
}

func TestChangeMessageVisibility(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	ctx := context.Background()
	url := aws.String(e.createQueue("cmv", nil))
	e.send(*url, "x")
	msg := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url})[0]
	change := func(handle *string, vt int32) error {
		_, err := e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: handle, VisibilityTimeout: vt})
		return err
	}
	if err := change(msg.ReceiptHandle, 0); err != nil {
		t.Fatalf("ChangeMessageVisibility(0): %v", err)
	}
	again := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, VisibilityTimeout: 60})
	if len(again) != 1 {
		t.Fatalf("message not visible after ChangeMessageVisibility(0)")
	}
	// The handle of the first receive still works while the message is in
	// flight, as in SQS.
	if err := change(msg.ReceiptHandle, 120); err != nil {
		t.Fatalf("ChangeMessageVisibility with earlier handle: %v", err)
	}
	clock.Advance(61 * time.Second)
	if got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url}); len(got) != 0 {
		t.Fatalf("message visible before its extended timeout")
	}

	tests := []struct {
		name   string
		handle *string
		vt     int32
		code   string
		msg    string
	}{
		{"garbage handle", aws.String("not-a-handle"), 10, "ReceiptHandleIsInvalid", "The input receipt handle is invalid."},
		{"too long", again[0].ReceiptHandle, 43201, "InvalidParameterValue", "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided."},
		{"beyond 12 hours in total", again[0].ReceiptHandle, 43200, "InvalidParameterValue", "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := change(tc.handle, tc.vt)
			if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("not in flight", func(t *testing.T) {
		clock.Advance(2 * time.Minute)
		err := change(again[0].ReceiptHandle, 10)
		var typed *types.MessageNotInflight
		if !errorsAs(err, &typed) || errCode(err) != "AWS.SimpleQueueService.MessageNotInflight" {
			t.Errorf("error = %v, want MessageNotInflight", err)
		}
	})
	t.Run("deleted message", func(t *testing.T) {
		got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url})
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: got[0].ReceiptHandle}); err != nil {
			t.Fatalf("DeleteMessage: %v", err)
		}
		if code := errCode(change(got[0].ReceiptHandle, 10)); code != "ReceiptHandleIsInvalid" {
			t.Errorf("code = %q, want ReceiptHandleIsInvalid", code)
		}
	})
}

func TestChangeMessageVisibilityBatch(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	ctx := context.Background()
	url := aws.String(e.createQueue("cmvb", nil))
	e.send(*url, "a")
	e.send(*url, "b")
	msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 2})
	out, err := e.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{
		QueueUrl: url,
		Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
			{Id: aws.String("a"), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0},
			{Id: aws.String("b"), ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 600},
			{Id: aws.String("bad"), ReceiptHandle: aws.String("garbage"), VisibilityTimeout: 5},
		},
	})
	if err != nil {
		t.Fatalf("ChangeMessageVisibilityBatch: %v", err)
	}
	var ok []string
	for _, s := range out.Successful {
		ok = append(ok, aws.ToString(s.Id))
	}
	wantFailed := []types.BatchResultErrorEntry{{Id: aws.String("bad"), SenderFault: true, Code: aws.String("ReceiptHandleIsInvalid"), Message: aws.String(`The input receipt handle "garbage" is not a valid receipt handle.`)}}
	if diff := cmp.Diff([]string{"a", "b"}, ok); diff != "" {
		t.Errorf("successful mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantFailed, out.Failed, cmpopts.IgnoreUnexported(types.BatchResultErrorEntry{})); diff != "" {
		t.Errorf("failed mismatch (-want +got):\n%s", diff)
	}
	clock.Advance(31 * time.Second)
	if diff := cmp.Diff([]string{"a"}, bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10}))); diff != "" {
		t.Errorf("visible after batch change mismatch (-want +got):\n%s", diff)
	}
	_, err = e.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{}})
	if msg := errMessage(err); msg != "There should be at least one ChangeMessageVisibilityBatchRequestEntry in the request." {
		t.Errorf("empty batch message = %q", msg)
	}
}

// TestStaleReceiptHandle checks SQS's rule that only the latest receive's
// handle deletes: an earlier handle succeeds but leaves the message alone.
func TestStaleReceiptHandle(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := aws.String(e.createQueue("stale", map[string]string{"VisibilityTimeout": "0"}))
	e.send(*url, "x")
	first := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url})[0]
	second := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url})[0]
	if aws.ToString(first.ReceiptHandle) == aws.ToString(second.ReceiptHandle) {
		t.Fatalf("two receives returned the same receipt handle")
	}
	del := func(h *string) error {
		_, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: h})
		return err
	}
	if err := del(first.ReceiptHandle); err != nil {
		t.Fatalf("DeleteMessage with stale handle: %v", err)
	}
	if got := e.attrs(*url)["ApproximateNumberOfMessages"]; got != "1" {
		t.Fatalf("stale handle deleted the message: %s messages left", got)
	}
	if err := del(second.ReceiptHandle); err != nil {
		t.Fatalf("DeleteMessage with current handle: %v", err)
	}
	if got := e.attrs(*url)["ApproximateNumberOfMessages"]; got != "0" {
		t.Fatalf("current handle did not delete: %s messages left", got)
	}
	if err := del(second.ReceiptHandle); err != nil {
		t.Errorf("deleting twice: %v, want success", err)
	}
	err := del(aws.String("garbage"))
	if diff := cmp.Diff([2]string{"ReceiptHandleIsInvalid", "The input receipt handle is invalid."}, [2]string{errCode(err), errMessage(err)}); diff != "" {
		t.Errorf("garbage handle error mismatch (-want +got):\n%s", diff)
	}
	other := aws.String(e.createQueue("other", nil))
	e.send(*other, "y")
	h := e.receive(&sqs.ReceiveMessageInput{QueueUrl: other})[0].ReceiptHandle
	if code := errCode(del(h)); code != "ReceiptHandleIsInvalid" {
		t.Errorf("handle of another queue: code %q, want ReceiptHandleIsInvalid", code)
	}
}

func TestDeleteMessageBatch(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := aws.String(e.createQueue("delb", nil))
	e.send(*url, "a")
	e.send(*url, "b")
	msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 2})
	out, err := e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("fake-1"), ReceiptHandle: aws.String("fake-receipt-handle-1")},
		{Id: aws.String("a"), ReceiptHandle: msgs[0].ReceiptHandle},
		{Id: aws.String("b"), ReceiptHandle: msgs[1].ReceiptHandle},
	}})
	if err != nil {
		t.Fatalf("DeleteMessageBatch: %v", err)
	}
	want := &sqs.DeleteMessageBatchOutput{
		Successful: []types.DeleteMessageBatchResultEntry{{Id: aws.String("a")}, {Id: aws.String("b")}},
		Failed:     []types.BatchResultErrorEntry{{Id: aws.String("fake-1"), SenderFault: true, Code: aws.String("ReceiptHandleIsInvalid"), Message: aws.String(`The input receipt handle "fake-receipt-handle-1" is not a valid receipt handle.`)}},
	}
	if diff := cmp.Diff(want, out, cmpopts.IgnoreUnexported(sqs.DeleteMessageBatchOutput{}, types.DeleteMessageBatchResultEntry{}, types.BatchResultErrorEntry{}), cmpopts.IgnoreFields(sqs.DeleteMessageBatchOutput{}, "ResultMetadata")); diff != "" {
		t.Errorf("DeleteMessageBatch mismatch (-want +got):\n%s", diff)
	}
	if got := e.attrs(*url)["ApproximateNumberOfMessagesNotVisible"]; got != "0" {
		t.Errorf("in flight after batch delete = %s, want 0", got)
	}

	e.send(*url, "c")
	c := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url})[0]
	tests := []struct {
		name    string
		entries []types.DeleteMessageBatchRequestEntry
		code    string
		msg     string
	}{
		{"empty", []types.DeleteMessageBatchRequestEntry{}, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one DeleteMessageBatchRequestEntry in the request."},
		{"duplicate handle", []types.DeleteMessageBatchRequestEntry{{Id: aws.String("x"), ReceiptHandle: c.ReceiptHandle}, {Id: aws.String("y"), ReceiptHandle: c.ReceiptHandle}}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id y repeated."},
		{"duplicate id", []types.DeleteMessageBatchRequestEntry{{Id: aws.String("x"), ReceiptHandle: c.ReceiptHandle}, {Id: aws.String("x"), ReceiptHandle: aws.String("other")}}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id x repeated."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: tc.entries})
			if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := e.attrs(*url)["ApproximateNumberOfMessagesNotVisible"]; got != "1" {
		t.Errorf("a rejected batch deleted its messages: %s in flight, want 1", got)
	}
}

func TestDelays(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	ctx := context.Background()
	url := e.createQueue("delays", map[string]string{"DelaySeconds": "10", "VisibilityTimeout": "300"})
	e.send(url, "queue-delay")
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("no-delay"), DelaySeconds: 0}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	// DelaySeconds 0 is the SDK's zero value and is not sent, so the queue
	// delay applies; an explicit per-message delay overrides it.
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("long-delay"), DelaySeconds: 60}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	counts := func() map[string]string {
		return e.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed")
	}
	if diff := cmp.Diff(map[string]string{"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesDelayed": "3"}, counts()); diff != "" {
		t.Errorf("counts at send mismatch (-want +got):\n%s", diff)
	}
	recvAll := func() []string {
		return bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}))
	}
	if got := recvAll(); len(got) != 0 {
		t.Fatalf("received delayed messages: %v", got)
	}
	clock.Advance(10 * time.Second)
	if diff := cmp.Diff([]string{"queue-delay", "no-delay"}, recvAll()); diff != "" {
		t.Errorf("after 10s mismatch (-want +got):\n%s", diff)
	}
	clock.Advance(50 * time.Second)
	if diff := cmp.Diff([]string{"long-delay"}, recvAll()); diff != "" {
		t.Errorf("after 60s mismatch (-want +got):\n%s", diff)
	}
}

func TestRetention(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	url := e.createQueue("retention", map[string]string{"MessageRetentionPeriod": "60"})
	e.send(url, "old")
	clock.Advance(30 * time.Second)
	e.send(url, "young")
	clock.Advance(30 * time.Second)
	if got := e.attrs(url)["ApproximateNumberOfMessages"]; got != "1" {
		t.Errorf("messages after 60s = %s, want 1", got)
	}
	if diff := cmp.Diff([]string{"young"}, bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}))); diff != "" {
		t.Errorf("received mismatch (-want +got):\n%s", diff)
	}
	clock.Advance(30 * time.Second)
	if got := e.attrs(url)["ApproximateNumberOfMessagesNotVisible"]; got != "0" {
		t.Errorf("in-flight message outlived retention: %s", got)
	}
}

// TestLongPolling checks that a waiting receive returns as soon as a message
// is available rather than when its wait time ends.
func TestLongPolling(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out real long polls: skipped under -short")
	}
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	type result struct {
		msgs    []types.Message
		elapsed time.Duration
		err     error
	}
	poll := func(in *sqs.ReceiveMessageInput) <-chan result {
		ch := make(chan result, 1)
		go func() {
			start := time.Now()
			out, err := e.client.ReceiveMessage(ctx, in)
			r := result{elapsed: time.Since(start), err: err}
			if out != nil {
				r.msgs = out.Messages
			}
			ch <- r
		}()
		return ch
	}
	tests := []struct {
		name    string
		attrs   map[string]string
		wait    int32
		trigger func(url string)
		body    string
		max     time.Duration
	}{
		{"wakes on send", nil, 10, func(url string) { e.send(url, "hello") }, "hello", 3 * time.Second},
		{"queue default wait wakes on send", map[string]string{"ReceiveMessageWaitTimeSeconds": "10"}, 0, func(url string) { e.send(url, "default") }, "default", 3 * time.Second},
		{"wakes when a delay ends", nil, 10, func(url string) {
			if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("late"), DelaySeconds: 1}); err != nil {
				t.Errorf("SendMessage: %v", err)
			}
		}, "late", 4 * time.Second},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := e.createQueue(fmt.Sprint("poll", i), tc.attrs)
			in := &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: tc.wait}
			ch := poll(in)
			time.Sleep(300 * time.Millisecond)
			tc.trigger(url)
			r := <-ch
			if r.err != nil {
				t.Fatalf("ReceiveMessage: %v", r.err)
			}
			if diff := cmp.Diff([]string{tc.body}, bodies(r.msgs)); diff != "" {
				t.Errorf("received mismatch (-want +got):\n%s", diff)
			}
			if r.elapsed < 250*time.Millisecond || r.elapsed > tc.max {
				t.Errorf("receive took %v, want between 250ms and %v", r.elapsed, tc.max)
			}
		})
	}
	t.Run("waits the full time when nothing arrives", func(t *testing.T) {
		url := e.createQueue("poll-empty", nil)
		r := <-poll(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
		if r.err != nil || len(r.msgs) != 0 || r.elapsed < 900*time.Millisecond || r.elapsed > 3*time.Second {
			t.Errorf("empty long poll: %d messages after %v (err %v), want none after about 1s", len(r.msgs), r.elapsed, r.err)
		}
	})
	t.Run("returns when the server closes", func(t *testing.T) {
		other := newEnv(t, envConfig{})
		url := other.createQueue("closing", nil)
		ch := make(chan time.Duration, 1)
		go func() {
			start := time.Now()
			_, _ = other.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
			ch <- time.Since(start)
		}()
		time.Sleep(200 * time.Millisecond)
		if err := other.srv.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if d := <-ch; d > 3*time.Second {
			t.Errorf("long poll outlived Close by %v", d)
		}
	})
}
