package sns_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/google/go-cmp/cmp"

	emu "github.com/claimsdesk/backend/infra/local/awsemu/sns"
)

const (
	testRegion  = "eu-central-1"
	testAccount = "123456789012"
	queueA      = "arn:aws:sqs:eu-central-1:123456789012:queue-a"
	queueB      = "arn:aws:sqs:eu-central-1:123456789012:queue-b"
)

// queues is a hand-written SQS stand-in that records deliveries by queue ARN.
type queues struct {
	mu  sync.Mutex
	got map[string][]emu.QueueMessage
}

func (q *queues) deliver(_ context.Context, arn string, m emu.QueueMessage) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.got == nil {
		q.got = map[string][]emu.QueueMessage{}
	}
	q.got[arn] = append(q.got[arn], m)
	return nil
}

func (q *queues) take(arn string) []emu.QueueMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.got[arn]
	delete(q.got, arn)
	return out
}

type env struct {
	t      *testing.T
	srv    *emu.Server
	client *sns.Client
	queues *queues
}

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

func newEnv(t *testing.T, dir string) *env {
	t.Helper()
	q := &queues{}
	srv, err := emu.New(emu.Config{Dir: dir, Region: testRegion, AccountID: testAccount, DeliverToQueue: q.deliver, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
	})
	client := sns.NewFromConfig(aws.Config{
		Region:      testRegion,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	}, func(o *sns.Options) { o.BaseEndpoint = aws.String(hs.URL) })
	return &env{t: t, srv: srv, client: client, queues: q}
}

func (e *env) topic(name string) string {
	e.t.Helper()
	out, err := e.client.CreateTopic(context.Background(), &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		e.t.Fatalf("CreateTopic(%s): %v", name, err)
	}
	return aws.ToString(out.TopicArn)
}

func (e *env) subscribe(topicARN, queueARN string, attrs map[string]string) string {
	e.t.Helper()
	out, err := e.client.Subscribe(context.Background(), &sns.SubscribeInput{
		TopicArn: aws.String(topicARN), Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN), Attributes: attrs, ReturnSubscriptionArn: true,
	})
	if err != nil {
		e.t.Fatalf("Subscribe: %v", err)
	}
	return aws.ToString(out.SubscriptionArn)
}

func errCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "not an API error: " + err.Error()
	}
	return ""
}

func str(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

func TestTopics(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	out, err := e.client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("events"), Attributes: map[string]string{"DisplayName": "Events"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TopicArn)
	if want := "arn:aws:sns:eu-central-1:123456789012:events"; arn != want {
		t.Errorf("TopicArn = %s, want %s", arn, want)
	}
	again, err := e.client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("events"), Attributes: map[string]string{"DisplayName": "Events"}})
	if err != nil || aws.ToString(again.TopicArn) != arn {
		t.Errorf("CreateTopic again = %v, %v; want the same ARN", again, err)
	}
	_, err = e.client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("events"), Attributes: map[string]string{"DisplayName": "Other"}})
	if errCode(err) != "InvalidParameter" {
		t.Errorf("CreateTopic with other attributes: %v, want InvalidParameter", err)
	}
	e.topic("alarms")

	list, err := e.client.ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, tp := range list.Topics {
		arns = append(arns, aws.ToString(tp.TopicArn))
	}
	if diff := cmp.Diff([]string{arn, "arn:aws:sns:eu-central-1:123456789012:alarms"}, arns); diff != "" {
		t.Errorf("ListTopics mismatch (-want +got):\n%s", diff)
	}

	if _, err := e.client.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("Claim events")}); err != nil {
		t.Fatal(err)
	}
	e.subscribe(arn, queueA, nil)
	attrs, err := e.client.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"TopicArn": arn, "DisplayName": "Claim events", "Owner": testAccount, "SubscriptionsConfirmed": "1", "SubscriptionsPending": "0"} {
		if got := attrs.Attributes[k]; got != want {
			t.Errorf("attribute %s = %q, want %q", k, got, want)
		}
	}
	if !json.Valid([]byte(attrs.Attributes["Policy"])) {
		t.Errorf("Policy is not JSON: %s", attrs.Attributes["Policy"])
	}

	if _, err := e.client.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Errorf("DeleteTopic of a deleted topic: %v, want success as SNS", err)
	}
	subs, err := e.client.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
	if err != nil || len(subs.Subscriptions) != 0 {
		t.Errorf("ListSubscriptions after DeleteTopic = %v, %v; want none", subs, err)
	}

	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"bad name", func() error {
			_, err := e.client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bad name")})
			return err
		}, "InvalidParameter"},
		{"unknown attribute", func() error {
			_, err := e.client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("x"), Attributes: map[string]string{"Colour": "red"}})
			return err
		}, "InvalidParameter"},
		{"get missing", func() error {
			_, err := e.client.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
			return err
		}, "NotFound"},
		{"set missing", func() error {
			_, err := e.client.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("x")})
			return err
		}, "NotFound"},
	} {
		if got := errCode(tc.call()); got != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
		}
	}
	var nf *types.NotFoundException
	_, err = e.client.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("x")})
	if !errors.As(err, &nf) {
		t.Errorf("Publish to a deleted topic: %v, want *types.NotFoundException", err)
	}
}

