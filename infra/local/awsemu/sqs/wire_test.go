package sqs_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"
)

// TestErrorWireFormat checks the raw error responses: status, the JSON body
// with a namespaced __type, and the x-amzn-query-error header that carries
// the legacy code.
func TestErrorWireFormat(t *testing.T) {
	e := newEnv(t, envConfig{})
	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		wantStatus int
		wantType   string
		wantHeader string
	}{
		{"missing queue", http.MethodPost, "AmazonSQS.GetQueueUrl", `{"QueueName":"nope"}`, 400,
			"com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender"},
		{"unknown operation", http.MethodPost, "AmazonSQS.AddPermission", `{}`, 400,
			"com.amazonaws.sqs#UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation;Sender"},
		{"other service", http.MethodPost, "DynamoDB_20120810.ListTables", `{}`, 400,
			"com.amazonaws.sqs#UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation;Sender"},
		{"malformed JSON", http.MethodPost, "AmazonSQS.CreateQueue", `{"QueueName":`, 400,
			"com.amazonaws.sqs#SerializationException", "SerializationException;Sender"},
		{"wrong method", http.MethodGet, "AmazonSQS.ListQueues", ``, 405,
			"com.amazonaws.sqs#UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation;Sender"},
		{"missing parameter", http.MethodPost, "AmazonSQS.CreateQueue", `{}`, 400,
			"com.amazonaws.sqs#MissingParameter", "MissingParameter;Sender"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.http.URL+"/", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", tc.target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var body map[string]string
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("error body %q is not JSON: %v", raw, err)
			}
			got := []any{resp.StatusCode, body["__type"], resp.Header.Get("x-amzn-query-error"), body["message"] != "", resp.Header.Get("x-amzn-RequestId") != ""}
			want := []any{tc.wantStatus, tc.wantType, tc.wantHeader, true, true}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error response mismatch (-want +got):\n%s\nbody: %s", diff, raw)
			}
		})
	}
}

func TestStats(t *testing.T) {
	e := newEnv(t, envConfig{})
	url := e.createQueue("stats", nil)
	e.send(url, "a")
	e.send(url, "b")
	e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	_, _ = e.client.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
	want := map[string]int64{"CreateQueue": 1, "SendMessage": 2, "ReceiveMessage": 1, "GetQueueUrl": 1}
	if diff := cmp.Diff(want, e.srv.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}
