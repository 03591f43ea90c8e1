package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/reportmail"
)

// The keys of report subscriptions.
const (
	subscriptionSK  = "#SUB"
	subscriptionsPK = "RSUBS"
	ReportMailDuePK = "REPORTMAIL#DUE"
	runTTL          = 800 * 24 * time.Hour
	runBuilding     = "building"
)

func subscriptionPK(id string) string { return "RSUB#" + id }

// subscriptionRecord is a report subscription: RSUB#<id> / #SUB, listed on
// GSI1 (RSUBS / <owner>#<created>#<id>) and, while it has a next run, on
// the due list (GSI5).
type subscriptionRecord struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Entity  string `dynamodbav:"entity"`
	GSI1PK  string `dynamodbav:"GSI1PK"`
	GSI1SK  string `dynamodbav:"GSI1SK"`
	GSI5PK  string `dynamodbav:"GSI5PK,omitempty"`
	GSI5SK  string `dynamodbav:"GSI5SK,omitempty"`
	Version int    `dynamodbav:"version"`
	Doc     string `dynamodbav:"doc"`
}

func (subscriptionRecord) storedItem() {}

// subscriptionDoc is a subscription's document: the names stored, apart
// from the API's.
type subscriptionDoc struct {
	ID              string      `json:"id"`
	Report          string      `json:"report"`
	Query           queryDoc    `json:"query"`
	DealerID        string      `json:"dealerId,omitempty"`
	Period          string      `json:"period"`
	Schedule        scheduleDoc `json:"schedule"`
	Recipients      []string    `json:"recipients"`
	Formats         []string    `json:"formats"`
	Language        string      `json:"language"`
	SkipWhenEmpty   bool        `json:"skipWhenEmpty,omitempty"`
	OnlyWhenChanged bool        `json:"onlyWhenChanged,omitempty"`
	Active          bool        `json:"active"`
	NextRun         *time.Time  `json:"nextRun,omitempty"`
	Last            *lastRunDoc `json:"lastRun,omitempty"`
	Unsubscribed    []string    `json:"unsubscribed,omitempty"`
	CreatedBy       string      `json:"createdBy"`
	OwnerDealer     string      `json:"ownerDealer,omitempty"`
	CreatedAt       time.Time   `json:"createdAt"`
	UpdatedAt       time.Time   `json:"updatedAt"`
}

type queryDoc struct {
	GroupBy  string   `json:"groupBy,omitempty"`
	ThenBy   string   `json:"thenBy,omitempty"`
	Filter   string   `json:"filter,omitempty"`
	Measures []string `json:"measures,omitempty"`
	Period   string   `json:"period,omitempty"`
}

type scheduleDoc struct {
	Frequency string `json:"frequency"`
	Weekday   string `json:"weekday,omitempty"`
	Day       int    `json:"day,omitempty"`
	At        string `json:"at"`
	TimeZone  string `json:"timeZone,omitempty"`
	StartsOn  string `json:"startsOn,omitempty"`
}

type lastRunDoc struct {
	Period string    `json:"period"`
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	Digest string    `json:"digest,omitempty"`
}

