package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/kb/search"
)

// The knowledge base's search index is one object per version in the
// bucket (search.Store); this item points to the current one:
// KBINDEX / #CURRENT, moved by a write conditional on the version it
// replaces.
const (
	kbIndexPK = "KBINDEX"
	kbIndexSK = "#CURRENT"
)

// kbIndexRecord is the search index pointer.
type kbIndexRecord struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Entity    string    `dynamodbav:"entity"`
	Version   int64     `dynamodbav:"version"`
	S3Key     string    `dynamodbav:"s3Key"`
	Docs      int       `dynamodbav:"docs"`
	Size      int64     `dynamodbav:"size"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
}

func (kbIndexRecord) storedItem() {}

// IndexPointer returns the pointer to the current search index (one
// consistent GetItem), the zero search.Pointer when none was written yet
// (search.Pointers).
func (s *Store) IndexPointer(ctx context.Context) (search.Pointer, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(kbIndexPK, kbIndexSK), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return search.Pointer{}, fmt.Errorf("get search index pointer: %w", err)
	}
	if out.Item == nil {
		return search.Pointer{}, nil
	}
	var r kbIndexRecord
	if err := unmarshal(out.Item, &r); err != nil {
		return search.Pointer{}, err
	}
	return search.Pointer{Version: r.Version, Key: r.S3Key, Docs: r.Docs, Size: r.Size, UpdatedAt: r.UpdatedAt}, nil
}

// SwapIndexPointer makes next the pointer to the current search index if
// the pointer is still at version prev (0: there is none yet); it returns
// apperr.Conflict when another writer moved it (search.Pointers).
func (s *Store) SwapIndexPointer(ctx context.Context, prev int64, next search.Pointer) error {
	if next.Version <= prev || next.Key == "" {
		return apperr.Errorf(apperr.Invalid, "search index pointer: version %d with key %q cannot follow version %d", next.Version, next.Key, prev)
	}
	item, err := marshal(kbIndexRecord{PK: kbIndexPK, SK: kbIndexSK, Entity: "kbindex", Version: next.Version, S3Key: next.Key,
		Docs: next.Docs, Size: next.Size, UpdatedAt: next.UpdatedAt.UTC()})
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}
	if prev == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		in.ConditionExpression = aws.String("#version = :prev")
		in.ExpressionAttributeNames = map[string]string{"#version": "version"}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": num(prev)}
	}
	_, err = s.client.PutItem(ctx, in)
	if isConditionFailed(err, -1) {
		return apperr.Errorf(apperr.Conflict, "search index pointer moved past version %d", prev)
	}
	if err != nil {
		return fmt.Errorf("put search index pointer version %d: %w", next.Version, err)
	}
	return nil
}
