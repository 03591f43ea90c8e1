// Package dynamo is the DynamoDB implementation of the application's storage:
// one table, single-table design, every access path a GetItem, a Query on a key
// or index, or a transaction. The item layout is private to this package.
//
// It must not be imported by domain packages; they declare the interfaces it
// satisfies.
package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Store reads and writes the application's table.
type Store struct {
	client *dynamodb.Client
	table  string
}

// New returns a Store on table.
func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table}
}

// Ping checks that the table answers a key read (what health checks need and
// what the function's GetItem permission allows).
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "HEALTH"},
			"SK": &types.AttributeValueMemberS{Value: "HEALTH"},
		},
	})
	if err != nil {
		return fmt.Errorf("ping table %s: %w", s.table, err)
	}
	return nil
}
