package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/qrcode"
)

// PutQRCodes stores a batch of issued codes: each record under its ID and
// again under its batch, so the batch lists with one query.
func (s *Store) PutQRCodes(ctx context.Context, records []qrcode.Record) error {
	var writes []types.WriteRequest
	for i, r := range records {
		for _, it := range []qrRecord{
			newQRRecord("QR#"+r.ID, "#QR", "qr", r),
			// The position keeps the batch in issue order (label sheets follow it).
			newQRRecord("QRBATCH#"+r.BatchID, fmt.Sprintf("QR#%05d", i), "qrbatch", r),
		} {
			m, err := marshal(it)
			if err != nil {
				return err
			}
			writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: m}})
		}
	}
	for start := 0; start < len(writes); start += 25 {
		req := map[string][]types.WriteRequest{s.table: writes[start:min(start+25, len(writes))]}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 6 {
				return fmt.Errorf("put qr codes: unprocessed items after retries")
			}
			out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				return fmt.Errorf("put qr codes: %w", err)
			}
			req = out.UnprocessedItems
			if len(req) > 0 {
				time.Sleep(time.Duration(25<<attempt) * time.Millisecond)
			}
		}
	}
	return nil
}

// QRCode returns the record of a code ID; apperr.NotFound when none.
func (s *Store) QRCode(ctx context.Context, id string) (*qrcode.Record, error) {
	// Consistent: a code revoked a moment ago no longer opens the form.
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key("QR#"+id, "#QR"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("get qr code %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, notFound("QR code")
	}
	var r qrRecord
	if err := unmarshal(out.Item, &r); err != nil {
		return nil, err
	}
	q := r.record()
	return &q, nil
}

// QRBatch returns the codes of a batch in issue order; apperr.NotFound when
// the batch has none.
func (s *Store) QRBatch(ctx context.Context, batchID string) ([]qrcode.Record, error) {
	var out []qrcode.Record
	err := queryRecords(ctx, s, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("QRBATCH#" + batchID)},
		ConsistentRead:            aws.Bool(true),
	}, "qr batch "+batchID, func(r *qrRecord) error {
		out = append(out, r.record())
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound("QR batch")
	}
	return out, nil
}

// revokeUpdate marks one stored copy of a code revoked; a copy revoked
// before keeps its first time, author and reason.
func (s *Store) revokeUpdate(pk, sk string, rev qrcode.Revocation) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(s.table),
		Key:                      key(pk, sk),
		UpdateExpression:         aws.String("SET #rv = :t, #at = if_not_exists(#at, :at), #by = if_not_exists(#by, :by), #why = if_not_exists(#why, :why)"),
		ConditionExpression:      aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: map[string]string{"#rv": "revoked", "#at": "revokedAt", "#by": "revokedBy", "#why": "reason"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": &types.AttributeValueMemberBOOL{Value: true}, ":at": str(rev.At.UTC().Format(time.RFC3339Nano)),
			":by": str(rev.By), ":why": str(rev.Reason),
		},
	}}
}

// batchKeys returns the sort keys of a batch's copies of codes by code ID.
func (s *Store) batchKeys(ctx context.Context, batchID string) (map[string]string, error) {
	out := map[string]string{}
	err := queryRecords(ctx, s, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ProjectionExpression:      aws.String("SK, id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("QRBATCH#" + batchID)},
		ConsistentRead:            aws.Bool(true),
	}, "qr batch "+batchID, func(r *qrRecord) error {
		out[r.ID] = r.SK
		return nil
	})
	return out, err
}

// RevokeQRCodes marks codes revoked, both their records and their batch's
// copies (what label sheets print from), 50 codes to a transaction. A code
// revoked before keeps its first revocation. It returns apperr.NotFound when
// a code does not exist.
func (s *Store) RevokeQRCodes(ctx context.Context, codes []qrcode.Record, rev qrcode.Revocation) error {
	sks := map[string]map[string]string{}
	var items []types.TransactWriteItem
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		_, err := s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		items = items[:0]
		if isConditionFailed(err, -1) {
			return notFound("QR code")
		}
		if err != nil {
			return fmt.Errorf("revoke qr codes: %w", err)
		}
		return nil
	}
	for _, r := range codes {
		if sks[r.BatchID] == nil {
			keys, err := s.batchKeys(ctx, r.BatchID)
			if err != nil {
				return err
			}
			sks[r.BatchID] = keys
		}
		items = append(items, s.revokeUpdate("QR#"+r.ID, "#QR", rev))
		if sk, ok := sks[r.BatchID][r.ID]; ok {
			items = append(items, s.revokeUpdate("QRBATCH#"+r.BatchID, sk, rev))
		}
		if len(items) >= 99 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
