// Command digest runs on the guestbook's schedule: it records each run with
// the input the schedule gave it, verbatim.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("aws config: %v", err)
	}
	table, name := dynamodb.NewFromConfig(cfg), os.Getenv("TABLE_NAME")
	lambda.Start(func(ctx context.Context, input json.RawMessage) error {
		_, err := table.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "DIGEST"}, "SK": &types.AttributeValueMemberS{Value: time.Now().UTC().Format(time.RFC3339Nano)},
			"input": &types.AttributeValueMemberS{Value: string(input)},
		}})
		return err
	})
}
