package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/snsbus"
)

// TestEventsFanOut: an event a change publishes reaches both consumers'
// queues through the events topic: the notifier's (its mail goes out) and
// the analytics' (read here directly, nothing consumes it yet), raw, with
// the eventType attribute; a message that is not a claim event reaches the
// notifier's queue only, the analytics' filter policy keeps it off.
func TestEventsFanOut(t *testing.T) {
	ctx := context.Background()
	dealer := newUser(t, "dealers", "dealer-1", "DLR-001")
	email := fmt.Sprintf("fanout-%d@example.com", time.Now().UnixNano())
	r, out := createClaim(t, dealer, claimBody(func(b map[string]any) {
		b["claimant"] = map[string]any{"name": "Ольга Веерова", "email": email, "phone": "+7 903 111-22-44"}
	}))
	if r.Status != 201 {
		t.Fatalf("create claim = %d %s", r.Status, r.Body)
	}
	id := out.Claim.ID
	st.Eventually(t, 20*time.Second, "the notifier to mail the claimant", func() bool {
		return mailAbout(local.OutboxDir, email, id) != nil
	})

	analytics := queueURL(t, "AnalyticsQueue")
	var received *sqstypes.Message
	st.Eventually(t, 10*time.Second, "the claim.received event on the analytics queue", func() bool {
		received = findMessage(t, analytics, func(body string) bool {
			var e events.Event
			return json.Unmarshal([]byte(body), &e) == nil && e.ClaimID == id && e.Type == events.ClaimReceived
		})
		return received != nil
	})
	attr := received.MessageAttributes[snsbus.EventTypeAttribute]
	if aws.ToString(attr.DataType) != "String" || aws.ToString(attr.StringValue) != events.ClaimReceived {
		t.Errorf("eventType attribute = %s %s, want String %s", aws.ToString(attr.DataType), aws.ToString(attr.StringValue), events.ClaimReceived)
	}
	if body := aws.ToString(received.Body); strings.HasPrefix(body, `{"Type":"Notification"`) {
		t.Errorf("the analytics queue got an SNS envelope, want the raw event: %.200s", body)
	}

	// A plain mail command, published to the topic as another producer
	// could: the notifier sends it; its type is not a claim event's.
	commandID := "fanout-command-" + id
	to := "fanout-ops@example.com"
	body, _ := json.Marshal(map[string]any{"id": commandID, "kind": "email", "mail": map[string]any{
		"to": []string{to}, "subject": "Веер " + commandID, "text": "Через тему, не в аналитику.",
	}})
	topic := local.Model.Topic("EventsTopic")
	if topic == nil {
		t.Fatal("the template has no EventsTopic")
	}
	if _, err := local.Clients.SNS.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic.ARN), Message: aws.String(string(body)),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{snsbus.EventTypeAttribute: {DataType: aws.String("String"), StringValue: aws.String("mail.command")}},
	}); err != nil {
		t.Fatal(err)
	}
	st.Eventually(t, 20*time.Second, "the notifier to send the command's mail", func() bool {
		return mailAbout(local.OutboxDir, to, commandID) != nil
	})
	// SNS delivered to every matching queue before Publish returned.
	if m := findMessage(t, analytics, func(body string) bool { return strings.Contains(body, commandID) }); m != nil {
		t.Errorf("the analytics queue got a message that is not a claim event: %s", aws.ToString(m.Body))
	}
}

func queueURL(t *testing.T, logicalID string) string {
	t.Helper()
	q := local.Model.Queue(logicalID)
	if q == nil {
		t.Fatalf("the template has no %s", logicalID)
	}
	out, err := local.Clients.SQS.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(q.Name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

// findMessage receives the queue's visible messages (hiding each for a
// minute) until one's body matches, and returns it, or nil when none does.
func findMessage(t *testing.T, url string, match func(body string) bool) *sqstypes.Message {
	t.Helper()
	for {
		out, err := local.Clients.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return nil
		}
		for i := range out.Messages {
			if match(aws.ToString(out.Messages[i].Body)) {
				return &out.Messages[i]
			}
		}
	}
}
