package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/orders"
)

// getOrder reads an order with a consistent read; nil when absent.
func (s *Store) getOrder(ctx context.Context, number string) (*orders.Order, error) {
	r, err := getRecord[orderRecord](ctx, s, orderPK(number), "#ORDER", "order "+number)
	if err != nil || r == nil {
		return nil, err
	}
	o := r.order()
	return &o, nil
}

// Order returns an order; apperr.NotFound when there is none.
func (s *Store) Order(ctx context.Context, number string) (*orders.Order, error) {
	o, err := s.getOrder(ctx, number)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, notFound("order " + number)
	}
	return o, nil
}

// OrdersByNumber reads orders with BatchGetItem, in the order of numbers;
// unknown numbers and repeats are left out.
func (s *Store) OrdersByNumber(ctx context.Context, numbers []string) ([]orders.Order, error) {
	var uniq []string
	seen := map[string]bool{}
	for _, n := range numbers {
		if n != "" && !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	got := map[string]orders.Order{}
	for start := 0; start < len(uniq); start += 100 {
		chunk := uniq[start:min(start+100, len(uniq))]
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, n := range chunk {
			keys[i] = key(orderPK(n), "#ORDER")
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 5 {
				return nil, fmt.Errorf("batch get orders: unprocessed keys after retries")
			}
			out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("batch get orders: %w", err)
			}
			for _, item := range out.Responses[s.table] {
				var r orderRecord
				if err := unmarshal(item, &r); err != nil {
					return nil, err
				}
				got[r.Number] = r.order()
			}
			req = out.UnprocessedKeys
			if len(req) > 0 {
				time.Sleep(time.Duration(20<<attempt) * time.Millisecond)
			}
		}
	}
	out := make([]orders.Order, 0, len(got))
	for _, n := range uniq {
		if o, ok := got[n]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

// upsertAttempts bounds the read-decide-write rounds of one upsert when
// other writers keep winning.
const upsertAttempts = 8

// UpsertOrder stores an order the ERP sent, replay-safe: it changes nothing
// and reports false when the stored order has the same or a newer
// ERPVersion. A new number becomes a source order; an order created from a
// claim takes only the ERP's status, items and version (its kind, source
// claim and customer stay). A source order's salesManager is recorded, in
// the same transaction, as the personalManager of the customer's profile.
// Errors: apperr.NotFound for an unknown number of the form of orders
// created from claims (those are created here, not by the ERP);
// apperr.Conflict when concurrent writers keep winning.
func (s *Store) UpsertOrder(ctx context.Context, o orders.Order) (bool, error) {
	customerID := ""
	if o.SalesManager != "" {
		var err error
		if customerID, err = s.customerOf(ctx, o.Customer); err != nil {
			return false, err
		}
	}
	for attempt := 0; attempt < upsertAttempts; attempt++ {
		cur, err := s.getOrder(ctx, o.Number)
		if err != nil {
			return false, err
		}
		if cur != nil && cur.ERPVersion >= o.ERPVersion {
			return false, nil
		}
		next := o
		put := &types.Put{TableName: aws.String(s.table)}
		if cur == nil {
			if _, _, created := orders.ParseCreated(o.Number); created {
				return false, apperr.Errorf(apperr.NotFound, "order %s not found: orders created from claims are created in the claims system", o.Number)
			}
			next.Kind, next.SourceClaim = orders.Source, ""
			put.ConditionExpression = aws.String("attribute_not_exists(PK)")
		} else {
			next = merge(*cur, o)
			// The kind check keeps a source upsert read before a concurrent
			// creation from a claim from turning that order into a source.
			put.ConditionExpression = aws.String("attribute_exists(PK) AND erpVersion < :v AND kind = :kind")
			put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(o.ERPVersion), ":kind": str(string(cur.Kind))}
		}
		if put.Item, err = marshal(newOrderRecord(next)); err != nil {
			return false, err
		}
		items := []types.TransactWriteItem{{Put: put}}
		if customerID != "" && next.Kind == orders.Source {
			items = append(items, types.TransactWriteItem{Update: s.personalManagerUpdate(customerID, next)})
		}
		if next.Kind == orders.Source && next.DealerID != "" {
			entry, err := marshal(newDealerOrderRecord(next))
			if err != nil {
				return false, err
			}
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: entry}})
		}
		_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		switch {
		case err == nil:
			return true, nil
		case isConditionFailed(err, 0) || isTransactionConflict(err):
			// Another writer got there first: read again and decide again.
			time.Sleep(time.Duration(rand.IntN(10<<attempt)+1) * time.Millisecond)
		default:
			return false, fmt.Errorf("upsert order %s: %w", o.Number, err)
		}
	}
	return false, apperr.Errorf(apperr.Conflict, "order %s is being changed concurrently; retry", o.Number)
}

