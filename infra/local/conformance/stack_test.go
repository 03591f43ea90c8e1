package conformance

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// TestStackOnMoto runs the sample application with every service on
// moto_server (AWS_ENDPOINT_URL), as a user would to check against another
// backend: the resources are provisioned there, the functions talk to it,
// and the queue event source polls it.
func TestStackOnMoto(t *testing.T) {
	if os.Getenv("CONFORMANCE_MOTO") != "1" {
		t.Skip("set CONFORMANCE_MOTO=1 (make conformance) to run against moto_server")
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal("CONFORMANCE_MOTO=1 but moto_server is not installed")
	}
	endpoint := startMoto(t, bin)
	s := st.Start(t, st.WithRoot(st.SampleApp(t)), st.WithTestSettings(), st.WithConfig(func(c *stack.Config) {
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
	env := strings.Join(s.Pool("ApiFunction").Config().Env, "\n")
	if !strings.Contains(env, "AWS_ENDPOINT_URL_DYNAMODB="+endpoint) {
		t.Errorf("functions are not pointed at moto:\n%s", env)
	}
	ctx := context.Background()
	url, err := s.Clients.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("guestbook-EntriesQueue")})
	if err != nil {
		t.Fatalf("the entries queue was not provisioned on moto: %v", err)
	}
	guest := st.Token(t, s, "guests")
	var signed struct {
		ID string `json:"id"`
	}
	res := st.Do(t, "POST", s.APIURL+"/entries", guest, map[string]string{"text": "через moto"})
	res.JSON(t, &signed)
	if res.Status != 202 {
		t.Fatalf("POST /entries on moto's SQS = %d %s", res.Status, res.Body)
	}
	st.Eventually(t, 20*time.Second, "the worker to store the entry in moto's DynamoDB", func() bool {
		return st.Do(t, "GET", s.APIURL+"/entries/"+signed.ID, guest, nil).Status == 200
	})
	st.Eventually(t, 20*time.Second, "the entries queue on moto to be empty", func() bool {
		out, err := s.Clients.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		}})
		return err == nil && out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
	})
	// The topic and its filtered, raw subscription were provisioned on moto
	// too, and moto delivers to its queue.
	topics, err := s.Clients.SNS.ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil || len(topics.Topics) == 0 {
		t.Fatalf("the entries topic was not provisioned on moto: %v %v", topics, err)
	}
	if _, err := s.Clients.SNS.Publish(ctx, &sns.PublishInput{
		TopicArn: topics.Topics[0].TopicArn, Message: aws.String(`{"id":"moto-topic","by":"topic","text":"Through moto's SNS."}`),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("entry.signed")}},
	}); err != nil {
		t.Fatalf("publish on moto: %v", err)
	}
	st.Eventually(t, 20*time.Second, "the entry published to moto's topic to be stored", func() bool {
		return st.Do(t, "GET", s.APIURL+"/entries/moto-topic", guest, nil).Status == 200
	})
	if stats := s.Pool("WorkerFunction").Stats(); stats.Invocations == 0 || stats.Errors != 0 {
		t.Errorf("worker stats = %+v, want a successful invocation", stats)
	}
}
