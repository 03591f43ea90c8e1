package sqs_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// redriveEnv makes a source queue whose messages go to a dead-letter queue
// after maxReceives receives. Its visibility timeout is 0 so each receive
// counts without waiting.
func redriveEnv(t *testing.T, e *env, name string, maxReceives int, fifo bool) (src, dlq string) {
	t.Helper()
	dlqName, srcName := name+"-dlq", name
	attrs := map[string]string{}
	if fifo {
		dlqName, srcName = name+"-dlq.fifo", name+".fifo"
		attrs = map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}
	}
	dlq = e.createQueue(dlqName, attrs)
	srcAttrs := map[string]string{
		"VisibilityTimeout": "0",
		"RedrivePolicy":     `{"deadLetterTargetArn":"` + e.arn(dlq) + `","maxReceiveCount":` + strconv.Itoa(maxReceives) + `}`,
	}
	for k, v := range attrs {
		srcAttrs[k] = v
	}
	return e.createQueue(srcName, srcAttrs), dlq
}

func TestRedriveToDeadLetterQueue(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	ctx := context.Background()
	src, dlq := redriveEnv(t, e, "claims", 2, false)
	sentAt := strconv.FormatInt(clock.Now().UnixMilli(), 10)
	sent, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(src), MessageBody: aws.String("poison"),
		MessageAttributes: map[string]types.MessageAttributeValue{"claim": strAttr("String", "C-7")},
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	all := []types.MessageSystemAttributeName{"All"}
	var counts []string
	for i := 0; i < 3; i++ {
		clock.Advance(time.Second)
		for _, m := range e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(src), MessageSystemAttributeNames: all}) {
			counts = append(counts, m.Attributes["ApproximateReceiveCount"])
		}
	}
	if diff := cmp.Diff([]string{"1", "2"}, counts); diff != "" {
		t.Errorf("receive counts on the source mismatch (-want +got):\n%s", diff)
	}
	if got := e.attrs(src, "ApproximateNumberOfMessages")["ApproximateNumberOfMessages"]; got != "0" {
		t.Errorf("source still has %s messages", got)
	}
	clock.Advance(time.Second)
	msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), MessageSystemAttributeNames: all, MessageAttributeNames: []string{"All"}})
	if len(msgs) != 1 {
		t.Fatalf("dead-letter queue returned %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	want := types.Message{
		MessageId: sent.MessageId, Body: aws.String("poison"), MD5OfBody: sent.MD5OfMessageBody,
		MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
		MessageAttributes:      map[string]types.MessageAttributeValue{"claim": strAttr("String", "C-7")},
		Attributes: map[string]string{
			"SenderId": "AIDAIT2UOQQY3AUEKVGXU", "SentTimestamp": sentAt, "ApproximateReceiveCount": "1",
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(clock.Now().UnixMilli(), 10),
			"DeadLetterQueueSourceArn":         e.arn(src),
		},
	}
	if diff := cmp.Diff(want, got, ignoreAttrInternals, cmpopts.IgnoreUnexported(types.Message{}), cmpopts.IgnoreFields(types.Message{}, "ReceiptHandle")); diff != "" {
		t.Errorf("dead-lettered message mismatch (-want +got):\n%s", diff)
	}

	sources, err := e.client.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq)})
	if err != nil {
		t.Fatalf("ListDeadLetterSourceQueues: %v", err)
	}
	if diff := cmp.Diff([]string{src}, sources.QueueUrls); diff != "" {
		t.Errorf("dead-letter sources mismatch (-want +got):\n%s", diff)
	}
}

func TestFIFORedriveKeepsGroupOrder(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	src, dlq := redriveEnv(t, e, "fifo-claims", 1, true)
	for _, b := range []string{"first", "second"} {
		if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(src), MessageBody: aws.String(b), MessageGroupId: aws.String("g")}); err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
	}
	got := [][]string{
		bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(src)})),
		bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(src)})),
		bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), MaxNumberOfMessages: 10})),
	}
	// "first" is received once, then moved; "second" is next in its group.
	want := [][]string{{"first"}, {"second"}, {"first"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FIFO redrive mismatch (-want +got):\n%s", diff)
	}
}

