package conformance

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// TestStackOnMoto runs the project's stack with every service on moto_server
// (AWS_ENDPOINT_URL), as a user would to check against another backend: the
// resources are provisioned there, the functions talk to it, and the queue
// event source polls it.
func TestStackOnMoto(t *testing.T) {
	if os.Getenv("CONFORMANCE_MOTO") != "1" {
		t.Skip("set CONFORMANCE_MOTO=1 (make conformance) to run against moto_server")
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal("CONFORMANCE_MOTO=1 but moto_server is not installed")
	}
	endpoint := startMoto(t, bin)
	s := st.Start(t, st.WithConfig(func(c *stack.Config) {
		c.Endpoints = stack.EndpointsFromEnv(func(name string) string {
			if name == "AWS_ENDPOINT_URL" {
				return endpoint
			}
			return ""
		})
	}))
	if s.OutboxDir != "" {
		t.Errorf("SES is external but the stack kept an outbox at %s", s.OutboxDir)
	}
	env := strings.Join(s.Pool("PublicFunction").Config().Env, "\n")
	if !strings.Contains(env, "AWS_ENDPOINT_URL_DYNAMODB="+endpoint) {
		t.Errorf("functions are not pointed at moto:\n%s", env)
	}
	res := st.Do(t, "GET", s.APIURL+"/health", "", nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"ok"`) {
		t.Fatalf("GET /health on moto's DynamoDB = %d %s", res.Status, res.Body)
	}
	ctx := context.Background()
	url, err := s.Clients.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("claims-NotificationsQueue")})
	if err != nil {
		t.Fatalf("the notifications queue was not provisioned on moto: %v", err)
	}
	if !strings.HasPrefix(aws.ToString(url.QueueUrl), endpoint) && !strings.Contains(aws.ToString(url.QueueUrl), "localhost") {
		t.Logf("queue URL from moto: %s", aws.ToString(url.QueueUrl))
	}
	msg := `{"id":"moto-1","kind":"email","mail":{"to":["customer@example.com"],"subject":"Проверка","text":"через moto"}}`
	if _, err := s.Clients.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(msg)}); err != nil {
		t.Fatal(err)
	}
	st.Eventually(t, 20*time.Second, "the notifier to consume the message from moto", func() bool {
		out, err := s.Clients.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		}})
		return err == nil && out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
	})
	if stats := s.Pool("NotifierFunction").Stats(); stats.Invocations == 0 || stats.Errors != 0 {
		t.Errorf("notifier stats = %+v, want a successful invocation", stats)
	}
}
