package stack_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// sample starts the local stack's sample application with its test profile.
func sample(t *testing.T, opts ...st.Option) *stack.Stack {
	t.Helper()
	return st.Start(t, append([]st.Option{st.WithRoot(st.SampleApp(t)), st.WithTestSettings()}, opts...)...)
}

// claimsOf decodes a token's payload.
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestSampleAppEndToEnd runs the sample application as a user would: its
// public and signed-in routes through the JWT authorizer with the claims
// arriving in the event, an entry through the queue to the worker, the
// table and the mail outbox, a refused entry through the partial batch
// response to the dead-letter queue, the schedule, the Lambda Invoke API,
// and what the functions' environment holds (the test profile included).
func TestSampleAppEndToEnd(t *testing.T) {
	clock := st.NewManualClock(time.Now())
	s := sample(t, st.WithConfig(func(c *stack.Config) { c.Clock = clock }))
	guest := st.Token(t, s, "guests")

	t.Run("public route", func(t *testing.T) {
		res := st.Do(t, "GET", s.APIURL+"/hello", "", nil)
		var body struct {
			Message string `json:"message"`
		}
		res.JSON(t, &body)
		if res.Status != 200 || body.Message != "hello from the test profile" {
			t.Errorf("GET /hello = %d %s, want the test profile's greeting", res.Status, res.Body)
		}
		if res.Header.Get("Apigw-Requestid") == "" {
			t.Errorf("no apigw-requestid header: %v", res.Header)
		}
	})

	t.Run("jwt route", func(t *testing.T) {
		tests := []struct {
			name, token string
			want        int
		}{
			{"no token", "", 401},
			{"tampered", guest + "x", 401},
			{"guest", guest, 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := st.Do(t, "GET", s.APIURL+"/me", tt.token, nil)
				if res.Status != tt.want {
					t.Fatalf("status = %d (%s), want %d", res.Status, res.Body, tt.want)
				}
				if tt.want == 401 && string(res.Body) != `{"message":"Unauthorized"}` {
					t.Errorf("body = %s", res.Body)
				}
			})
		}
	})

	t.Run("claims in the event", func(t *testing.T) {
		twelve, err := s.Token(stack.TokenRequest{Role: "guests", User: "guest-12", Claims: map[string]string{"table": "12"}, TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, token string
			want        map[string]string
		}{
			{"the group's demo user", guest, map[string]string{"sub": "guest-1", "cognito:username": "guest-1", "cognito:groups": "[guests]",
				"email": "guest-1@guestbook.example", "email_verified": "true", "custom:table_no": "7", "token_use": "id"}},
			{"a demo user in two groups", st.Token(t, s, "hosts"), map[string]string{"sub": "host-1", "cognito:groups": "[hosts guests]", "email": "host-1@guestbook.example"}},
			{"a claim by its short name", twelve, map[string]string{"sub": "guest-12", "cognito:groups": "[guests]", "email": "guest-12@users.example", "custom:table_no": "12"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var claims map[string]string
				st.Do(t, "GET", s.APIURL+"/me", tt.token, nil).JSON(t, &claims)
				got := map[string]string{}
				for k := range tt.want {
					if v, ok := claims[k]; ok {
						got[k] = v
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("claims mismatch (-want +got):\n%s", diff)
				}
				if tt.want["custom:table_no"] == "" {
					if v, ok := claims["custom:table_no"]; ok {
						t.Errorf("custom:table_no = %q, want none", v)
					}
				}
				if claims["aud"] != s.Model.UserPools[0].Clients[0] || claims["iss"] != s.Model.UserPools[0].Issuer {
					t.Errorf("aud %s iss %s, want the user pool's", claims["aud"], claims["iss"])
				}
			})
		}
	})

	t.Run("entry through the queue", func(t *testing.T) {
		var signed struct {
			ID string `json:"id"`
		}
		res := st.Do(t, "POST", s.APIURL+"/entries", guest, map[string]string{"text": "A lovely evening."})
		res.JSON(t, &signed)
		if res.Status != 202 || signed.ID == "" {
			t.Fatalf("POST /entries = %d %s", res.Status, res.Body)
		}
		var stored struct{ ID, By, Text string }
		st.Eventually(t, 10*time.Second, "the worker to store the entry", func() bool {
			r := st.Do(t, "GET", s.APIURL+"/entries/"+signed.ID, guest, nil)
			if r.Status != 200 {
				return false
			}
			r.JSON(t, &stored)
			return true
		})
		if stored.By != "guest-1" || stored.Text != "A lovely evening." {
			t.Errorf("stored entry = %+v", stored)
		}
		var mails []ses.Mail
		st.Eventually(t, 5*time.Second, "the mail in the outbox", func() bool {
			mails, _ = ses.ReadOutbox(s.OutboxDir)
			return len(mails) == 1
		})
		m := mails[0]
		if m.Subject != "New entry by guest-1" || len(m.To) != 1 || m.To[0] != "test-host@guestbook.example" || m.From != "book@guestbook.example" || !strings.Contains(m.Text, "A lovely evening.") {
			t.Errorf("mail = %+v", m)
		}
		if bad := st.Do(t, "POST", s.APIURL+"/entries", guest, map[string]string{"text": " "}); bad.Status != 400 || !strings.Contains(string(bad.Body), `"field":"text"`) {
			t.Errorf("empty entry = %d %s, want 400 naming text", bad.Status, bad.Body)
		}
	})

	t.Run("entry through the topic", func(t *testing.T) {
		publishEntry(t, s, "topic-skipped", "other.kind")
		publishEntry(t, s, "topic-1", "entry.signed")
		st.Eventually(t, 10*time.Second, "the worker to store the entry published to the topic", func() bool {
			return st.Do(t, "GET", s.APIURL+"/entries/topic-1", guest, nil).Status == 200
		})
		if r := st.Do(t, "GET", s.APIURL+"/entries/topic-skipped", guest, nil); r.Status != 404 {
			t.Errorf("an entry the filter policy refuses was stored: %d %s", r.Status, r.Body)
		}
	})

	t.Run("refused entry to the dead-letter queue", func(t *testing.T) {
		var signed struct {
			ID string `json:"id"`
		}
		st.Do(t, "POST", s.APIURL+"/entries", guest, map[string]string{"text": "reject this one"}).JSON(t, &signed)
		dlq := queueURL(t, s, "guestbook-EntriesDeadLetterQueue")
		var got []sqstypes.Message
		st.Eventually(t, 30*time.Second, "the refused entry in the dead-letter queue", func() bool {
			out, err := s.Clients.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq)})
			if err != nil {
				t.Fatal(err)
			}
			got = out.Messages
			return len(got) == 1
		})
		if !strings.Contains(aws.ToString(got[0].Body), signed.ID) || !strings.Contains(aws.ToString(got[0].Body), "reject this one") {
			t.Errorf("dead letter = %s, want entry %s", aws.ToString(got[0].Body), signed.ID)
		}
		// The worker had it twice (maxReceiveCount 2) before it moved.
		log := readFile(filepath.Join(filepath.Dir(s.OutboxDir), "logs", "WorkerFunction.log"))
		if n := strings.Count(log, "entry "+aws.ToString(got[0].MessageId)+" refused"); n != 2 {
			t.Errorf("the worker refused the entry %d times, want 2 (the queue's maxReceiveCount)", n)
		}
		if r := st.Do(t, "GET", s.APIURL+"/entries/"+signed.ID, guest, nil); r.Status != 404 {
			t.Errorf("refused entry stored: %d %s", r.Status, r.Body)
		}
		if visible, inFlight := counts(t, s, "guestbook-EntriesQueue"); visible != "0" || inFlight != "0" {
			t.Errorf("entries queue holds %s visible, %s in flight; want it empty", visible, inFlight)
		}
	})

	t.Run("schedule fires", func(t *testing.T) {
		st.Eventually(t, 5*time.Second, "the schedule waiting for its time", func() bool { return clock.Waiting() > 0 })
		clock.Advance(time.Hour)
		var items []map[string]ddbtypes.AttributeValue
		st.Eventually(t, 10*time.Second, "the digest's record", func() bool {
			out, err := s.Clients.DynamoDB.Query(context.Background(), &dynamodb.QueryInput{
				TableName: aws.String("guestbook-Table"), KeyConditionExpression: aws.String("PK = :pk"),
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": &ddbtypes.AttributeValueMemberS{Value: "DIGEST"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			items = out.Items
			return len(items) > 0
		})
		if len(items) != 1 {
			t.Errorf("%d digest runs after an hour of rate(1 hour), want 1", len(items))
		}
		if in, _ := items[0]["input"].(*ddbtypes.AttributeValueMemberS); in == nil || in.Value != `{"digest":"hourly"}` {
			t.Errorf("digest input = %v, want the schedule's Input verbatim", items[0]["input"])
		}
	})

	t.Run("lambda invoke api", func(t *testing.T) {
		event, err := os.ReadFile(filepath.Join(st.SampleApp(t), "events", "ApiFunction.json"))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", s.ServicesURL+"/2015-03-31/functions/ApiFunction/invocations", strings.NewReader(string(event)))
		req.Header.Set("X-Amz-Log-Type", "Tail")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 || out.StatusCode != 200 || out.Body != `{"message":"hello from the test profile"}` {
			t.Errorf("invoke = %d %+v", res.StatusCode, out)
		}
		logs, _ := base64.StdEncoding.DecodeString(res.Header.Get("X-Amz-Log-Result"))
		if !strings.Contains(string(logs), "REPORT RequestId") && !strings.Contains(string(logs), "platform.report") {
			t.Errorf("log tail has no report line: %s", logs)
		}
		missing, _ := http.Post(s.ServicesURL+"/2015-03-31/functions/Nope/invocations", "application/json", strings.NewReader("{}"))
		if missing.StatusCode != 404 || missing.Header.Get("X-Amzn-Errortype") != "ResourceNotFoundException" {
			t.Errorf("unknown function: %d %v", missing.StatusCode, missing.Header)
		}
	})

	t.Run("function environment", func(t *testing.T) {
		pool := s.Pool("WorkerFunction")
		env := strings.Join(pool.Config().Env, "\n")
		for _, want := range []string{
			"AWS_LAMBDA_FUNCTION_NAME=guestbook-WorkerFunction", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
			"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=INFO", "TABLE_NAME=guestbook-Table",
			"MAIL_FROM=book@guestbook.example", "HOST_EMAIL=test-host@guestbook.example", "AWS_REGION=eu-central-1", "TZ=:UTC", "_HANDLER=bootstrap",
			"AWS_ENDPOINT_URL_DYNAMODB=" + s.ServicesURL,
		} {
			if !strings.Contains(env, want+"\n") && !strings.HasSuffix(env, want) {
				t.Errorf("environment lacks %s", want)
			}
		}
	})
}

func queueURL(t *testing.T, s *stack.Stack, name string) string {
	t.Helper()
	out, err := s.Clients.SQS.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

// publishEntry publishes an entry to the sample application's topic with a
// `kind` message attribute, which its queue's subscription filters on.
func publishEntry(t *testing.T, s *stack.Stack, id, kind string) {
	t.Helper()
	topics, err := s.Clients.SNS.ListTopics(context.Background(), &sns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := ""
	for _, tp := range topics.Topics {
		if strings.HasSuffix(aws.ToString(tp.TopicArn), ":guestbook-EntriesTopic") {
			arn = aws.ToString(tp.TopicArn)
		}
	}
	body, _ := json.Marshal(map[string]string{"id": id, "by": "topic", "text": "Through SNS."})
	if _, err := s.Clients.SNS.Publish(context.Background(), &sns.PublishInput{
		TopicArn: aws.String(arn), Message: aws.String(string(body)),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String(kind)}},
	}); err != nil {
		t.Fatalf("publish to %q: %v", arn, err)
	}
}

// TestStateSurvivesRestart: a table's items and a queue's messages are there
// after the stack stops and starts again on the same state.
func TestStateSurvivesRestart(t *testing.T) {
	state := t.TempDir()
	put := func(s *stack.Stack) {
		_, err := s.Clients.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String("guestbook-Table"),
			Item: map[string]ddbtypes.AttributeValue{
				"PK": &ddbtypes.AttributeValueMemberS{Value: "T#1"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "T#1"},
				"v": &ddbtypes.AttributeValueMemberS{Value: "kept"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		url := queueURL(t, s, "guestbook-EntriesDeadLetterQueue")
		if _, err := s.Clients.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("kept too")}); err != nil {
			t.Fatal(err)
		}
	}
	first := sample(t, st.WithStateDir(state), st.WithConfig(func(c *stack.Config) { c.NoEventSources = true }))
	put(first)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := sample(t, st.WithStateDir(state))
	got, err := second.Clients.DynamoDB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String("guestbook-Table"),
		Key:       map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "T#1"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "T#1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Item["v"].(*ddbtypes.AttributeValueMemberS); !ok || v.Value != "kept" {
		t.Errorf("item after restart = %v", got.Item)
	}
	msgs, err := second.Clients.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL(t, second, "guestbook-EntriesDeadLetterQueue"))})
	if err != nil || len(msgs.Messages) != 1 || aws.ToString(msgs.Messages[0].Body) != "kept too" {
		t.Errorf("queue after restart: %v %v", msgs, err)
	}
}

