package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// snsScenario fans a topic out to SQS queues: one raw subscription with a
// filter policy on a message attribute, one enveloped, one raw with a body
// policy; Publish and PublishBatch; and the errors the application may meet.
func snsScenario(ctx context.Context, t *testing.T, c *clients, tr *transcript) {
	t.Helper()
	add := func(op, label string, v any, err error) { tr.add("sns", op, label, v, err) }
	n := c.sns

	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("conformance-events"), Attributes: map[string]string{"DisplayName": "Events"}})
	if err != nil {
		add("CreateTopic", "", nil, err)
		return
	}
	add("CreateTopic", "", aws.ToString(topic.TopicArn), nil)
	again, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("conformance-events"), Attributes: map[string]string{"DisplayName": "Events"}})
	if err == nil {
		add("CreateTopic", "again", fmt.Sprintf("same=%v", aws.ToString(again.TopicArn) == aws.ToString(topic.TopicArn)), nil)
	} else {
		add("CreateTopic", "again", nil, err)
	}
	_, err = n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bad name!")})
	add("CreateTopic", "invalid name", nil, err)
	_, err = n.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("Claim events")})
	add("SetTopicAttributes", "", nil, err)
	tattrs, err := n.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
	if err == nil {
		add("GetTopicAttributes", "", pick(tattrs.Attributes, "TopicArn", "DisplayName", "Owner"), nil)
	} else {
		add("GetTopicAttributes", "", nil, err)
	}
	_, err = n.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:eu-central-1:123456789012:missing")})
	add("GetTopicAttributes", "missing", nil, err)
	list, err := n.ListTopics(ctx, &sns.ListTopicsInput{})
	if err == nil {
		var arns []string
		for _, tp := range list.Topics {
			arns = append(arns, aws.ToString(tp.TopicArn))
		}
		add("ListTopics", "", arns, nil)
	} else {
		add("ListTopics", "", nil, err)
	}

	queue := func(name string) (string, string) {
		out, err := c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatalf("create queue %s: %v", name, err)
		}
		a, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatalf("queue %s arn: %v", name, err)
		}
		return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
	}
	allURL, allARN := queue("conformance-sns-all")
	claimsURL, claimsARN := queue("conformance-sns-claims")
	envURL, envARN := queue("conformance-sns-enveloped")
	bodyURL, bodyARN := queue("conformance-sns-body")

	subscribe := func(label, endpoint string, attrs map[string]string) string {
		out, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(endpoint), Attributes: attrs, ReturnSubscriptionArn: true})
		if err != nil {
			add("Subscribe", label, nil, err)
			return ""
		}
		arn := aws.ToString(out.SubscriptionArn)
		add("Subscribe", label, fmt.Sprintf("under topic=%v", strings.HasPrefix(arn, aws.ToString(topic.TopicArn)+":")), nil)
		return arn
	}
	subscribe("raw, every event", allARN, map[string]string{"RawMessageDelivery": "true"})
	claimsSub := subscribe("raw, claim events", claimsARN, map[string]string{"RawMessageDelivery": "true", "FilterPolicy": `{"eventType":[{"prefix":"claim."}]}`})
	envSub := subscribe("enveloped", envARN, nil)
	subscribe("raw, body policy", bodyARN, map[string]string{"RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody", "FilterPolicy": `{"stage":["closed"],"amount":[{"numeric":[">",100]}]}`})
	_, err = n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String("not-an-arn")})
	add("Subscribe", "not a queue ARN", nil, err)
	_, err = n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String("arn:aws:sns:eu-central-1:123456789012:missing"), Protocol: aws.String("sqs"), Endpoint: aws.String(allARN)})
	add("Subscribe", "missing topic", nil, err)

	sattrs, err := n.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(claimsSub)})
	if err == nil {
		add("GetSubscriptionAttributes", "", pick(sattrs.Attributes, "Protocol", "Endpoint", "RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "TopicArn"), nil)
	} else {
		add("GetSubscriptionAttributes", "", nil, err)
	}
	_, err = n.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(aws.ToString(topic.TopicArn) + ":00000000-0000-0000-0000-000000000000")})
	add("GetSubscriptionAttributes", "missing", nil, err)
	_, err = n.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(envSub), AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("false")})
	add("SetSubscriptionAttributes", "", nil, err)
	_, err = n.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(envSub), AttributeName: aws.String("Colour"), AttributeValue: aws.String("red")})
	add("SetSubscriptionAttributes", "unknown attribute", nil, err)
	subs, err := n.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err == nil {
		add("ListSubscriptionsByTopic", "", endpoints(subs.Subscriptions), nil)
	} else {
		add("ListSubscriptionsByTopic", "", nil, err)
	}
	all, err := n.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
	if err == nil {
		add("ListSubscriptions", "", endpoints(all.Subscriptions), nil)
	} else {
		add("ListSubscriptions", "", nil, err)
	}

	attr := func(v string) map[string]snstypes.MessageAttributeValue {
		return map[string]snstypes.MessageAttributeValue{"eventType": {DataType: aws.String("String"), StringValue: aws.String(v)}}
	}
	_, err = n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"stage":"closed","amount":150}`), Subject: aws.String("Closed"), MessageAttributes: attr("claim.closed")})
	add("Publish", "claim event", nil, err)
	_, err = n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"stage":"closed","amount":50}`), MessageAttributes: attr("message.posted")})
	add("Publish", "other event", nil, err)
	_, err = n.Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:eu-central-1:123456789012:missing"), Message: aws.String("x")})
	add("Publish", "missing topic", nil, err)
	_, err = n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(strings.Repeat("x", 256*1024+1))})
	add("Publish", "too long", nil, err)

	var entries []snstypes.PublishBatchRequestEntry
	for i, et := range []string{"claim.filed", "claim.assigned", "sla.breached"} {
		entries = append(entries, snstypes.PublishBatchRequestEntry{Id: aws.String(fmt.Sprintf("e%d", i)), Message: aws.String(`{"n":` + fmt.Sprint(i) + `}`), MessageAttributes: attr(et)})
	}
	batch, err := n.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: entries})
	if err == nil {
		var ids []string
		for _, s := range batch.Successful {
			ids = append(ids, aws.ToString(s.Id))
		}
		sort.Strings(ids)
		add("PublishBatch", "", fmt.Sprintf("ok=%v failed=%d", ids, len(batch.Failed)), nil)
	} else {
		add("PublishBatch", "", nil, err)
	}
	var eleven []snstypes.PublishBatchRequestEntry
	for i := range 11 {
		eleven = append(eleven, snstypes.PublishBatchRequestEntry{Id: aws.String(fmt.Sprintf("e%d", i)), Message: aws.String("x")})
	}
	_, err = n.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: eleven})
	add("PublishBatch", "eleven entries", nil, err)
	_, err = n.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: append(eleven[:1:1], eleven[0])})
	add("PublishBatch", "duplicate ids", nil, err)

	tr.add("sqs", "ReceiveMessage", "raw, every event", received(ctx, c, allURL, false), nil)
	tr.add("sqs", "ReceiveMessage", "raw, claim events", received(ctx, c, claimsURL, false), nil)
	tr.add("sqs", "ReceiveMessage", "enveloped", received(ctx, c, envURL, true), nil)
	tr.add("sqs", "ReceiveMessage", "raw, body policy", received(ctx, c, bodyURL, false), nil)

	_, err = n.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(claimsSub)})
	add("Unsubscribe", "", nil, err)
	_, err = n.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(claimsSub)})
	add("GetSubscriptionAttributes", "after Unsubscribe", nil, err)
	_, err = n.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: topic.TopicArn})
	add("DeleteTopic", "", nil, err)
	left, err := n.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
	if err == nil {
		add("ListSubscriptions", "after DeleteTopic", endpoints(left.Subscriptions), nil)
	} else {
		add("ListSubscriptions", "after DeleteTopic", nil, err)
	}
}

