package sqs_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	emu "github.com/claimsdesk/backend/infra/local/awsemu/sqs"
)

func TestDeliver(t *testing.T) {
	e := newEnv(t, envConfig{})
	url := e.createQueue("analytics", nil)
	id, err := e.srv.Deliver(e.arn(url), `{"type":"claim.filed"}`, map[string]emu.Attribute{
		"eventType": {DataType: "String", StringValue: "claim.filed"},
		"tags":      {DataType: "String.Array", StringValue: `["a","b"]`},
		"blob":      {DataType: "Binary", BinaryValue: []byte{7}},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"All"}})
	if len(msgs) != 1 || aws.ToString(msgs[0].MessageId) != id || aws.ToString(msgs[0].Body) != `{"type":"claim.filed"}` {
		t.Fatalf("received %+v, want the delivered message %s", msgs, id)
	}
	got := map[string]string{}
	for k, v := range msgs[0].MessageAttributes {
		got[k] = aws.ToString(v.DataType) + " " + aws.ToString(v.StringValue) + string(v.BinaryValue)
	}
	want := map[string]string{"eventType": "String claim.filed", "tags": `String.Array ["a","b"]`, "blob": "Binary \x07"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes mismatch (-want +got):\n%s", diff)
	}

	if _, err := e.srv.Deliver("arn:aws:sqs:eu-central-1:123456789012:missing", "x", nil); !errors.Is(err, emu.ErrNoSuchQueue) {
		t.Errorf("Deliver to a missing queue: %v, want ErrNoSuchQueue", err)
	}
	fifo := e.createQueue("events.fifo", map[string]string{"FifoQueue": "true"})
	if _, err := e.srv.Deliver(e.arn(fifo), "x", nil); err == nil {
		t.Error("Deliver to a FIFO queue succeeded; SNS standard topics cannot deliver there")
	}
}