// dealerOrderCursor is the shape of a DealerOrders start: an entry's sort
// key.
var dealerOrderCursor = lazyre.New(`^\d{4}-\d{2}-\d{2}T[0-9:.]+Z#[^#]{1,64}$`)

// DealerOrders returns a page of the source orders the ERP sent for a
// dealer, newest first (one Query of the dealer's entries and one
// BatchGetItem), and where the next page starts ("" on the last). start is
// a previous page's next; any other value is apperr.Invalid naming cursor.
func (s *Store) DealerOrders(ctx context.Context, dealerID string, limit int, start string) ([]orders.Order, string, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(dealerOrdersPK(dealerID))},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(min(max(limit, 1), 100))),
	}
	if start != "" {
		if !dealerOrderCursor.MatchString(start) {
			return nil, "", apperr.InvalidField("cursor", "not a cursor of this list")
		}
		in.ExclusiveStartKey = key(dealerOrdersPK(dealerID), start)
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("orders of dealer %s: %w", dealerID, err)
	}
	numbers := make([]string, 0, len(out.Items))
	for _, item := range out.Items {
		var r dealerOrderRecord
		if err := unmarshal(item, &r); err != nil {
			return nil, "", err
		}
		numbers = append(numbers, r.Number)
	}
	got, err := s.OrdersByNumber(ctx, numbers)
	if err != nil {
		return nil, "", err
	}
	list := make([]orders.Order, 0, len(got))
	for _, o := range got {
		if o.Kind == orders.Source && strings.EqualFold(o.DealerID, dealerID) {
			list = append(list, o)
		}
	}
	next := ""
	if v, ok := out.LastEvaluatedKey["SK"].(*types.AttributeValueMemberS); ok {
		next = v.Value
	}
	return list, next, nil
}

// merge applies an ERP upsert to a stored order: a source order takes
// everything but its creation; an order created from a claim takes only the
// status, items and version.
func merge(cur, in orders.Order) orders.Order {
	if cur.Kind != orders.Source {
		cur.Status, cur.Items, cur.ERPVersion, cur.UpdatedAt = in.Status, in.Items, in.ERPVersion, in.UpdatedAt
		return cur
	}
	in.Kind, in.SourceClaim = orders.Source, ""
	in.CreatedBy, in.CreatedAt = cur.CreatedBy, cur.CreatedAt
	return in
}

// customerOf finds the customer profile of an order's customer the way
// intake files claims: the email's customer, else the customer a phone alias
// points to, else the phone's.
func (s *Store) customerOf(ctx context.Context, c orders.Customer) (string, error) {
	if c.Email == "" && c.Phone != "" {
		known, err := s.CustomerByContact(ctx, "phone:"+c.Phone)
		if err != nil {
			return "", err
		}
		if known != "" {
			return known, nil
		}
	}
	k := claims.Claimant{Email: c.Email, Phone: c.Phone}.CustomerKey()
	if k == "" {
		return "", nil
	}
	return intake.CustomerID(k), nil
}

// personalManagerUpdate records a source order's sales manager on the
// customer's profile (creating a bare profile for a customer who has not
// filed a claim yet).
func (s *Store) personalManagerUpdate(customerID string, o orders.Order) *types.Update {
	return &types.Update{
		TableName:        aws.String(s.table),
		Key:              key("CUSTOMER#"+customerID, "#PROFILE"),
		UpdateExpression: aws.String("SET personalManager = :m, personalManagerOrder = :n, personalManagerAt = :at, entity = if_not_exists(entity, :entity)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":m": str(assignment.PersonalKey(o.SalesManager)), ":n": str(o.Number), ":at": str(o.UpdatedAt.UTC().Format(time.RFC3339)), ":entity": str("customer"),
		},
	}
}

// SetOrderStatus records the ERP's status of an order, replay-safe: it
// changes nothing and reports false when the stored order has the same or a
// newer ERPVersion. Errors: apperr.NotFound for an unknown order.
func (s *Store) SetOrderStatus(ctx context.Context, number, status string, erpVersion int64) (bool, error) {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(orderPK(number), "#ORDER"),
		UpdateExpression:         aws.String("SET #status = :s, erpVersion = :v, updatedAt = :at"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND erpVersion < :v"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": str(status), ":v": num(erpVersion), ":at": str(time.Now().UTC().Format(time.RFC3339Nano)),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return true, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if isConditionFailed(err, -1) {
		if errors.As(err, &ccf) && len(ccf.Item) > 0 {
			return false, nil
		}
		// The old item did not come back: tell a replay from an unknown order.
		cur, err := s.getOrder(ctx, number)
		if err != nil {
			return false, err
		}
		if cur == nil {
			return false, notFound("order " + number)
		}
		return false, nil
	}
	return false, fmt.Errorf("set status of order %s: %w", number, err)
}