// pick renders chosen attributes, those present.
func pick(attrs map[string]string, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		if v, ok := attrs[n]; ok {
			out[n] = compactJSON(v)
		}
	}
	return out
}

// compactJSON rewrites a JSON document without spaces (moto keeps the
// caller's spacing, SNS its own); other strings are returned as they are.
func compactJSON(s string) string {
	var v any
	if !strings.HasPrefix(s, "{") || json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func endpoints(subs []snstypes.Subscription) []string {
	out := []string{}
	for _, s := range subs {
		out = append(out, aws.ToString(s.Protocol)+" "+lastSegments(aws.ToString(s.Endpoint)))
	}
	sort.Strings(out)
	return out
}

// received renders what a queue holds: raw messages as body and eventType
// attribute; enveloped ones as the envelope's type, message, subject and
// attributes, and which of SNS's other fields it carries.
func received(ctx context.Context, c *clients, url string, enveloped bool) []string {
	var out []string
	for range 5 {
		res, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
		if err != nil {
			return []string{"error " + err.Error()}
		}
		if len(res.Messages) == 0 {
			break
		}
		for _, m := range res.Messages {
			body := aws.ToString(m.Body)
			if !enveloped {
				line := body
				if a, ok := m.MessageAttributes["eventType"]; ok {
					line += " eventType=" + aws.ToString(a.DataType) + ":" + aws.ToString(a.StringValue)
				}
				out = append(out, line)
				continue
			}
			var env map[string]any
			if err := json.Unmarshal([]byte(body), &env); err != nil {
				out = append(out, "not JSON: "+body)
				continue
			}
			var keys []string
			for k := range env {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			attrs, _ := json.Marshal(env["MessageAttributes"])
			out = append(out, fmt.Sprintf("%v %v subject=%v attrs=%s queueAttrs=%d keys=%v", env["Type"], env["Message"], env["Subject"], attrs, len(m.MessageAttributes), keys))
		}
	}
	sort.Strings(out)
	return out
}