// sendToDLQ sends bodies to src and receives until they are all dead-lettered
// (maxReceiveCount 1).
func sendToDLQ(t *testing.T, e *env, src string, bodyList ...string) {
	t.Helper()
	for _, b := range bodyList {
		if _, err := e.client.SendMessage(context.Background(), &sqs.SendMessageInput{
			QueueUrl: aws.String(src), MessageBody: aws.String(b),
			MessageAttributes: map[string]types.MessageAttributeValue{"origin": strAttr("String", b)},
		}); err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
	}
	for i := 0; i <= len(bodyList); i++ {
		e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(src), MaxNumberOfMessages: 10})
	}
}

func sortedBodies(e *env, url string) []string {
	b := bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}))
	if len(b) == 0 {
		return nil
	}
	return b
}

func TestStartMessageMoveTask(t *testing.T) {
	ctx := context.Background()
	sortStrings := cmpopts.SortSlices(func(a, b string) bool { return a < b })

	t.Run("back to the source queues", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		src1, dlq := redriveEnv(t, e, "one", 1, false)
		src2 := e.createQueue("two", map[string]string{
			"VisibilityTimeout": "0",
			"RedrivePolicy":     `{"deadLetterTargetArn":"` + e.arn(dlq) + `","maxReceiveCount":1}`,
		})
		sendToDLQ(t, e, src1, "1-a", "1-b")
		sendToDLQ(t, e, src2, "2-a")
		dlqARN := e.arn(dlq)
		out, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN)})
		if err != nil {
			t.Fatalf("StartMessageMoveTask: %v", err)
		}
		raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.TaskHandle))
		var handle map[string]string
		if err != nil || json.Unmarshal(raw, &handle) != nil || handle["sourceArn"] != dlqARN || handle["taskId"] == "" {
			t.Errorf("TaskHandle %q does not decode to {taskId, sourceArn}", aws.ToString(out.TaskHandle))
		}
		msgs := e.receive(&sqs.ReceiveMessageInput{
			QueueUrl: aws.String(src1), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"},
		})
		if diff := cmp.Diff([]string{"1-a", "1-b"}, bodies(msgs), sortStrings); diff != "" {
			t.Errorf("source one mismatch (-want +got):\n%s", diff)
		}
		for _, m := range msgs {
			if m.Attributes["ApproximateReceiveCount"] != "1" || aws.ToString(m.MessageAttributes["origin"].StringValue) != aws.ToString(m.Body) {
				t.Errorf("redriven message %s: receive count %s, origin %v; want a fresh count and its attributes",
					aws.ToString(m.Body), m.Attributes["ApproximateReceiveCount"], m.MessageAttributes)
			}
		}
		if diff := cmp.Diff([]string{"2-a"}, sortedBodies(e, src2)); diff != "" {
			t.Errorf("source two mismatch (-want +got):\n%s", diff)
		}
		if got := sortedBodies(e, dlq); got != nil {
			t.Errorf("dead-letter queue still holds %v", got)
		}
		tasks, err := e.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN)})
		if err != nil {
			t.Fatalf("ListMessageMoveTasks: %v", err)
		}
		want := []types.ListMessageMoveTasksResultEntry{{
			Status: aws.String("COMPLETED"), SourceArn: aws.String(dlqARN),
			ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: aws.Int64(3),
		}}
		if diff := cmp.Diff(want, tasks.Results, cmpopts.IgnoreUnexported(types.ListMessageMoveTasksResultEntry{}), cmpopts.IgnoreFields(types.ListMessageMoveTasksResultEntry{}, "StartedTimestamp")); diff != "" {
			t.Errorf("ListMessageMoveTasks mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("to a given destination", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		src, dlq := redriveEnv(t, e, "src", 1, false)
		dest := e.createQueue("dest", nil)
		sendToDLQ(t, e, src, "m1", "m2")
		if _, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{
			SourceArn: aws.String(e.arn(dlq)), DestinationArn: aws.String(e.arn(dest)), MaxNumberOfMessagesPerSecond: aws.Int32(10),
		}); err != nil {
			t.Fatalf("StartMessageMoveTask: %v", err)
		}
		if diff := cmp.Diff([]string{"m1", "m2"}, sortedBodies(e, dest), sortStrings); diff != "" {
			t.Errorf("destination mismatch (-want +got):\n%s", diff)
		}
		if got := sortedBodies(e, src); got != nil {
			t.Errorf("source received %v", got)
		}
		tasks, err := e.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(e.arn(dlq)), MaxResults: aws.Int32(10)})
		if err != nil {
			t.Fatalf("ListMessageMoveTasks: %v", err)
		}
		if len(tasks.Results) != 1 || aws.ToString(tasks.Results[0].DestinationArn) != e.arn(dest) || aws.ToInt32(tasks.Results[0].MaxNumberOfMessagesPerSecond) != 10 {
			t.Errorf("task = %+v, want destination and rate recorded", tasks.Results)
		}
	})

	t.Run("unknown source fails the task", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		_, dlq := redriveEnv(t, e, "src", 1, false)
		e.send(dlq, "direct")
		if _, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(e.arn(dlq))}); err != nil {
			t.Fatalf("StartMessageMoveTask: %v", err)
		}
		tasks, err := e.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(e.arn(dlq))})
		if err != nil {
			t.Fatalf("ListMessageMoveTasks: %v", err)
		}
		got := [3]string{aws.ToString(tasks.Results[0].Status), aws.ToString(tasks.Results[0].FailureReason), strconv.FormatInt(tasks.Results[0].ApproximateNumberOfMessagesMoved, 10)}
		if diff := cmp.Diff([3]string{"FAILED", "CouldNotDetermineMessageSource", "0"}, got); diff != "" {
			t.Errorf("task mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"direct"}, sortedBodies(e, dlq)); diff != "" {
			t.Errorf("dead-letter queue mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("errors", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		src, dlq := redriveEnv(t, e, "src", 1, false)
		dlqARN := e.arn(dlq)
		missingARN := dlqARN + "-missing"
		handle := base64.StdEncoding.EncodeToString([]byte(`{"taskId":"abc","sourceArn":"` + dlqARN + `"}`))
		unknownSource := base64.StdEncoding.EncodeToString([]byte(`{"taskId":"abc","sourceArn":"` + missingARN + `"}`))
		tests := []struct {
			name string
			call func() error
			code string
			msg  string
		}{
			{"source missing", func() error {
				_, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(missingARN)})
				return err
			}, "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist."},
			{"source not a dead-letter queue", func() error {
				_, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(e.arn(src)), DestinationArn: aws.String(dlqARN)})
				return err
			}, "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue."},
			{"destination missing", func() error {
				_, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), DestinationArn: aws.String(missingARN)})
				return err
			}, "ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist."},
			{"rate too high", func() error {
				_, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN), MaxNumberOfMessagesPerSecond: aws.Int32(501)})
				return err
			}, "InvalidParameterValue", "Value 501 for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500."},
			{"list with bad MaxResults", func() error {
				_, err := e.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN), MaxResults: aws.Int32(11)})
				return err
			}, "InvalidParameterValue", "Value 11 for parameter MaxResults is invalid. Reason: Must be between 1 and 10."},
			{"list unknown source", func() error {
				_, err := e.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(missingARN)})
				return err
			}, "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist."},
			{"cancel garbage handle", func() error {
				_, err := e.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String("foobared")})
				return err
			}, "InvalidParameterValue", "Value for parameter TaskHandle is invalid."},
			{"cancel unknown source", func() error {
				_, err := e.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String(unknownSource)})
				return err
			}, "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist."},
			{"cancel finished task", func() error {
				_, err := e.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String(handle)})
				return err
			}, "ResourceNotFoundException", "Task does not exist."},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s", diff)
				}
			})
		}
		out, err := e.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN)})
		if err != nil || out.Results == nil || len(out.Results) != 0 {
			t.Errorf("ListMessageMoveTasks with no tasks = %v, %v; want an empty list", out, err)
		}
	})
}
