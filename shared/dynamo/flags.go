package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/workflow"
)

const essenceSK = "#ESSENCE"

func essencePK(key string) string { return "ESSENCE#" + key }

// FlagLookup finds what a new claim's flags need (intake.FlagQuery) in at
// most two requests: a Query of the serial's list index (the newest
// intake.SerialLookback entries), then one BatchGetItem of those claims'
// stages (projected) and of the claimant's essence items. Essence items
// older than q.Since (their TTL not yet applied) do not count.
func (s *Store) FlagLookup(ctx context.Context, q intake.FlagQuery) (*intake.FlagFindings, error) {
	var onSerial []string
	if q.Serial != "" {
		out, err := s.client.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			KeyConditionExpression:    aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(indexPK(DimSerial, q.Serial))},
			ScanIndexForward:          aws.Bool(false),
			Limit:                     aws.Int32(intake.SerialLookback),
		})
		if err != nil {
			return nil, fmt.Errorf("claims on serial %s: %w", q.Serial, err)
		}
		for _, item := range out.Items {
			var r indexRecord
			if err := unmarshal(item, &r); err != nil {
				return nil, err
			}
			onSerial = append(onSerial, r.ClaimID)
		}
	}
	keys := make([]map[string]types.AttributeValue, 0, len(onSerial)+len(q.EssenceKeys))
	for _, id := range onSerial {
		keys = append(keys, key(claimPK(id), metaSK))
	}
	for _, k := range q.EssenceKeys {
		keys = append(keys, key(essencePK(k), essenceSK))
	}
	found := &intake.FlagFindings{}
	if len(keys) == 0 {
		return found, nil
	}
	stages := map[string]string{}
	var essence []essenceRecord
	req := map[string]types.KeysAndAttributes{s.table: {
		Keys: keys,
		// What both kinds of item need: a claim's ID and stage, an
		// essence item's claim and time.
		ProjectionExpression: aws.String("#entity, #id, #stage, #claim, #at"),
		ExpressionAttributeNames: map[string]string{"#entity": "entity", "#id": "id", "#stage": "stage", "#claim": "claimId",
			"#at": "at"},
	}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 5 {
			return nil, fmt.Errorf("flag lookup: unprocessed keys after retries")
		}
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("flag lookup: %w", err)
		}
		for _, item := range out.Responses[s.table] {
			entity, _ := item["entity"].(*types.AttributeValueMemberS)
			if entity == nil {
				continue
			}
			switch entity.Value {
			case "claim":
				var r claimRecord
				if err := unmarshal(item, &r); err != nil {
					return nil, err
				}
				stages[r.ID] = r.Stage
			case "essence":
				var r essenceRecord
				if err := unmarshal(item, &r); err != nil {
					return nil, err
				}
				essence = append(essence, r)
			}
		}
		req = out.UnprocessedKeys
		if len(req) > 0 {
			time.Sleep(time.Duration(20<<attempt) * time.Millisecond)
		}
	}
	for _, id := range onSerial {
		if st, ok := stages[id]; ok && !workflow.Terminal(claims.Stage(st)) {
			found.OpenOnSerial = append(found.OpenOnSerial, id)
		}
	}
	for _, r := range essence {
		if !r.At.Before(q.Since) {
			found.SameEssence = append(found.SameEssence, r.ClaimID)
		}
	}
	return found, nil
}
