package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/webhook"
)

// How long the notifier's records live (DynamoDB's TTL removes them).
const (
	// DeliveryTTL outlives every redelivery of an event: the queue keeps a
	// message 4 days, the dead-letter queue 14, and a redrive re-sends it.
	DeliveryTTL = 30 * 24 * time.Hour
	// NoteTTL is how long in-app notes stay in their inbox.
	NoteTTL = 90 * 24 * time.Hour
)

// MarkReceived takes an outbox event off the pending index (GSI3): it has
// reached the notifier. An event that is not pending (received before, or
// not from this table's outbox) is left alone.
func (s *Store) MarkReceived(ctx context.Context, e events.Event) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(outboxPK(e), "OUTBOX#"+e.ID),
		UpdateExpression:          aws.String("SET receivedAt = :at REMOVE GSI3PK, GSI3SK"),
		ConditionExpression:       aws.String("attribute_exists(GSI3PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(time.Now().UTC().Format(time.RFC3339Nano))},
	})
	if err != nil && !isConditionFailed(err, -1) {
		return fmt.Errorf("mark event %s received: %w", e.ID, err)
	}
	return nil
}

func deliveryPK(eventID string) string { return "DELIVERY#" + eventID }

// The states of a delivery item: held by an attempt (or left by a dead
// one), given up after a failure that made nothing, made.
const (
	deliverySending = "sending"
	deliveryFailed  = "failed"
	deliveryDone    = "done"
)

// DoneDeliveries returns the keys of an event's deliveries already made, with
// one (consistent) query of the event's delivery items (those being made,
// status "sending", or given up, "failed", are not done).
func (s *Store) DoneDeliveries(ctx context.Context, eventID string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(deliveryPK(eventID))},
		ProjectionExpression:      aws.String("SK, #status"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ConsistentRead:            aws.Bool(true),
	}, "deliveries of event "+eventID, func(item map[string]types.AttributeValue) error {
		if st, ok := item["status"].(*types.AttributeValueMemberS); ok && st.Value == deliveryDone {
			if v, ok := item["SK"].(*types.AttributeValueMemberS); ok {
				out[v.Value] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ClaimDelivery takes an event's delivery for the lease's attempt until the
// lease's end: a new delivery, or one given up after a failure, with one
// conditional write; one left "sending" by an attempt whose lease ran out
// (it died, or gave it up not knowing its outcome) with a second, which
// counts the repeat on the item (repeats, repeatedAt). A delivery made or
// held by a live attempt is not taken (the second write's failure returns
// the item, so no read is needed to say which).
func (s *Store) ClaimDelivery(ctx context.Context, l notify.Lease, now time.Time) (notify.Claim, error) {
	names := map[string]string{"#status": "status", "#ttl": "ttl"}
	vals := map[string]types.AttributeValue{
		":sending": str(deliverySending), ":attempt": str(l.Attempt), ":until": num(l.Until.UnixMilli()),
		":ttl": num(now.Add(DeliveryTTL).Unix()), ":entity": str("delivery"), ":one": num(1), ":failed": str(deliveryFailed),
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table),
		Key:       key(deliveryPK(l.EventID), l.Key),
		UpdateExpression: aws.String("SET #status = :sending, attempt = :attempt, leaseUntil = :until, entity = :entity, " +
			"#ttl = if_not_exists(#ttl, :ttl) ADD claims :one"),
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR #status = :failed"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
	})
	if err == nil {
		return notify.Claim{Taken: true}, nil
	}
	if !isConditionFailed(err, -1) {
		return notify.Claim{}, fmt.Errorf("claim delivery %s of event %s: %w", l.Key, l.EventID, err)
	}
	second := map[string]types.AttributeValue{
		":sending": str(deliverySending), ":attempt": str(l.Attempt), ":until": num(l.Until.UnixMilli()),
		":now": num(now.UnixMilli()), ":at": str(now.UTC().Format(time.RFC3339Nano)), ":one": num(1),
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table),
		Key:       key(deliveryPK(l.EventID), l.Key),
		UpdateExpression: aws.String("SET attempt = :attempt, leaseUntil = :until, repeatedAt = :at " +
			"ADD repeats :one, claims :one"),
		ConditionExpression:                 aws.String("#status = :sending AND leaseUntil < :now"),
		ExpressionAttributeNames:            map[string]string{"#status": "status"},
		ExpressionAttributeValues:           second,
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		prev, _ := out.Attributes["attempt"].(*types.AttributeValueMemberS)
		c := notify.Claim{Taken: true, Repeat: true}
		if prev != nil {
			c.Previous = prev.Value
		}
		return c, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return notify.Claim{}, fmt.Errorf("take over delivery %s of event %s: %w", l.Key, l.EventID, err)
	}
	var held deliveryRecord
	_ = unmarshal(ccf.Item, &held)
	if held.Status == deliveryDone {
		return notify.Claim{Done: true}, nil
	}
	return notify.Claim{HeldUntil: time.UnixMilli(held.LeaseUntil).UTC()}, nil
}

