// Command worker takes the guestbook's entries off the queue: it stores each
// one and mails the host. An entry whose text starts with "reject" is
// refused, alone, through a partial batch response; after the queue's
// maxReceiveCount receives it waits in the dead-letter queue.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

type worker struct {
	table     *dynamodb.Client
	mail      *sesv2.Client
	tableName string
	host      string
	from      string
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("aws config: %v", err)
	}
	w := &worker{table: dynamodb.NewFromConfig(cfg), mail: sesv2.NewFromConfig(cfg),
		tableName: os.Getenv("TABLE_NAME"), host: os.Getenv("HOST_EMAIL"), from: os.Getenv("MAIL_FROM")}
	lambda.Start(w.handle)
}

type entry struct {
	ID   string `json:"id"`
	By   string `json:"by"`
	Text string `json:"text"`
}

func (w *worker) handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		if err := w.take(ctx, r.Body); err != nil {
			fmt.Printf("entry %s refused: %v\n", r.MessageId, err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp, nil
}

func (w *worker) take(ctx context.Context, body string) error {
	var e entry
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if strings.HasPrefix(e.Text, "reject") {
		return fmt.Errorf("the text asks to be rejected")
	}
	_, err := w.table.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(w.tableName), Item: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "ENTRY#" + e.ID}, "SK": &types.AttributeValueMemberS{Value: "ENTRY"},
		"by": &types.AttributeValueMemberS{Value: e.By}, "text": &types.AttributeValueMemberS{Value: e.Text},
	}})
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	_, err = w.mail.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(w.from),
		Destination:      &sestypes.Destination{ToAddresses: []string{w.host}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("New entry by " + e.By)},
			Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String(e.Text)}},
		}},
	})
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}
