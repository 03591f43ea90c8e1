package sqs_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	emu "github.com/claimsdesk/backend/infra/local/awsemu/sqs"
)

const (
	testRegion  = "eu-central-1"
	testAccount = "123456789012"
)

// fakeClock is a settable clock for visibility, delay and retention tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a running emulator with a real SDK client pointed at it.
type env struct {
	t      *testing.T
	srv    *emu.Server
	http   *httptest.Server
	client *sqs.Client
	clock  *fakeClock
}

// envConfig selects an optional fake clock and persistence directory.
type envConfig struct {
	clock *fakeClock
	dir   string
}

func newEnv(t *testing.T, ec envConfig) *env {
	t.Helper()
	cfg := emu.Config{Region: testRegion, AccountID: testAccount, Dir: ec.dir}
	if ec.clock != nil {
		cfg.Now = ec.clock.Now
	}
	srv, err := emu.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e := &env{t: t, srv: srv, clock: ec.clock}
	e.http = httptest.NewServer(srv)
	e.client = newClient(e.http.URL)
	t.Cleanup(func() {
		e.http.Close()
		_ = srv.Close()
	})
	return e
}

// newClient builds the SDK client exactly as the application would, with
// static credentials and the message checksum validation left on.
func newClient(url string) *sqs.Client {
	return sqs.NewFromConfig(aws.Config{
		Region:      testRegion,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	}, func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(url)
	})
}

func (e *env) createQueue(name string, attrs map[string]string) string {
	e.t.Helper()
	out, err := e.client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		e.t.Fatalf("CreateQueue(%s): %v", name, err)
	}
	return aws.ToString(out.QueueUrl)
}

func (e *env) send(url, body string) string {
	e.t.Helper()
	out, err := e.client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)})
	if err != nil {
		e.t.Fatalf("SendMessage: %v", err)
	}
	return aws.ToString(out.MessageId)
}

func (e *env) receive(in *sqs.ReceiveMessageInput) []types.Message {
	e.t.Helper()
	out, err := e.client.ReceiveMessage(context.Background(), in)
	if err != nil {
		e.t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

func (e *env) attrs(url string, names ...types.QueueAttributeName) map[string]string {
	e.t.Helper()
	if len(names) == 0 {
		names = []types.QueueAttributeName{types.QueueAttributeNameAll}
	}
	out, err := e.client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: names})
	if err != nil {
		e.t.Fatalf("GetQueueAttributes: %v", err)
	}
	return out.Attributes
}

func (e *env) arn(url string) string {
	e.t.Helper()
	return e.attrs(url, types.QueueAttributeNameQueueArn)["QueueArn"]
}

// apiError is what every SDK error exposes; a local interface keeps smithy
// out of the test's imports.
type apiError interface {
	ErrorCode() string
	ErrorMessage() string
}

// errCode returns the code the SDK reports for err, or "" when it is not an
// API error.
func errCode(err error) string {
	var ae apiError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func errMessage(err error) string {
	var ae apiError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

func bodies(msgs []types.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = aws.ToString(m.Body)
	}
	return out
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
