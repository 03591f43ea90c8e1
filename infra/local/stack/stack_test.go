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
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/claimsdesk/backend/infra/local/awsemu/ses"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

func TestProjectStackEndToEnd(t *testing.T) {
	s := st.Start(t)

	t.Run("public route", func(t *testing.T) {
		res := st.Do(t, "GET", s.APIURL+"/health", "", nil)
		var body struct {
			Status string `json:"status"`
		}
		res.JSON(t, &body)
		if res.Status != 200 || body.Status != "ok" {
			t.Errorf("GET /health = %d %s", res.Status, res.Body)
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
			{"tampered", st.Token(t, s, "managers") + "x", 401},
			{"manager", st.Token(t, s, "managers"), 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := st.Do(t, "GET", s.APIURL+"/v1/me", tt.token, nil)
				if res.Status != tt.want {
					t.Fatalf("status = %d (%s), want %d", res.Status, res.Body, tt.want)
				}
				if tt.want == 401 && string(res.Body) != `{"message":"Unauthorized"}` {
					t.Errorf("body = %s", res.Body)
				}
			})
		}
		var me struct {
			UserID   string   `json:"userId"`
			Roles    []string `json:"roles"`
			DealerID string   `json:"dealerId"`
		}
		st.Do(t, "GET", s.APIURL+"/v1/me", st.Token(t, s, "dealers"), nil).JSON(t, &me)
		if me.UserID != "dealer-1" || len(me.Roles) != 1 || me.Roles[0] != "dealers" || me.DealerID != "DLR-001" {
			t.Errorf("dealer principal = %+v", me)
		}
	})

	t.Run("unknown route", func(t *testing.T) {
		res := st.Do(t, "GET", s.APIURL+"/nope", "", nil)
		if res.Status != 404 || string(res.Body) != `{"message":"Not Found"}` {
			t.Errorf("GET /nope = %d %s", res.Status, res.Body)
		}
	})

	t.Run("queue to notifier to outbox", func(t *testing.T) {
		url := queueURL(t, s, "claims-NotificationsQueue")
		msg := `{"id":"n-1","kind":"email","mail":{"to":["customer@example.com"],"subject":"Рекламация принята","text":"Номер RC-2026-000001"}}`
		sent := time.Now()
		if _, err := s.Clients.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(msg)}); err != nil {
			t.Fatal(err)
		}
		var mails []ses.Mail
		st.Eventually(t, 5*time.Second, "the mail in the outbox", func() bool {
			mails, _ = ses.ReadOutbox(s.OutboxDir)
			return len(mails) == 1
		})
		t.Logf("queue to outbox in %s", time.Since(sent).Round(time.Millisecond))
		m := mails[0]
		if m.Subject != "Рекламация принята" || len(m.To) != 1 || m.To[0] != "customer@example.com" || !strings.Contains(m.Text, "RC-2026-000001") || m.From != "claims@claimsdesk.example" {
			t.Errorf("mail = %+v", m)
		}
	})

	t.Run("lambda invoke api", func(t *testing.T) {
		event, err := os.ReadFile(filepath.Join(st.ModuleRoot(t), "events", "PublicFunction.json"))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", s.ServicesURL+"/2015-03-31/functions/PublicFunction/invocations", strings.NewReader(string(event)))
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
		if res.StatusCode != 200 || out.StatusCode != 200 || !strings.Contains(out.Body, `"ok"`) {
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
		pool := s.Pool("NotifierFunction")
		env := strings.Join(pool.Config().Env, "\n")
		for _, want := range []string{
			"AWS_LAMBDA_FUNCTION_NAME=claims-NotifierFunction", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
			"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=INFO", "TABLE_NAME=claims-Table",
			"MAIL_FROM=claims@claimsdesk.example", "AWS_REGION=eu-central-1", "TZ=:UTC", "_HANDLER=bootstrap",
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

func TestStateSurvivesRestart(t *testing.T) {
	state := t.TempDir()
	put := func(s *stack.Stack) {
		_, err := s.Clients.DynamoDB.PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String("claims-Table"),
			Item: map[string]ddbtypes.AttributeValue{
				"PK": &ddbtypes.AttributeValueMemberS{Value: "T#1"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "T#1"},
				"v": &ddbtypes.AttributeValueMemberS{Value: "kept"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		url := queueURL(t, s, "claims-NotificationsDeadLetterQueue")
		if _, err := s.Clients.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("kept too")}); err != nil {
			t.Fatal(err)
		}
	}
	first := st.Start(t, st.WithStateDir(state), st.WithConfig(func(c *stack.Config) { c.NoEventSources = true }))
	put(first)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := st.Start(t, st.WithStateDir(state))
	got, err := second.Clients.DynamoDB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String("claims-Table"),
		Key:       map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "T#1"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "T#1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Item["v"].(*ddbtypes.AttributeValueMemberS); !ok || v.Value != "kept" {
		t.Errorf("item after restart = %v", got.Item)
	}
	msgs, err := second.Clients.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL(t, second, "claims-NotificationsDeadLetterQueue"))})
	if err != nil || len(msgs.Messages) != 1 || aws.ToString(msgs.Messages[0].Body) != "kept too" {
		t.Errorf("queue after restart: %v %v", msgs, err)
	}
}

const fixtureTemplate = `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    Timeout: 3
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

func TestRebuildOnChangeKeepsRequestsInFlight(t *testing.T) {
	root := st.FixtureProject(t, map[string]string{
		"template.yaml":             fixtureTemplate,
		"functions/hello/main.go":   helloSource("v1"),
		"shared/placeholder/doc.go": "package placeholder\n",
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
	st.WriteFile(t, filepath.Join(root, "functions/hello/main.go"), helloSource("v2"))
	st.Eventually(t, 60*time.Second, "the rebuilt function", func() bool {
		return string(st.Do(t, "GET", s.APIURL+"/hello", "", nil).Body) == "v2"
	})
	wg.Wait()
	if slow.Status != 200 || string(slow.Body) != "v1" {
		t.Errorf("request in flight during the swap = %d %s, want 200 v1", slow.Status, slow.Body)
	}
}