func newSubscriptionDoc(s *reportmail.Subscription) subscriptionDoc {
	d := subscriptionDoc{ID: s.ID, Report: s.Report, Query: queryDoc(s.Query), DealerID: s.DealerID, Period: s.Period,
		Schedule: scheduleDoc(s.Schedule), Recipients: s.Recipients, Formats: s.Formats, Language: s.Language,
		SkipWhenEmpty: s.SkipWhenEmpty, OnlyWhenChanged: s.OnlyWhenChanged, Active: s.Active, NextRun: s.NextRun,
		Unsubscribed: s.Unsubscribed, CreatedBy: s.CreatedBy, OwnerDealer: s.OwnerDealer, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.Last != nil {
		l := lastRunDoc(*s.Last)
		d.Last = &l
	}
	return d
}

func (d subscriptionDoc) subscription(version int) *reportmail.Subscription {
	s := &reportmail.Subscription{ID: d.ID, Report: d.Report, Query: reportmail.Query(d.Query), DealerID: d.DealerID, Period: d.Period,
		Schedule: reportmail.Schedule(d.Schedule), Recipients: d.Recipients, Formats: d.Formats, Language: d.Language,
		SkipWhenEmpty: d.SkipWhenEmpty, OnlyWhenChanged: d.OnlyWhenChanged, Active: d.Active, NextRun: d.NextRun,
		Unsubscribed: d.Unsubscribed, CreatedBy: d.CreatedBy, OwnerDealer: d.OwnerDealer, Version: version,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.Last != nil {
		l := reportmail.LastRun(*d.Last)
		s.Last = &l
	}
	if s.Recipients == nil {
		s.Recipients = []string{}
	}
	if s.Formats == nil {
		s.Formats = []string{}
	}
	return s
}

func owner(s *reportmail.Subscription) string {
	if s.OwnerDealer != "" {
		return "dealer:" + s.OwnerDealer
	}
	return "staff"
}

func newSubscriptionRecord(s *reportmail.Subscription) (subscriptionRecord, error) {
	b, err := json.Marshal(newSubscriptionDoc(s))
	if err != nil {
		return subscriptionRecord{}, fmt.Errorf("encode subscription %s: %w", s.ID, err)
	}
	r := subscriptionRecord{PK: subscriptionPK(s.ID), SK: subscriptionSK, Entity: "report_subscription",
		GSI1PK: subscriptionsPK, GSI1SK: owner(s) + "#" + s.CreatedAt.UTC().Format(timeLayout) + "#" + s.ID, Version: s.Version, Doc: string(b)}
	if s.Active && s.NextRun != nil {
		r.GSI5PK, r.GSI5SK = ReportMailDuePK, s.NextRun.UTC().Format(timeLayout)+"#"+s.ID
	}
	return r, nil
}

func (r *subscriptionRecord) subscription() (*reportmail.Subscription, error) {
	var d subscriptionDoc
	if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
		return nil, fmt.Errorf("decode subscription %s: %w", r.PK, err)
	}
	return d.subscription(r.Version), nil
}

// putSubscription is the write of s over prevVersion (0: a new one).
func putSubscription(table string, s *reportmail.Subscription, prevVersion int) (*types.Put, error) {
	r, err := newSubscriptionRecord(s)
	if err != nil {
		return nil, err
	}
	m, err := marshal(r)
	if err != nil {
		return nil, err
	}
	p := &types.Put{TableName: aws.String(table), Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if prevVersion != 0 {
		p.ConditionExpression = aws.String("version = :v")
		p.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(int64(prevVersion))}
	}
	return p, nil
}

// PutSubscription writes a subscription: new when prevVersion is 0
// (Conflict when its ID is taken), else over the stored one at prevVersion
// (Conflict otherwise, NotFound when there is none).
func (s *Store) PutSubscription(ctx context.Context, sub *reportmail.Subscription, prevVersion int) error {
	p, err := putSubscription(s.table, sub, prevVersion)
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item, ConditionExpression: p.ConditionExpression,
		ExpressionAttributeValues: p.ExpressionAttributeValues})
	if isConditionFailed(err, -1) {
		if prevVersion == 0 {
			return apperr.Errorf(apperr.Conflict, "subscription %s exists", sub.ID)
		}
		if cur, gerr := s.GetSubscription(ctx, sub.ID); gerr != nil {
			return gerr
		} else {
			return apperr.Errorf(apperr.Conflict, "subscription %s is at version %d, not %d", sub.ID, cur.Version, prevVersion)
		}
	}
	if err != nil {
		return fmt.Errorf("put subscription %s: %w", sub.ID, err)
	}
	return nil
}

// GetSubscription returns a subscription; NotFound when there is none.
func (s *Store) GetSubscription(ctx context.Context, id string) (*reportmail.Subscription, error) {
	r, err := getRecord[subscriptionRecord](ctx, s, subscriptionPK(id), subscriptionSK, "subscription "+id)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, notFound("subscription " + id)
	}
	return r.subscription()
}

