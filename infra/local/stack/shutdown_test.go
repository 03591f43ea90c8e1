package stack_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/claimsdesk/backend/infra/local/runtime"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

const workerTemplate = `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    Timeout: 20
Resources:
  Work:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 120}
  Held:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 120}
  WorkerFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: go1.x}
    Properties:
      CodeUri: functions/worker
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Work.Arn, BatchSize: 1}}
        Held: {Type: SQS, Properties: {Queue: !GetAtt Held.Arn, BatchSize: 10, MaximumBatchingWindowInSeconds: 60}}
`

// workerSource handles SQS messages; "wait:<path>" waits until the file at
// path exists (the test decides when the invocation ends).
const workerSource = `package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev events.SQSEvent) error {
		for _, r := range ev.Records {
			fmt.Println("start " + r.Body)
			if path, ok := strings.CutPrefix(r.Body, "wait:"); ok {
				for {
					if _, err := os.Stat(path); err == nil {
						break
					}
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-time.After(20 * time.Millisecond):
					}
				}
			}
			fmt.Println("done " + r.Body)
		}
		return nil
	})
}
`

func counts(t *testing.T, s *stack.Stack, queue string) (visible, inFlight string) {
	t.Helper()
	out, err := s.Clients.SQS.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL(t, s, queue)),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"], out.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

func sendTo(t *testing.T, s *stack.Stack, queue, body string) {
	t.Helper()
	if _, err := s.Clients.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(queueURL(t, s, queue)), MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// TestGracefulShutdown: on Shutdown the stack stops its event sources (a
// batch still filling its batching window goes back to the queue at once,
// not after its 120 s visibility timeout), refuses new invocations, and
// waits for the invocation in flight, whose batch is then deleted; the
// function logs of the run survive the next start, rotated.
func TestGracefulShutdown(t *testing.T) {
	root := st.FixtureProject(t, map[string]string{
		"template.yaml":            workerTemplate,
		"functions/worker/main.go": workerSource,
	})
	state := t.TempDir()
	s := st.Start(t, st.WithRoot(root), st.WithStateDir(state), st.WithConfig(func(c *stack.Config) { c.NoAPI = true }))
	logPath := filepath.Join(state, "logs", "WorkerFunction.log")
	release := filepath.Join(t.TempDir(), "release")
	slow := "wait:" + release

	sendTo(t, s, "sam-app-Work", slow)
	st.Eventually(t, 30*time.Second, "the slow invocation started", func() bool { return strings.Contains(readFile(logPath), "start "+slow) })
	sendTo(t, s, "sam-app-Held", "held-1")
	st.Eventually(t, 30*time.Second, "held-1 received into a batch", func() bool { _, nv := counts(t, s, "sam-app-Held"); return nv == "1" })

	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.StopTimeout())
		defer cancel()
		stopped <- s.Shutdown(ctx)
	}()
	// No new invocation starts while the one in flight goes on.
	st.Eventually(t, 30*time.Second, "new invocations refused", func() bool {
		_, err := s.Invoke(context.Background(), "WorkerFunction", []byte(`{"Records":[]}`))
		return errors.Is(err, runtime.ErrClosed)
	})
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) while an invocation was in flight", err)
	default:
	}
	if strings.Contains(readFile(logPath), "done "+slow) {
		t.Fatal("the slow invocation ended before it was released")
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Shutdown did not return after the invocation in flight ended")
	}
	if !strings.Contains(readFile(logPath), "done "+slow) {
		t.Errorf("the invocation in flight did not finish:\n%s", readFile(logPath))
	}

	// The same state, no event sources: what the first run left behind.
	again := st.Start(t, st.WithRoot(root), st.WithStateDir(state), st.WithConfig(func(c *stack.Config) { c.NoAPI, c.NoEventSources = true, true }))
	if v, nv := counts(t, again, "sam-app-Work"); v != "0" || nv != "0" {
		t.Errorf("work queue after the stop: %s visible, %s in flight; want the handled message deleted", v, nv)
	}
	if v, nv := counts(t, again, "sam-app-Held"); v != "1" || nv != "0" {
		t.Errorf("held queue after the stop: %s visible, %s in flight; want held-1 back at once", v, nv)
	}
	// Logs: the first run's rotated to .1, this run's in the log itself.
	res, err := again.Invoke(context.Background(), "WorkerFunction", []byte(`{"Records":[{"body":"second run"}]}`))
	if err != nil || res.FunctionError != "" {
		t.Fatalf("invoke: %v %+v", err, res)
	}
	st.Eventually(t, 10*time.Second, "the second run's log", func() bool { return strings.Contains(readFile(logPath), "done second run") })
	if previous := readFile(logPath + ".1"); !strings.Contains(previous, "done "+slow) || strings.Contains(previous, "second run") {
		t.Errorf("rotated log:\n%s\nwant the first run's lines only", previous)
	}
	if strings.Contains(readFile(logPath), slow) {
		t.Errorf("the current log still holds the first run:\n%s", readFile(logPath))
	}
}
