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

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/snsbus"
)

// TestEventsFanOut: an event a change publishes reaches both consumers'
// queues through the events topic: the notifier's (its mail goes out) and
// the analytics' (the claim is counted); a message that is not a claim
// event reaches the notifier, and the analytics' subscription takes claim
// events only (the emulator's and the conformance tests show the filter
// keeping others off).
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
	st.Eventually(t, deliveryWait, "the notifier to mail the claimant", func() bool {
		return mailAbout(local.OutboxDir, email, id) != nil
	})

	// The analytics' queue got it too: its consumer counted the claim.
	store := tableStore(t, local.Clients.DynamoDB)
	st.Eventually(t, deliveryWait, "the analytics to count the claim", func() bool {
		applied, err := store.Applied(ctx, id)
		return err == nil && applied[analytics.FactRegistered].Stamp > 0
	})

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
	st.Eventually(t, deliveryWait, "the notifier to send the command's mail", func() bool {
		return mailAbout(local.OutboxDir, to, commandID) != nil
	})
	// The analytics' subscription filters on the event type: claim events
	// only.
	subs, err := local.Clients.SNS.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic.ARN)})
	if err != nil {
		t.Fatal(err)
	}
	filtered := false
	for _, sub := range subs.Subscriptions {
		if !strings.HasSuffix(aws.ToString(sub.Endpoint), "AnalyticsQueue") {
			continue
		}
		attrs, err := local.Clients.SNS.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn})
		if err != nil {
			t.Fatal(err)
		}
		filtered = strings.Contains(attrs.Attributes["FilterPolicy"], `"prefix"`) && strings.Contains(attrs.Attributes["FilterPolicy"], `"claim."`) &&
			attrs.Attributes["RawMessageDelivery"] == "true"
	}
	if !filtered {
		t.Errorf("the analytics' subscription does not take claim events only, raw: %+v", subs.Subscriptions)
	}
}