// ListSubscriptions returns the subscriptions ownerDealer's users created
// ("" = every one), oldest first: one query of the list index.
func (s *Store) ListSubscriptions(ctx context.Context, ownerDealer string) ([]reportmail.Subscription, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(subscriptionsPK)},
	}
	if ownerDealer != "" {
		in.KeyConditionExpression = aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :owner)")
		in.ExpressionAttributeValues[":owner"] = str("dealer:" + ownerDealer + "#")
	}
	return s.querySubscriptions(ctx, in, 0)
}

func (s *Store) querySubscriptions(ctx context.Context, in *dynamodb.QueryInput, limit int) ([]reportmail.Subscription, error) {
	out := []reportmail.Subscription{}
	err := queryRecords(ctx, s, in, "query subscriptions", func(r *subscriptionRecord) error {
		sub, err := r.subscription()
		if err != nil {
			return err
		}
		out = append(out, *sub)
		if limit > 0 && len(out) >= limit {
			return errStopQuery
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSubscription deletes a subscription (its run records expire with
// their TTL); NotFound when there is none.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(subscriptionPK(id), subscriptionSK),
		ConditionExpression: aws.String("attribute_exists(PK)")})
	if isConditionFailed(err, -1) {
		return notFound("subscription " + id)
	}
	if err != nil {
		return fmt.Errorf("delete subscription %s: %w", id, err)
	}
	return nil
}

// DueSubscriptions returns up to limit subscriptions whose next run is at
// or before now, earliest first: one query of the due list (GSI5).
func (s *Store) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]reportmail.Subscription, error) {
	return s.querySubscriptions(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String("GSI5"),
		KeyConditionExpression: aws.String("GSI5PK = :pk AND GSI5SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(ReportMailDuePK), ":now": str(now.UTC().Format(timeLayout) + "#~"),
		},
		Limit: aws.Int32(int32(max(limit, 1))),
	}, limit)
}

// runRecord is a subscription's run for a period: RSUB#<id> / RUN#<period>.
type runRecord struct {
	PK         string    `dynamodbav:"PK"`
	SK         string    `dynamodbav:"SK"`
	Entity     string    `dynamodbav:"entity"`
	Status     string    `dynamodbav:"status"`
	Attempt    string    `dynamodbav:"attempt"`
	LeaseUntil time.Time `dynamodbav:"leaseUntil,omitempty"`
	StartedAt  time.Time `dynamodbav:"startedAt,omitempty"`
	FinishedAt time.Time `dynamodbav:"finishedAt,omitempty"`
	// Takeovers counts the attempts that took the run over from a dead one.
	Takeovers int    `dynamodbav:"takeovers,omitempty"`
	EventID   string `dynamodbav:"eventId,omitempty"`
	TTL       int64  `dynamodbav:"ttl"`
}

func (runRecord) storedItem() {}

func runSK(period string) string { return "RUN#" + period }

