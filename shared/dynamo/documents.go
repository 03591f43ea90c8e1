package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
)

// documentRecord is a generated document of a claim: CLAIM#<id> / DOC#<id>
// (document IDs are time-ordered), with the object's key in the bucket and,
// for a document filled from a request, that request.
type documentRecord struct {
	PK          string    `dynamodbav:"PK"`
	SK          string    `dynamodbav:"SK"`
	Entity      string    `dynamodbav:"entity"`
	ID          string    `dynamodbav:"id"`
	Kind        string    `dynamodbav:"kind"`
	Title       string    `dynamodbav:"title"`
	Language    string    `dynamodbav:"language"`
	Audience    string    `dynamodbav:"audience"`
	FileName    string    `dynamodbav:"fileName"`
	ContentType string    `dynamodbav:"contentType"`
	Size        int64     `dynamodbav:"size"`
	Pages       int       `dynamodbav:"pages,omitempty"`
	S3Key       string    `dynamodbav:"s3Key"`
	CreatedAt   time.Time `dynamodbav:"createdAt,omitempty"`
	CreatedBy   string    `dynamodbav:"createdBy,omitempty"`
	Version     int       `dynamodbav:"version"`
	Source      string    `dynamodbav:"source,omitempty"`
	Values      string    `dynamodbav:"values,omitempty"`
}

func (documentRecord) storedItem() {}

func newDocumentRecord(claimID string, d claims.Document) documentRecord {
	return documentRecord{
		PK: claimPK(claimID), SK: "DOC#" + d.ID, Entity: "document",
		ID: d.ID, Kind: string(d.Kind), Title: d.Title, Language: d.Language, Audience: d.Audience, FileName: d.FileName,
		ContentType: d.ContentType, Size: d.Size, Pages: d.Pages, S3Key: d.Key, CreatedAt: d.CreatedAt, CreatedBy: d.CreatedBy,
		Version: d.Version, Source: d.Source, Values: string(d.Values),
	}
}

func (r *documentRecord) document() claims.Document {
	d := claims.Document{
		ID: r.ID, Kind: claims.DocumentKind(r.Kind), Title: r.Title, Language: r.Language, Audience: r.Audience, FileName: r.FileName,
		ContentType: r.ContentType, Size: r.Size, Pages: r.Pages, Key: r.S3Key, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy,
		Version: r.Version, Source: r.Source,
	}
	if r.Values != "" {
		d.Values = []byte(r.Values)
	}
	return d
}

// AddDocument stores a generated document of a claim with its history
// entry (claims.Record), in one transaction that advances the claim's
// history head from prevHead and leaves its version alone. Errors:
// Conflict with Details "document" when a document with the ID is there
// already (it was made before), another Conflict when the history moved on
// (read the claim again and retry), NotFound for an unknown claim.
func (s *Store) AddDocument(ctx context.Context, claimID string, prevHead int, entry claims.Event, d claims.Document) error {
	ev, err := newEventRecord(claimID, entry)
	if err != nil {
		return err
	}
	evItem, err := marshal(ev)
	if err != nil {
		return err
	}
	docItem, err := marshal(newDocumentRecord(claimID, d))
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:           aws.String(s.table),
			Key:                 key(claimPK(claimID), metaSK),
			UpdateExpression:    aws.String("SET historySeq = :s, historyHash = :h"),
			ConditionExpression: aws.String("historySeq = :prev OR (attribute_not_exists(historySeq) AND version = :prev)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":s": num(int64(entry.Seq)), ":h": str(entry.Hash), ":prev": num(int64(prevHead)),
			},
		}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: evItem, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: docItem, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	failed := failedItems(err)
	if _, ok := failed[2]; ok {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("document %s of claim %s exists", d.ID, claimID), Details: map[string]any{"document": d.ID}}
	}
	if len(failed) > 0 || isTransactionConflict(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s was changed concurrently; reload and retry", claimID)}
	}
	return fmt.Errorf("add document %s to claim %s: %w", d.ID, claimID, err)
}

// Documents returns a claim's generated documents, oldest first (no
// claim, no documents).
func (s *Store) Documents(ctx context.Context, claimID string) ([]claims.Document, error) {
	var out []claims.Document
	err := queryRecords(ctx, s, &dynamodb.QueryInput{
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :doc)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(claimPK(claimID)), ":doc": str("DOC#"),
		},
		ConsistentRead: aws.Bool(true),
	}, "documents of claim "+claimID, func(r *documentRecord) error {
		out = append(out, r.document())
		return nil
	})
	return out, err
}

// Document returns one generated document of a claim; NotFound when there
// is none with the ID.
func (s *Store) Document(ctx context.Context, claimID, id string) (*claims.Document, error) {
	if id == "" || strings.ContainsAny(id, "#") {
		return nil, notFound("document " + id)
	}
	r, err := getRecord[documentRecord](ctx, s, claimPK(claimID), "DOC#"+id, "document "+id+" of claim "+claimID)
	if err != nil || r == nil {
		return nil, cmp.Or(err, notFound("document "+id))
	}
	d := r.document()
	return &d, nil
}

// RecordRating stores a closed claim's rating (or the comment that follows
// it) with its history entry and outbox events, in one transaction that
// advances the claim's history head from prevHead and leaves its version
// alone. first: the claim must have no rating yet; otherwise it must have
// one without a comment. Errors: Conflict with Details "rated" when the
// claim was rated already (first) or commented already; another Conflict
// when the history moved on (read the claim again and retry).
func (s *Store) RecordRating(ctx context.Context, claimID string, prevHead int, entry claims.Event, r claims.Satisfaction, first bool, outbox []events.Event) error {
	ev, err := newEventRecord(claimID, entry)
	if err != nil {
		return err
	}
	evItem, err := marshal(ev)
	if err != nil {
		return err
	}
	rating, err := attributevalue.Marshal(newRatingRecord(&r))
	if err != nil {
		return fmt.Errorf("encode the rating of claim %s: %w", claimID, err)
	}
	cond := "(historySeq = :prev OR (attribute_not_exists(historySeq) AND version = :prev)) AND "
	if first {
		cond += "attribute_not_exists(satisfaction)"
	} else {
		cond += "attribute_exists(satisfaction) AND attribute_not_exists(satisfaction.#comment)"
	}
	update := &types.Update{
		TableName:           aws.String(s.table),
		Key:                 key(claimPK(claimID), metaSK),
		UpdateExpression:    aws.String("SET historySeq = :s, historyHash = :h, satisfaction = :r"),
		ConditionExpression: aws.String(cond),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": num(int64(entry.Seq)), ":h": str(entry.Hash), ":prev": num(int64(prevHead)), ":r": rating,
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if !first {
		update.ExpressionAttributeNames = map[string]string{"#comment": "comment"}
	}
	items := []types.TransactWriteItem{
		{Update: update},
		{Put: &types.Put{TableName: aws.String(s.table), Item: evItem, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}
	for _, e := range outbox {
		ob, err := newOutboxRecord(e)
		if err != nil {
			return err
		}
		m, err := marshal(ob)
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: m}})
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	failed := failedItems(err)
	if old, ok := failed[0]; ok && old != nil {
		var cr claimRecord
		if unmarshal(old, &cr) == nil && cr.Satisfaction != nil && (first || cr.Satisfaction.Comment != "") {
			return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s is rated already", claimID), Details: map[string]any{"rated": true}}
		}
	}
	if len(failed) > 0 || isTransactionConflict(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s was changed concurrently; reload and retry", claimID)}
	}
	return fmt.Errorf("record the rating of claim %s: %w", claimID, err)
}