// ReleaseDelivery gives up the attempt's lease on a delivery that failed:
// NotMade marks it "failed" (the next attempt takes it as a first); Unknown
// leaves it "sending" with its lease run out, so that the next attempt
// takes it over as a counted repeat. notify.ErrLeaseLost when the lease is
// not the attempt's.
func (s *Store) ReleaseDelivery(ctx context.Context, l notify.Lease, outcome notify.Outcome) error {
	update := "SET #status = :failed REMOVE leaseUntil"
	vals := map[string]types.AttributeValue{":sending": str(deliverySending), ":attempt": str(l.Attempt), ":failed": str(deliveryFailed)}
	if outcome == notify.Unknown {
		update = "SET leaseUntil = :zero, unknownAt = :at"
		vals = map[string]types.AttributeValue{":sending": str(deliverySending), ":attempt": str(l.Attempt), ":zero": num(0),
			":at": str(time.Now().UTC().Format(time.RFC3339Nano))}
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(deliveryPK(l.EventID), l.Key),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("#status = :sending AND attempt = :attempt"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: vals,
	})
	switch {
	case isConditionFailed(err, -1):
		return fmt.Errorf("release delivery %s of event %s: %w", l.Key, l.EventID, notify.ErrLeaseLost)
	case err != nil:
		return fmt.Errorf("release delivery %s of event %s: %w", l.Key, l.EventID, err)
	}
	return nil
}

// MarkDeliveryDone records that the attempt made one delivery of an event;
// notify.ErrLeaseLost when the lease is not the attempt's.
func (s *Store) MarkDeliveryDone(ctx context.Context, l notify.Lease, at time.Time) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(deliveryPK(l.EventID), l.Key),
		UpdateExpression:         aws.String("SET #status = :done, #at = :at, #ttl = :ttl REMOVE leaseUntil"),
		ConditionExpression:      aws.String("#status = :sending AND attempt = :attempt"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#at": "at", "#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sending": str(deliverySending), ":attempt": str(l.Attempt), ":done": str(deliveryDone),
			":at": str(at.UTC().Format(time.RFC3339Nano)), ":ttl": num(at.Add(DeliveryTTL).Unix()),
		},
	})
	switch {
	case isConditionFailed(err, -1):
		return fmt.Errorf("mark delivery %s of event %s done: %w", l.Key, l.EventID, notify.ErrLeaseLost)
	case err != nil:
		return fmt.Errorf("mark delivery %s of event %s done: %w", l.Key, l.EventID, err)
	}
	return nil
}

// DeliveryRecord is what the table keeps of one delivery of an event.
type DeliveryRecord struct {
	EventID string
	Key     string
	// Status is "sending" (held, or left by a dead attempt), "failed"
	// (given up, nothing made) or "done".
	Status  string
	Attempt string
	// Claims counts the attempts that took the delivery; Repeats those
	// that took it over not knowing whether it had been made (a mail may
	// then have gone out twice).
	Claims  int
	Repeats int
}