// fixtureTemplate builds its function from the whole project (CodeUri .),
// so its local configuration names the package.
const fixtureTemplate = `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    Timeout: 3
    CodeUri: .
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  HelloFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: makefile}
    Properties:
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /hello, Method: GET}}
`

func helloSource(version string) string {
	return `package main

import (
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if ev.RawQueryString == "slow" {
			time.Sleep(800 * time.Millisecond)
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "` + version + `"}, nil
	})
}
`
}

// TestRebuildOnChangeKeepsRequestsInFlight: an edit of a function's source
// is built and swapped in while the stack runs; the request in flight
// finishes on the old build.
func TestRebuildOnChangeKeepsRequestsInFlight(t *testing.T) {
	root := st.FixtureProject(t, map[string]string{
		"template.yaml":     fixtureTemplate,
		"local-stack.yaml":  "functions:\n  HelloFunction: cmd/hello\n",
		"cmd/hello/main.go": helloSource("v1"),
	})
	s := st.Start(t, st.WithRoot(root), st.WithConfig(func(c *stack.Config) { c.Watch = true }))
	if res := st.Do(t, "GET", s.APIURL+"/hello", "", nil); string(res.Body) != "v1" {
		t.Fatalf("GET /hello = %d %s", res.Status, res.Body)
	}
	var wg sync.WaitGroup
	var slow *st.Response
	wg.Add(1)
	go func() {
		defer wg.Done()
		slow = st.Do(t, "GET", s.APIURL+"/hello?slow", "", nil)
	}()
	time.Sleep(200 * time.Millisecond)
	st.WriteFile(t, filepath.Join(root, "cmd/hello/main.go"), helloSource("v2"))
	st.Eventually(t, 60*time.Second, "the rebuilt function", func() bool {
		return string(st.Do(t, "GET", s.APIURL+"/hello", "", nil).Body) == "v2"
	})
	wg.Wait()
	if slow.Status != 200 || string(slow.Body) != "v1" {
		t.Errorf("request in flight during the swap = %d %s, want 200 v1", slow.Status, slow.Body)
	}
}
