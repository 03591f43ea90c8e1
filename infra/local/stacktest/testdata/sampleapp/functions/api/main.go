// Command api is the guestbook's HTTP API: GET /hello (public), GET /me (the
// caller's token claims, as the JWT authorizer passed them), POST /entries
// (an entry, queued for the worker) and GET /entries/{id} (a stored entry).
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

type api struct {
	queue     *sqs.Client
	table     *dynamodb.Client
	queueURL  string
	tableName string
	greeting  string
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("aws config: %v", err)
	}
	a := &api{
		queue: sqs.NewFromConfig(cfg), table: dynamodb.NewFromConfig(cfg),
		queueURL: os.Getenv("QUEUE_URL"), tableName: os.Getenv("TABLE_NAME"), greeting: os.Getenv("GREETING"),
	}
	lambda.Start(a.handle)
}

func (a *api) handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	switch ev.RouteKey {
	case "GET /hello":
		return reply(200, map[string]string{"message": a.greeting})
	case "GET /me":
		return reply(200, ev.RequestContext.Authorizer.JWT.Claims)
	case "POST /entries":
		return a.sign(ctx, ev)
	case "GET /entries/{id}":
		return a.read(ctx, ev.PathParameters["id"])
	}
	return reply(404, map[string]string{"message": "no such route"})
}

// entry is what the worker gets and stores.
type entry struct {
	ID   string `json:"id"`
	By   string `json:"by"`
	Text string `json:"text"`
}

func (a *api) sign(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var body struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(ev.Body), &body); err != nil {
		return reply(400, map[string]string{"field": "body", "message": "not JSON"})
	}
	if strings.TrimSpace(body.Text) == "" {
		return reply(400, map[string]string{"field": "text", "message": "required"})
	}
	e := entry{ID: ev.RequestContext.RequestID, By: ev.RequestContext.Authorizer.JWT.Claims["cognito:username"], Text: body.Text}
	msg, _ := json.Marshal(e)
	if _, err := a.queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(a.queueURL), MessageBody: aws.String(string(msg))}); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return reply(202, map[string]string{"id": e.ID})
}

func (a *api) read(ctx context.Context, id string) (events.APIGatewayV2HTTPResponse, error) {
	out, err := a.table.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(a.tableName),
		Key:       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "ENTRY#" + id}, "SK": &types.AttributeValueMemberS{Value: "ENTRY"}},
	})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if out.Item == nil {
		return reply(404, map[string]string{"message": "no such entry"})
	}
	str := func(name string) string {
		if v, ok := out.Item[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	return reply(200, entry{ID: id, By: str("by"), Text: str("text")})
}

func reply(status int, v any) (events.APIGatewayV2HTTPResponse, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{"content-type": "application/json"}, Body: string(body)}, nil
}