func TestSubscriptions(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	topic := e.topic("events")
	raw := e.subscribe(topic, queueA, map[string]string{"RawMessageDelivery": "true"})
	if !strings.HasPrefix(raw, topic+":") {
		t.Errorf("SubscriptionArn = %s, want one under the topic", raw)
	}
	if again := e.subscribe(topic, queueA, map[string]string{"RawMessageDelivery": "true"}); again != raw {
		t.Errorf("Subscribe again = %s, want the same %s", again, raw)
	}
	_, err := e.client.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(queueA), Attributes: map[string]string{"RawMessageDelivery": "false"}})
	if errCode(err) != "InvalidParameter" {
		t.Errorf("Subscribe with other attributes: %v, want InvalidParameter", err)
	}
	policy := `{"eventType":[{"prefix":"claim."}]}`
	filtered := e.subscribe(topic, queueB, map[string]string{"RawMessageDelivery": "true", "FilterPolicy": policy})

	mail, err := e.client.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	if err != nil || aws.ToString(mail.SubscriptionArn) != "pending confirmation" {
		t.Errorf("Subscribe email = %v, %v; want pending confirmation", mail, err)
	}

	attrs, err := e.client.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(filtered)})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"SubscriptionArn": filtered, "TopicArn": topic, "Protocol": "sqs", "Endpoint": queueB, "Owner": testAccount,
		"RawMessageDelivery": "true", "FilterPolicy": policy, "FilterPolicyScope": "MessageAttributes", "PendingConfirmation": "false",
	} {
		if got := attrs.Attributes[k]; got != want {
			t.Errorf("attribute %s = %q, want %q", k, got, want)
		}
	}
	if _, err := e.client.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(filtered), AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("false")}); err != nil {
		t.Fatal(err)
	}

	byTopic, err := e.client.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range byTopic.Subscriptions {
		got = append(got, aws.ToString(s.Protocol)+" "+aws.ToString(s.Endpoint)+" "+aws.ToString(s.SubscriptionArn))
	}
	want := []string{"sqs " + queueA + " " + raw, "sqs " + queueB + " " + filtered, "email ops@example.com PendingConfirmation"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListSubscriptionsByTopic mismatch (-want +got):\n%s", diff)
	}

	if _, err := e.client.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(raw)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(raw)})
	if errCode(err) != "NotFound" {
		t.Errorf("GetSubscriptionAttributes after Unsubscribe: %v, want NotFound", err)
	}

	for _, tc := range []struct {
		name string
		in   *sns.SubscribeInput
		want string
	}{
		{"not a queue ARN", &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String("queue-a")}, "InvalidParameter"},
		{"unknown protocol", &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("pigeon"), Endpoint: aws.String("x")}, "InvalidParameter"},
		{"missing topic", &sns.SubscribeInput{TopicArn: aws.String(topic + "-gone"), Protocol: aws.String("sqs"), Endpoint: aws.String(queueA)}, "NotFound"},
		{"bad raw value", &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(queueA + "2"), Attributes: map[string]string{"RawMessageDelivery": "yes"}}, "InvalidParameter"},
		{"bad filter", &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(queueA + "2"), Attributes: map[string]string{"FilterPolicy": `{"a":"b"}`}}, "InvalidParameter"},
		{"nested filter on attributes", &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(queueA + "2"), Attributes: map[string]string{"FilterPolicy": `{"a":{"b":["c"]}}`}}, "InvalidParameter"},
		{"bad scope", &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(queueA + "2"), Attributes: map[string]string{"FilterPolicyScope": "Headers"}}, "InvalidParameter"},
		{"unknown attribute", &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(queueA + "2"), Attributes: map[string]string{"Colour": "red"}}, "InvalidParameter"},
	} {
		_, err := e.client.Subscribe(ctx, tc.in)
		if got := errCode(err); got != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPublishDelivers(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	topic := e.topic("events")
	e.subscribe(topic, queueA, map[string]string{"RawMessageDelivery": "true"})
	e.subscribe(topic, queueB, nil)
	if _, err := e.client.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")}); err != nil {
		t.Fatal(err)
	}
	attrs := map[string]types.MessageAttributeValue{
		"eventType": str("claim.filed"),
		"count":     {DataType: aws.String("Number"), StringValue: aws.String("3")},
		"blob":      {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
	}
	out, err := e.client.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"id":"e-1"}`), Subject: aws.String("Filed"), MessageAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.MessageId)
	if len(id) != 36 {
		t.Errorf("MessageId = %q, want a UUID", id)
	}

	wantRaw := []emu.QueueMessage{{Body: `{"id":"e-1"}`, Attributes: map[string]emu.Attribute{
		"eventType": {DataType: "String", StringValue: "claim.filed"},
		"count":     {DataType: "Number", StringValue: "3"},
		"blob":      {DataType: "Binary", BinaryValue: []byte{1, 2, 3}},
	}}}
	if diff := cmp.Diff(wantRaw, e.queues.take(queueA)); diff != "" {
		t.Errorf("raw delivery mismatch (-want +got):\n%s", diff)
	}

	got := e.queues.take(queueB)
	if len(got) != 1 || got[0].Attributes != nil {
		t.Fatalf("enveloped deliveries = %+v, want one without queue attributes", got)
	}
	var n map[string]any
	if err := json.Unmarshal([]byte(got[0].Body), &n); err != nil {
		t.Fatalf("envelope is not JSON: %v\n%s", err, got[0].Body)
	}
	want := map[string]any{
		"Type": "Notification", "MessageId": id, "TopicArn": topic, "Subject": "Filed", "Message": `{"id":"e-1"}`,
		"Timestamp": "2026-03-01T12:00:00.123Z", "SignatureVersion": "1",
		"MessageAttributes": map[string]any{
			"eventType": map[string]any{"Type": "String", "Value": "claim.filed"},
			"count":     map[string]any{"Type": "Number", "Value": "3"},
			"blob":      map[string]any{"Type": "Binary", "Value": "AQID"},
		},
	}
	for _, k := range []string{"Signature", "SigningCertURL", "UnsubscribeURL"} {
		if s, _ := n[k].(string); s == "" {
			t.Errorf("envelope lacks %s", k)
		}
		delete(n, k)
	}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("envelope mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got[0].Body, `{"Type":"Notification","MessageId":`) {
		t.Errorf("envelope fields out of SNS's order: %s", got[0].Body)
	}
}

func TestPublishFilters(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	topic := e.topic("events")
	e.subscribe(topic, queueA, map[string]string{"RawMessageDelivery": "true", "FilterPolicy": `{"eventType":[{"prefix":"claim."}]}`})
	e.subscribe(topic, queueB, map[string]string{"RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody", "FilterPolicy": `{"claim":{"stage":["closed"]}}`})
	publish := func(body, eventType string) {
		t.Helper()
		in := &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(body)}
		if eventType != "" {
			in.MessageAttributes = map[string]types.MessageAttributeValue{"eventType": str(eventType)}
		}
		if _, err := e.client.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	publish(`{"claim":{"stage":"new"}}`, "claim.filed")
	publish(`{"claim":{"stage":"closed"}}`, "message.posted")
	publish(`not json`, "")
	bodiesOf := func(arn string) []string {
		var out []string
		for _, m := range e.queues.take(arn) {
			out = append(out, m.Body)
		}
		return out
	}
	if diff := cmp.Diff([]string{`{"claim":{"stage":"new"}}`}, bodiesOf(queueA)); diff != "" {
		t.Errorf("attribute-filtered queue mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`{"claim":{"stage":"closed"}}`}, bodiesOf(queueB)); diff != "" {
		t.Errorf("body-filtered queue mismatch (-want +got):\n%s", diff)
	}
}

func TestPublishBatch(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	topic := e.topic("events")
	e.subscribe(topic, queueA, map[string]string{"RawMessageDelivery": "true"})
	entry := func(id, msg string) types.PublishBatchRequestEntry {
		return types.PublishBatchRequestEntry{Id: aws.String(id), Message: aws.String(msg), MessageAttributes: map[string]types.MessageAttributeValue{"eventType": str("claim." + id)}}
	}
	var entries []types.PublishBatchRequestEntry
	for _, id := range []string{"a", "b", "c"} {
		entries = append(entries, entry(id, "m-"+id))
	}
	entries = append(entries, types.PublishBatchRequestEntry{Id: aws.String("empty"), Message: aws.String("")})
	out, err := e.client.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(topic), PublishBatchRequestEntries: entries})
	if err != nil {
		t.Fatal(err)
	}
	var ok []string
	for _, s := range out.Successful {
		ok = append(ok, aws.ToString(s.Id))
		if len(aws.ToString(s.MessageId)) != 36 {
			t.Errorf("entry %s MessageId = %q", aws.ToString(s.Id), aws.ToString(s.MessageId))
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, ok); diff != "" {
		t.Errorf("Successful mismatch (-want +got):\n%s", diff)
	}
	if len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "empty" || aws.ToString(out.Failed[0].Code) != "InvalidParameter" || !out.Failed[0].SenderFault {
		t.Errorf("Failed = %+v, want the empty entry as InvalidParameter", out.Failed)
	}
	var got []string
	for _, m := range e.queues.take(queueA) {
		got = append(got, m.Body+" "+m.Attributes["eventType"].StringValue)
	}
	if diff := cmp.Diff([]string{"m-a claim.a", "m-b claim.b", "m-c claim.c"}, got); diff != "" {
		t.Errorf("delivered mismatch (-want +got):\n%s", diff)
	}

	many := func(n int, msg string) []types.PublishBatchRequestEntry {
		var out []types.PublishBatchRequestEntry
		for i := range n {
			out = append(out, types.PublishBatchRequestEntry{Id: aws.String("e" + string(rune('a'+i))), Message: aws.String(msg)})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		entries []types.PublishBatchRequestEntry
		want    string
	}{
		{"eleven", many(11, "x"), "TooManyEntriesInBatchRequest"},
		{"none", []types.PublishBatchRequestEntry{}, "EmptyBatchRequest"},
		{"same ids", []types.PublishBatchRequestEntry{entry("a", "x"), entry("a", "y")}, "BatchEntryIdsNotDistinct"},
		{"bad id", []types.PublishBatchRequestEntry{entry("a b", "x")}, "InvalidBatchEntryId"},
		{"too long", many(2, strings.Repeat("x", 200*1024)), "BatchRequestTooLong"},
	} {
		_, err := e.client.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(topic), PublishBatchRequestEntries: tc.entries})
		if got := errCode(err); got != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := e.queues.take(queueA); len(got) != 0 {
		t.Errorf("refused batches delivered %d messages", len(got))
	}
}

func TestPublishRefuses(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	topic := e.topic("events")
	for _, tc := range []struct {
		name string
		in   *sns.PublishInput
		want string
	}{
		{"empty", &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("")}, "InvalidParameter"},
		{"too long", &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(strings.Repeat("x", 256*1024+1))}, "InvalidParameter"},
		{"no target", &sns.PublishInput{Message: aws.String("x")}, "InvalidParameter"},
		{"bad attribute type", &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Colour"), StringValue: aws.String("red")}}}, "ParameterValueInvalid"},
		{"bad number", &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Number"), StringValue: aws.String("ten")}}}, "ParameterValueInvalid"},
		{"json without default", &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"sqs":"x"}`), MessageStructure: aws.String("json")}, "InvalidParameter"},
	} {
		_, err := e.client.Publish(ctx, tc.in)
		if got := errCode(err); got != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, dir)
	topic := e.topic("events")
	sub := e.subscribe(topic, queueA, map[string]string{"RawMessageDelivery": "true", "FilterPolicy": `{"eventType":[{"prefix":"claim."}]}`})
	_ = e.srv.Close()

	e2 := newEnv(t, dir)
	attrs, err := e2.client.GetSubscriptionAttributes(context.Background(), &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub)})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["RawMessageDelivery"] != "true" || attrs.Attributes["TopicArn"] != topic {
		t.Errorf("attributes after restart = %v", attrs.Attributes)
	}
	for _, et := range []string{"claim.filed", "message.posted"} {
		if _, err := e2.client.Publish(context.Background(), &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(et), MessageAttributes: map[string]types.MessageAttributeValue{"eventType": str(et)}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e2.queues.take(queueA); len(got) != 1 || got[0].Body != "claim.filed" {
		t.Errorf("after restart delivered %+v, want claim.filed only (the filter is back)", got)
	}
}
