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

type qrItem struct {
	PK     string `json:"PK"`
	SK     string `json:"SK"`
	Entity string `json:"entity"`
	qrcode.Record
}

// PutQRCodes stores a batch of issued codes: each record under its ID and
// again under its batch, so the batch lists with one query.
func (s *Store) PutQRCodes(ctx context.Context, records []qrcode.Record) error {
	var writes []types.WriteRequest
	for i, r := range records {
		for _, it := range []qrItem{
			{PK: "QR#" + r.ID, SK: "#QR", Entity: "qr", Record: r},
			// The position keeps the batch in issue order (label sheets follow it).
			{PK: "QRBATCH#" + r.BatchID, SK: fmt.Sprintf("QR#%05d", i), Entity: "qrbatch", Record: r},
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
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key("QR#"+id, "#QR")})
	if err != nil {
		return nil, fmt.Errorf("get qr code %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, notFound("QR code")
	}
	var it qrItem
	if err := unmarshal(out.Item, &it); err != nil {
		return nil, err
	}
	return &it.Record, nil
}

// QRBatch returns the codes of a batch in issue order; apperr.NotFound when
// the batch has none.
func (s *Store) QRBatch(ctx context.Context, batchID string) ([]qrcode.Record, error) {
	var out []qrcode.Record
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("QRBATCH#" + batchID)},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("qr batch %s: %w", batchID, err)
		}
		for _, item := range page.Items {
			var it qrItem
			if err := unmarshal(item, &it); err != nil {
				return nil, err
			}
			out = append(out, it.Record)
		}
	}
	if len(out) == 0 {
		return nil, notFound("QR batch")
	}
	return out, nil
}