// ClaimRun creates the run for r.Attempt, or takes over a building one
// whose lease ran out at now.
func (s *Store) ClaimRun(ctx context.Context, r reportmail.Run, now time.Time) (reportmail.RunClaim, error) {
	m, err := marshal(runRecord{PK: subscriptionPK(r.SubscriptionID), SK: runSK(r.Period), Entity: "report_run", Status: runBuilding,
		Attempt: r.Attempt, LeaseUntil: r.LeaseUntil.UTC(), StartedAt: now.UTC(), TTL: now.Add(runTTL).Unix()})
	if err != nil {
		return reportmail.RunClaim{}, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: m,
		ConditionExpression: aws.String("attribute_not_exists(PK)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if err == nil {
		return reportmail.RunClaim{Taken: true}, nil
	}
	if !isConditionFailed(err, -1) {
		return reportmail.RunClaim{}, fmt.Errorf("claim run %s/%s: %w", r.SubscriptionID, r.Period, err)
	}
	var ccf *types.ConditionalCheckFailedException
	var old runRecord
	if errors.As(err, &ccf) && ccf.Item != nil {
		if err := unmarshal(ccf.Item, &old); err != nil {
			return reportmail.RunClaim{}, err
		}
	} else if got, gerr := getRecord[runRecord](ctx, s, subscriptionPK(r.SubscriptionID), runSK(r.Period), "run"); gerr != nil {
		return reportmail.RunClaim{}, gerr
	} else if got != nil {
		old = *got
	}
	if old.Status != runBuilding {
		return reportmail.RunClaim{Status: old.Status}, nil
	}
	if old.LeaseUntil.After(now) {
		return reportmail.RunClaim{HeldUntil: old.LeaseUntil}, nil
	}
	// Its holder is dead: take it over, unless another attempt just did.
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(subscriptionPK(r.SubscriptionID), runSK(r.Period)),
		UpdateExpression:         aws.String("SET attempt = :a, leaseUntil = :l, takeovers = if_not_exists(takeovers, :zero) + :one"),
		ConditionExpression:      aws.String("#status = :building AND attempt = :old"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":a": str(r.Attempt), ":l": str(r.LeaseUntil.UTC().Format(time.RFC3339Nano)), ":zero": num(0), ":one": num(1),
			":building": str(runBuilding), ":old": str(old.Attempt),
		},
	})
	if isConditionFailed(err, -1) {
		return reportmail.RunClaim{HeldUntil: r.LeaseUntil}, nil
	}
	if err != nil {
		return reportmail.RunClaim{}, fmt.Errorf("take over run %s/%s: %w", r.SubscriptionID, r.Period, err)
	}
	return reportmail.RunClaim{Taken: true, Repeat: true}, nil
}

// CompleteRun writes a run's end in one transaction: the run's status (if
// the attempt holds it), the subscription (if at c.PrevVersion) and the
// mail's outbox event.
func (s *Store) CompleteRun(ctx context.Context, c reportmail.Completion) error {
	sub, err := putSubscription(s.table, c.Subscription, c.PrevVersion)
	if err != nil {
		return err
	}
	eventID := ""
	if c.Event != nil {
		eventID = c.Event.ID
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(subscriptionPK(c.Run.SubscriptionID), runSK(c.Run.Period)),
			UpdateExpression:         aws.String("SET #status = :s, finishedAt = :at, eventId = :e REMOVE leaseUntil"),
			ConditionExpression:      aws.String("#status = :building AND attempt = :a"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":s": str(c.Status), ":at": str(c.At.UTC().Format(time.RFC3339Nano)), ":e": str(eventID),
				":building": str(runBuilding), ":a": str(c.Run.Attempt),
			},
		}},
		{Put: sub},
	}
	if c.Event != nil {
		ob, err := newOutboxRecord(*c.Event)
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
	switch {
	case isConditionFailed(err, 0):
		return reportmail.ErrRunLost
	case isConditionFailed(err, 1):
		return apperr.Errorf(apperr.Conflict, "subscription %s changed meanwhile", c.Subscription.ID)
	case err != nil:
		return fmt.Errorf("complete run %s/%s: %w", c.Run.SubscriptionID, c.Run.Period, err)
	}
	return nil
}

// PutEvent writes the outbox record of an event of no claim.
func (s *Store) PutEvent(ctx context.Context, e events.Event) error {
	ob, err := newOutboxRecord(e)
	if err != nil {
		return err
	}
	m, err := marshal(ob)
	if err != nil {
		return err
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: m}); err != nil {
		return fmt.Errorf("put event %s: %w", e.ID, err)
	}
	return nil
}

// RunStatus returns a run's status, attempt and takeovers ("" when there
// is no run): for tests and operators.
func (s *Store) RunStatus(ctx context.Context, subscriptionID, period string) (status string, takeovers int, err error) {
	r, err := getRecord[runRecord](ctx, s, subscriptionPK(subscriptionID), runSK(period), "run")
	if err != nil || r == nil {
		return "", 0, err
	}
	return r.Status, r.Takeovers, nil
}
