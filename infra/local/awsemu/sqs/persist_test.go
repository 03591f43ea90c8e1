package sqs_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	emu "github.com/claimsdesk/backend/infra/local/awsemu/sqs"
)

// populate creates the state the persistence tests expect to survive: a
// tagged queue with a dead-letter queue, three messages of which one is in
// flight, and a FIFO queue with one deduplicated message.
func populate(t *testing.T, e *env) (inflightID string) {
	t.Helper()
	ctx := context.Background()
	dlq := e.createQueue("work-dlq", nil)
	out, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String("work"),
		Attributes: map[string]string{
			"VisibilityTimeout": "60",
			"RedrivePolicy":     `{"deadLetterTargetArn":"` + e.arn(dlq) + `","maxReceiveCount":5}`,
		},
		Tags: map[string]string{"team": "claims"},
	})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	url := out.QueueUrl
	for i := 1; i <= 3; i++ {
		if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl: url, MessageBody: aws.String(fmt.Sprint("m", i)),
			MessageAttributes: map[string]types.MessageAttributeValue{"n": strAttr("Number", fmt.Sprint(i))},
		}); err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
	}
	got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url})
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	fifo := e.createQueue("events.fifo", map[string]string{"FifoQueue": "true"})
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(fifo), MessageBody: aws.String("e1"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("once")}); err != nil {
		t.Fatalf("SendMessage fifo: %v", err)
	}
	return aws.ToString(got[0].MessageId)
}

// checkRestored verifies the state populate left, after a restart.
func checkRestored(t *testing.T, e *env, inflightID string) {
	t.Helper()
	ctx := context.Background()
	qs, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatalf("ListQueues: %v", err)
	}
	base := e.http.URL + "/" + testAccount + "/"
	if diff := cmp.Diff([]string{base + "work-dlq", base + "work", base + "events.fifo"}, qs.QueueUrls); diff != "" {
		t.Errorf("queues after restart mismatch (-want +got):\n%s", diff)
	}
	url := base + "work"
	attrs := e.attrs(url, "VisibilityTimeout", "RedrivePolicy", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
	want := map[string]string{
		"VisibilityTimeout":                     "60",
		"RedrivePolicy":                         `{"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:work-dlq","maxReceiveCount":5}`,
		"ApproximateNumberOfMessages":           "2",
		"ApproximateNumberOfMessagesNotVisible": "1",
	}
	if diff := cmp.Diff(want, attrs); diff != "" {
		t.Errorf("attributes after restart mismatch (-want +got):\n%s", diff)
	}
	tags, err := e.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil || tags.Tags["team"] != "claims" {
		t.Errorf("tags after restart = %v (err %v), want team=claims", tags, err)
	}
	visible := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
	if diff := cmp.Diff([]string{"m2", "m3"}, bodies(visible)); diff != "" {
		t.Errorf("visible after restart mismatch (-want +got):\n%s", diff)
	}
	e.clock.Advance(61 * time.Second)
	back := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	var got []string
	for _, m := range back {
		got = append(got, aws.ToString(m.MessageId)+"/"+m.Attributes["ApproximateReceiveCount"])
	}
	// The message in flight at restart comes back once its timeout passes,
	// with its receive count intact; m2 and m3 were received once above.
	if len(got) == 0 || got[0] != inflightID+"/2" {
		t.Errorf("after the timeout got %v, want %s/2 first", got, inflightID)
	}
	fifo := aws.String(base + "events.fifo")
	dup, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: fifo, MessageBody: aws.String("e1"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("once")})
	if err != nil {
		t.Fatalf("SendMessage fifo: %v", err)
	}
	if diff := cmp.Diff([]string{"e1"}, bodies(e.receive(&sqs.ReceiveMessageInput{QueueUrl: fifo, MaxNumberOfMessages: 10}))); diff != "" {
		t.Errorf("fifo after restart mismatch (-want +got):\n%s (duplicate got id %s)", diff, aws.ToString(dup.MessageId))
	}
}

func TestPersistenceAcrossCloseAndNew(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	first := newEnv(t, envConfig{clock: clock, dir: dir})
	inflight := populate(t, first)
	if err := first.srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	second := newEnv(t, envConfig{clock: clock, dir: dir})
	checkRestored(t, second, inflight)
}

// TestCrashHelper is not a test on its own: TestPersistenceAfterKill runs the
// test binary again with only this function, lets it populate a directory,
// and kills it with SIGKILL.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv("SQS_CRASH_HELPER_DIR")
	if dir == "" {
		t.Skip("runs only as the child process of TestPersistenceAfterKill")
	}
	clock := newFakeClock()
	srv, err := emu.New(emu.Config{Dir: dir, Region: testRegion, AccountID: testAccount, Now: clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(srv)
	e := &env{t: t, srv: srv, http: ts, client: newClient(ts.URL), clock: clock}
	id := populate(t, e)
	fmt.Printf("READY %s\n", id)
	time.Sleep(time.Minute) // killed long before this ends
}

func TestPersistenceAfterKill(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "SQS_CRASH_HELPER_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("StdoutPipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	inflight := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
			inflight = id
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill helper: %v", err)
	}
	_ = cmd.Wait()
	if inflight == "" {
		t.Fatalf("helper never became ready")
	}
	// A write torn by the crash: a record cut off mid-line.
	f, err := os.OpenFile(filepath.Join(dir, "sqs.log"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("open log: %v", err)
	}
	if _, err := f.WriteString(`0badc0de {"op":"msg","name":"work","msg":{"id":"torn","bo`); err != nil {
		t.Fatalf("append torn record: %v", err)
	}
	f.Close()

	clock := newFakeClock()
	e := newEnv(t, envConfig{clock: clock, dir: dir})
	checkRestored(t, e, inflight)
}

func TestPersistenceIgnoresCorruptRecord(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	first := newEnv(t, envConfig{clock: clock, dir: dir})
	url := first.createQueue("kept", nil)
	first.send(url, "before")
	if err := first.srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// A complete line whose checksum does not match, then a valid-looking
	// tail: replay stops at the first bad record.
	f, err := os.OpenFile(filepath.Join(dir, "sqs.log"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("open log: %v", err)
	}
	fmt.Fprintf(f, "00000000 {\"op\":\"queue-del\",\"name\":\"kept\"}\n")
	f.Close()
	second := newEnv(t, envConfig{clock: clock, dir: dir})
	if diff := cmp.Diff([]string{"before"}, bodies(second.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(second.http.URL + "/" + testAccount + "/kept")}))); diff != "" {
		t.Errorf("after corrupt record mismatch (-want +got):\n%s", diff)
	}
}

func TestNewFailsOnUnusableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.New(emu.Config{Dir: file}); err == nil {
		t.Errorf("New with a file as Dir succeeded, want an error")
	}
}