// DeliveryRecords returns the records of an event's deliveries, by key, with
// one consistent query: what fault tests and the fault benchmark read to
// tell a counted repeat from a duplicate.
func (s *Store) DeliveryRecords(ctx context.Context, eventID string) (map[string]DeliveryRecord, error) {
	out := map[string]DeliveryRecord{}
	err := queryRecords(ctx, s, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(deliveryPK(eventID))},
		ConsistentRead:            aws.Bool(true),
	}, "delivery records of event "+eventID, func(r *deliveryRecord) error {
		out[r.Key] = DeliveryRecord{EventID: eventID, Key: r.Key, Status: r.Status, Attempt: r.Attempt, Claims: r.Claims, Repeats: r.Repeats}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func inboxPK(recipient string) string { return "INBOX#" + recipient }

func unreadPK(recipient string) string { return "UNREAD#" + recipient }

func noteSK(at time.Time, id string) string { return "NOTE#" + at.UTC().Format(timeLayout) + "#" + id }

// PutNote writes a note into its recipient's inbox unless the inbox has it
// already (a redelivered event keeps the stored note, read or not).
func (s *Store) PutNote(ctx context.Context, n notify.Note) error {
	at, ok := notify.NoteTime(n.ID)
	if !ok {
		return fmt.Errorf("put note: %q is not a note ID", n.ID)
	}
	m, err := marshal(newNoteRecord(n, noteSK(at, n.ID)))
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil && !isConditionFailed(err, -1) {
		return fmt.Errorf("put note %s for %s: %w", n.ID, n.Recipient, err)
	}
	return nil
}

// Notes returns a page of an inbox, newest first: all its notes, or its
// unread ones from the sparse GSI1 (one query either way).
func (s *Store) Notes(ctx context.Context, q notify.NoteQuery) (*notify.NotePage, error) {
	in := &dynamodb.QueryInput{
		TableName:        aws.String(s.table),
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(min(max(q.Limit, 1), 100))),
	}
	pkAttr, skAttr, pk := "PK", "SK", inboxPK(q.Recipient)
	if q.Unread {
		in.IndexName, pkAttr, skAttr, pk = aws.String("GSI1"), "GSI1PK", "GSI1SK", unreadPK(q.Recipient)
	}
	// An inbox partition (and its unread partition) holds notes only.
	vals := map[string]types.AttributeValue{":pk": str(pk)}
	cond := pkAttr + " = :pk"
	if q.Before != "" {
		at, ok := notify.NoteTime(q.Before)
		if !ok {
			return nil, apperr.InvalidField("cursor", "not a cursor of this list")
		}
		cond += " AND " + skAttr + " < :before"
		vals[":before"] = str(noteSK(at, q.Before))
	}
	in.KeyConditionExpression = aws.String(cond)
	in.ExpressionAttributeValues = vals
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("notes of %s: %w", q.Recipient, err)
	}
	page := &notify.NotePage{More: len(out.LastEvaluatedKey) > 0}
	for _, item := range out.Items {
		var it noteRecord
		if err := unmarshal(item, &it); err != nil {
			return nil, err
		}
		page.Notes = append(page.Notes, it.note())
	}
	return page, nil
}

// MarkNoteRead marks a note of an inbox read (keeping the first reading
// time) and takes it off the unread index; apperr.NotFound when the inbox
// has no such note.
func (s *Store) MarkNoteRead(ctx context.Context, recipient, id string, at time.Time) (*notify.Note, error) {
	t, ok := notify.NoteTime(id)
	if !ok {
		return nil, notFound("notification")
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(inboxPK(recipient), noteSK(t, id)),
		UpdateExpression:          aws.String("SET #read = :true, readAt = if_not_exists(readAt, :at) REMOVE GSI1PK, GSI1SK"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#read": "read"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}, ":at": str(at.UTC().Format(time.RFC3339Nano))},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if isConditionFailed(err, -1) {
		return nil, notFound("notification")
	}
	if err != nil {
		return nil, fmt.Errorf("mark note %s of %s read: %w", id, recipient, err)
	}
	var it noteRecord
	if err := unmarshal(out.Attributes, &it); err != nil {
		return nil, err
	}
	n := it.note()
	return &n, nil
}

const webhookPK = "WEBHOOK"

func targetSK(id string) string { return "TARGET#" + id }

// WebhookTargets returns every webhook target, by ID, with one consistent
// query.
func (s *Store) WebhookTargets(ctx context.Context) ([]webhook.Target, error) {
	out := []webhook.Target{}
	err := queryRecords(ctx, s, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(webhookPK), ":sk": str("TARGET#")},
		// The notifier reads the targets for every event: a target put a
		// moment ago must be seen.
		ConsistentRead: aws.Bool(true),
	}, "webhook targets", func(r *targetRecord) error {
		out = append(out, r.target())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WebhookTarget returns one target; apperr.NotFound when there is none.
func (s *Store) WebhookTarget(ctx context.Context, id string) (*webhook.Target, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(webhookPK, targetSK(id)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("webhook target %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, notFound("webhook target " + id)
	}
	var r targetRecord
	if err := unmarshal(out.Item, &r); err != nil {
		return nil, err
	}
	t := r.target()
	return &t, nil
}

// PutWebhookTarget creates or replaces a target and reports whether it is
// new.
func (s *Store) PutWebhookTarget(ctx context.Context, t webhook.Target) (bool, error) {
	m, err := marshal(newTargetRecord(t))
	if err != nil {
		return false, err
	}
	out, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: m, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		return false, fmt.Errorf("put webhook target %s: %w", t.ID, err)
	}
	return len(out.Attributes) == 0, nil
}
