package sqs_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
)

func TestFIFOGroupsAndOrder(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := aws.String(e.createQueue("orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "3600"}))
	send := func(body, group string) *sqs.SendMessageOutput {
		out, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(body), MessageGroupId: aws.String(group)})
		if err != nil {
			t.Fatalf("SendMessage(%s): %v", body, err)
		}
		return out
	}
	var seqs []string
	for _, m := range [][2]string{{"a1", "a"}, {"a2", "a"}, {"a3", "a"}, {"b1", "b"}} {
		seqs = append(seqs, aws.ToString(send(m[0], m[1]).SequenceNumber))
	}
	for i := 1; i < len(seqs); i++ {
		if len(seqs[i]) != 20 || seqs[i] <= seqs[i-1] {
			t.Errorf("sequence numbers %v are not increasing 20-digit strings", seqs)
			break
		}
	}
	first := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 2,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"MessageGroupId", "SequenceNumber", "MessageDeduplicationId"}})
	if diff := cmp.Diff([]string{"a1", "a2"}, bodies(first)); diff != "" {
		t.Fatalf("first receive mismatch (-want +got):\n%s", diff)
	}
	sum := sha256.Sum256([]byte("a1"))
	wantAttrs := map[string]string{"MessageGroupId": "a", "SequenceNumber": seqs[0], "MessageDeduplicationId": hex.EncodeToString(sum[:])}
	if diff := cmp.Diff(wantAttrs, first[0].Attributes); diff != "" {
		t.Errorf("FIFO attributes mismatch (-want +got):\n%s", diff)
	}
	// Group a has messages in flight, so a second consumer only sees group b.
	if diff := cmp.Diff([]string{"b1"}, bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10}))); diff != "" {
		t.Errorf("second consumer mismatch (-want +got):\n%s", diff)
	}
	for _, m := range first {
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatalf("DeleteMessage: %v", err)
		}
	}
	if diff := cmp.Diff([]string{"a3"}, bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10}))); diff != "" {
		t.Errorf("after deleting group a's batch mismatch (-want +got):\n%s", diff)
	}
}

func TestFIFODeduplication(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock})
	ctx := context.Background()
	explicit := aws.String(e.createQueue("explicit.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "3600"}))
	content := aws.String(e.createQueue("content.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}))
	send := func(url *string, body, group, dedup string) *sqs.SendMessageOutput {
		in := &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(body), MessageGroupId: aws.String(group)}
		if dedup != "" {
			in.MessageDeduplicationId = aws.String(dedup)
		}
		out, err := e.client.SendMessage(ctx, in)
		if err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
		return out
	}
	a := send(explicit, "msg1", "g1", "d1")
	b := send(explicit, "msg2", "g2", "d1") // same dedup ID, other body: still a duplicate
	send(explicit, "msg1", "g1", "d2")
	if aws.ToString(a.MessageId) != aws.ToString(b.MessageId) || aws.ToString(a.SequenceNumber) != aws.ToString(b.SequenceNumber) {
		t.Errorf("duplicate send returned %s/%s, want the original %s/%s", aws.ToString(b.MessageId), aws.ToString(b.SequenceNumber), aws.ToString(a.MessageId), aws.ToString(a.SequenceNumber))
	}
	send(content, "same", "g1", "")
	send(content, "same", "g2", "")
	send(content, "other", "g1", "")
	// An explicit ID equal to the content hash of an earlier body collides.
	sum := sha256.Sum256([]byte("other"))
	send(content, "third", "g3", hex.EncodeToString(sum[:]))
	got := [][]string{
		bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: explicit, MaxNumberOfMessages: 10})),
		bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: content, MaxNumberOfMessages: 10})),
	}
	if diff := cmp.Diff([][]string{{"msg1", "msg1"}, {"same", "other"}}, got); diff != "" {
		t.Errorf("deduplicated queues mismatch (-want +got):\n%s", diff)
	}
	clock.Advance(5*time.Minute + time.Second)
	send(explicit, "msg1-again", "g1", "d1")
	if got := e.attrs(*explicit)["ApproximateNumberOfMessagesNotVisible"]; got != "2" {
		t.Errorf("in flight = %s, want 2", got)
	}
	if got := e.attrs(*explicit)["ApproximateNumberOfMessages"]; got != "1" {
		t.Errorf("dedup ID reused after the window: %s visible, want 1", got)
	}
}

func TestFIFOValidation(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	url := aws.String(e.createQueue("strict.fifo", map[string]string{"FifoQueue": "true"}))
	tests := []struct {
		name string
		in   sqs.SendMessageInput
		code string
		msg  string
	}{
		{"no group", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d")}, "MissingParameter", "The request must contain the parameter MessageGroupId."},
		{"no deduplication", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageGroupId: aws.String("g")}, "InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"},
		{"per-message delay", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d"), DelaySeconds: 5}, "InvalidParameterValue", "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."},
		{"group with a space", sqs.SendMessageInput{MessageBody: aws.String("x"), MessageGroupId: aws.String("a b"), MessageDeduplicationId: aws.String("d")}, "InvalidParameterValue", "Value a b for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.QueueUrl = url
			_, err := e.client.SendMessage(ctx, &in)
			if diff := cmp.Diff([2]string{tc.code, tc.msg}, [2]string{errCode(err), errMessage(err)}); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("batch without group", func(t *testing.T) {
		_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: []types.SendMessageBatchRequestEntry{{Id: aws.String("a"), MessageBody: aws.String("x")}}})
		if code := errCode(err); code != "MissingParameter" {
			t.Errorf("code = %q, want MissingParameter", code)
		}
	})
	t.Run("batch with groups", func(t *testing.T) {
		out, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: []types.SendMessageBatchRequestEntry{
			{Id: aws.String("a"), MessageBody: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("1")},
			{Id: aws.String("b"), MessageBody: aws.String("y"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("2")},
		}})
		if err != nil {
			t.Fatalf("SendMessageBatch: %v", err)
		}
		if len(out.Successful) != 2 || aws.ToString(out.Successful[0].SequenceNumber) >= aws.ToString(out.Successful[1].SequenceNumber) {
			t.Errorf("batch results %+v: want two entries with increasing sequence numbers", out.Successful)
		}
	})
}
