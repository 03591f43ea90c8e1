package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// configPK is the partition of the reference documents (the SLA policies,
// the working calendar) kept whole as JSON.
const configPK = "CONFIG"

// ConfigDoc returns a reference document by name ("sla", "calendar");
// apperr.NotFound when it was never written.
func (s *Store) ConfigDoc(ctx context.Context, name string) ([]byte, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(configPK, name)})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if out.Item == nil {
		return nil, notFound(name)
	}
	var r configRecord
	if err := unmarshal(out.Item, &r); err != nil {
		return nil, err
	}
	return []byte(r.Doc), nil
}

// PutConfigDoc writes a reference document (validated by the caller).
func (s *Store) PutConfigDoc(ctx context.Context, name string, doc []byte) error {
	item, err := marshal(configRecord{PK: configPK, SK: name, Entity: "config", Doc: string(doc), UpdatedAt: time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// SeedConfigDoc writes a reference document unless one is there (an
// administrator's version survives redeploys); it reports whether it wrote.
func (s *Store) SeedConfigDoc(ctx context.Context, name string, doc []byte) (bool, error) {
	item, err := marshal(configRecord{PK: configPK, SK: name, Entity: "config", Doc: string(doc), UpdatedAt: time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return false, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var cf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &cf):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("seed %s: %w", name, err)
	}
	return true, nil
}
