package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/quality"
)

// The surge watch's items (package quality):
//
//	QUALITY#<series>#<type>  DAY#<day>         the claims of a series and type filed on a company day (a string set:
//	                                           adding a claim twice counts it once)
//	QUALITY#<series>#<type>  #ALERT            the ID of the series and type's latest alert
//	QMODEL#<model>#<type>    DAY#<day>         the claims of a model and type on a day
//	QMODEL#<model>           SERIES#<series>   a series of the model with claims
//	QSERIES#<series>         #INFO             the first day a claim of the series was counted, its model
//	QSERIES#<series>         #SHIPMENTS        the series' shipments from the ERP (replay-safe by erpVersion)
//	QALERT#<id>              #ALERT            an alert (JSON document, rev); GSI1 = QALERTS#active or QALERTS#closed,
//	                                           by the time it was raised
//
// Every read is a GetItem or a Query on one of these partitions.

func qualityPK(series, typeID string) string { return "QUALITY#" + series + "#" + typeID }
func qmodelPK(model, typeID string) string   { return "QMODEL#" + model + "#" + typeID }
func qseriesPK(series string) string         { return "QSERIES#" + series }
func qalertPK(id string) string              { return "QALERT#" + id }

const (
	qalertSK        = "#ALERT"
	qinfoSK         = "#INFO"
	qshipmentsSK    = "#SHIPMENTS"
	qalertsActive   = "QALERTS#active"
	qalertsClosed   = "QALERTS#closed"
	qualityDayPrefx = "DAY#"
)

// qdayRecord is a day of claims of a series (or model) and type.
type qdayRecord struct {
	PK     string   `dynamodbav:"PK"`
	SK     string   `dynamodbav:"SK"`
	Entity string   `dynamodbav:"entity"`
	Claims []string `dynamodbav:"claims,stringset"`
}

// qcurrentRecord points at a series and type's latest alert.
type qcurrentRecord struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Entity  string `dynamodbav:"entity"`
	AlertID string `dynamodbav:"alertId"`
}

func (qcurrentRecord) storedItem() {}

// qseriesRecord is what is known of a series (#INFO), written by update.
type qseriesRecord struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Entity   string `dynamodbav:"entity"`
	FirstDay string `dynamodbav:"firstDay"`
	Model    string `dynamodbav:"model"`
}

// qmodelSeriesRecord lists a series under its model, written by update.
type qmodelSeriesRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
}

// shipmentRecord is one shipment of a series.
type shipmentRecord struct {
	Date  string `dynamodbav:"date,omitempty"`
	Month string `dynamodbav:"month,omitempty"`
	Units int64  `dynamodbav:"units"`
}

// shipmentsRecord is a series' shipments.
type shipmentsRecord struct {
	PK         string           `dynamodbav:"PK"`
	SK         string           `dynamodbav:"SK"`
	Entity     string           `dynamodbav:"entity"`
	Series     string           `dynamodbav:"series"`
	Model      string           `dynamodbav:"model"`
	Shipments  []shipmentRecord `dynamodbav:"shipments"`
	ERPVersion int64            `dynamodbav:"erpVersion"`
	TotalUnits int64            `dynamodbav:"totalUnits"`
	UpdatedAt  time.Time        `dynamodbav:"updatedAt,omitempty"`
	UpdatedBy  string           `dynamodbav:"updatedBy"`
}

func (shipmentsRecord) storedItem() {}

func newShipmentsRecord(s quality.Shipments) shipmentsRecord {
	return shipmentsRecord{PK: qseriesPK(s.Series), SK: qshipmentsSK, Entity: "shipments", Series: s.Series, Model: s.Model,
		Shipments: convert(s.Shipments, func(x quality.Shipment) shipmentRecord {
			return shipmentRecord{Date: x.Date, Month: x.Month, Units: int64(x.Units)}
		}),
		ERPVersion: s.ERPVersion, TotalUnits: s.TotalUnits, UpdatedAt: s.UpdatedAt, UpdatedBy: s.UpdatedBy}
}

func (r *shipmentsRecord) shipments() *quality.Shipments {
	list := convert(r.Shipments, func(x shipmentRecord) quality.Shipment {
		return quality.Shipment{Date: x.Date, Month: x.Month, Units: float64(x.Units)}
	})
	if list == nil {
		list = []quality.Shipment{}
	}
	return &quality.Shipments{Series: r.Series, Model: r.Model, Shipments: list, ERPVersion: r.ERPVersion, TotalUnits: r.TotalUnits,
		UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
}

// alertRecord is an alert: its document and revision, on GSI1 by status.
type alertRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	Rev    int    `dynamodbav:"rev"`
	Doc    string `dynamodbav:"doc"`
}

func (alertRecord) storedItem() {}

// alertDoc is an alert's document.
type alertDoc struct {
	ID             string          `json:"id"`
	Series         string          `json:"series"`
	Model          string          `json:"model"`
	TypeID         string          `json:"typeId"`
	Status         string          `json:"status"`
	Finding        alertFindingDoc `json:"finding"`
	Window         alertWindowDoc  `json:"window"`
	UnitsInService int64           `json:"unitsInService,omitempty"`
	Claims         []string        `json:"claims"`
	Announcements  int             `json:"announcements"`
	RaisedAt       time.Time       `json:"raisedAt"`
	AnnouncedAt    time.Time       `json:"announcedAt"`
	AcknowledgedAt time.Time       `json:"acknowledgedAt,omitzero"`
	AcknowledgedBy string          `json:"acknowledgedBy,omitempty"`
	MutedUntil     time.Time       `json:"mutedUntil,omitzero"`
	MutedBy        string          `json:"mutedBy,omitempty"`
	ClosedAt       time.Time       `json:"closedAt,omitzero"`
	ClosedBy       string          `json:"closedBy,omitempty"`
	Note           string          `json:"note,omitempty"`
}

type alertFindingDoc struct {
	Ratio         float64 `json:"ratio"`
	Statistic     float64 `json:"statistic"`
	Threshold     float64 `json:"threshold"`
	Observed      int     `json:"observed"`
	Expected      float64 `json:"expected"`
	Days          int     `json:"days"`
	DailyExpected float64 `json:"dailyExpected"`
}

type alertWindowDoc struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

func newAlertRecord(a quality.Alert) (alertRecord, error) {
	f := a.Finding
	d := alertDoc{ID: a.ID, Series: a.Series, Model: a.Model, TypeID: a.TypeID, Status: string(a.Status),
		Finding: alertFindingDoc{Ratio: f.Ratio, Statistic: f.Statistic, Threshold: f.Threshold, Observed: f.Observed, Expected: f.Expected,
			Days: f.Days, DailyExpected: f.DailyExpected},
		Window:         alertWindowDoc{From: a.Window.From, To: a.Window.To, Days: a.Window.Days},
		UnitsInService: a.UnitsInService, Claims: a.Claims, Announcements: a.Announcements, RaisedAt: a.RaisedAt.UTC(),
		AnnouncedAt: a.AnnouncedAt.UTC(), AcknowledgedAt: a.AcknowledgedAt, AcknowledgedBy: a.AcknowledgedBy, MutedUntil: a.MutedUntil,
		MutedBy: a.MutedBy, ClosedAt: a.ClosedAt, ClosedBy: a.ClosedBy, Note: a.Note}
	b, err := json.Marshal(d)
	if err != nil {
		return alertRecord{}, fmt.Errorf("encode alert %s: %w", a.ID, err)
	}
	list := qalertsActive
	if a.Status == quality.Closed {
		list = qalertsClosed
	}
	return alertRecord{PK: qalertPK(a.ID), SK: qalertSK, Entity: "qalert", GSI1PK: list,
		GSI1SK: a.RaisedAt.UTC().Format(timeLayout) + "#" + a.ID, Rev: a.Rev, Doc: string(b)}, nil
}

func (r *alertRecord) alert() (*quality.Alert, error) {
	var d alertDoc
	if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
		return nil, fmt.Errorf("decode alert %s: %w", r.PK, err)
	}
	f := d.Finding
	claims := d.Claims
	if claims == nil {
		claims = []string{}
	}
	return &quality.Alert{ID: d.ID, Series: d.Series, Model: d.Model, TypeID: d.TypeID, Status: quality.Status(d.Status),
		Finding: quality.Finding{Alarm: true, Ratio: f.Ratio, Statistic: f.Statistic, Threshold: f.Threshold, Observed: f.Observed,
			Expected: f.Expected, Days: f.Days, DailyExpected: f.DailyExpected},
		Window:         events.Window{From: d.Window.From, To: d.Window.To, Days: d.Window.Days},
		UnitsInService: d.UnitsInService, Claims: claims, Announcements: d.Announcements, RaisedAt: d.RaisedAt, AnnouncedAt: d.AnnouncedAt,
		AcknowledgedAt: d.AcknowledgedAt, AcknowledgedBy: d.AcknowledgedBy, MutedUntil: d.MutedUntil, MutedBy: d.MutedBy,
		ClosedAt: d.ClosedAt, ClosedBy: d.ClosedBy, Note: d.Note, Rev: r.Rev}, nil
}

// RecordClaim adds a claim to its series and type's day, its model and
// type's day, and the series to its model (string sets and if_not_exists:
// a second call changes nothing).
func (s *Store) RecordClaim(ctx context.Context, c quality.ClaimDay) error {
	set := &types.AttributeValueMemberSS{Value: []string{c.ClaimID}}
	updates := []*dynamodb.UpdateItemInput{
		{Key: key(qualityPK(c.Series, c.TypeID), qualityDayPrefx+c.Day), UpdateExpression: aws.String("SET entity = :e ADD claims :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":e": str("qday"), ":c": set}},
		{Key: key(qseriesPK(c.Series), qinfoSK), UpdateExpression: aws.String("SET entity = :e, firstDay = if_not_exists(firstDay, :d), model = if_not_exists(model, :m)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":e": str("qseries"), ":d": str(c.Day), ":m": str(c.Model)}},
	}
	if c.Model != "" {
		updates = append(updates,
			&dynamodb.UpdateItemInput{Key: key(qmodelPK(c.Model, c.TypeID), qualityDayPrefx+c.Day), UpdateExpression: aws.String("SET entity = :e ADD claims :c"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":e": str("qmodelday"), ":c": set}},
			&dynamodb.UpdateItemInput{Key: key("QMODEL#"+c.Model, "SERIES#"+c.Series), UpdateExpression: aws.String("SET entity = :e"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":e": str("qmodelseries")}})
	}
	for _, u := range updates {
		u.TableName = aws.String(s.table)
		if _, err := s.client.UpdateItem(ctx, u); err != nil {
			return fmt.Errorf("count claim %s on series %s: %w", c.ClaimID, c.Series, err)
		}
	}
	return nil
}

func (s *Store) dayClaims(ctx context.Context, pk, from, to string) (map[string][]string, error) {
	out := map[string][]string{}
	err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":from": str(qualityDayPrefx + from), ":to": str(qualityDayPrefx + to),
		},
		ConsistentRead: aws.Bool(true),
	}, "days of "+pk, func(item map[string]types.AttributeValue) error {
		var r qdayRecord
		if err := unmarshal(item, &r); err != nil {
			return err
		}
		out[strings.TrimPrefix(r.SK, qualityDayPrefx)] = r.Claims
		return nil
	})
	return out, err
}

// SeriesDays returns the claims of a series and type by day in [from, to].
func (s *Store) SeriesDays(ctx context.Context, series, typeID, from, to string) (map[string][]string, error) {
	return s.dayClaims(ctx, qualityPK(series, typeID), from, to)
}

// ModelDays returns the number of claims of a model and type by day in
// [from, to].
func (s *Store) ModelDays(ctx context.Context, model, typeID, from, to string) (map[string]int, error) {
	days, err := s.dayClaims(ctx, qmodelPK(model, typeID), from, to)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(days))
	for d, ids := range days {
		out[d] = len(ids)
	}
	return out, nil
}

// ModelSeries returns how many series of a model have claims.
func (s *Store) ModelSeries(ctx context.Context, model string) (int, error) {
	n := 0
	err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("QMODEL#" + model), ":sk": str("SERIES#")},
		ProjectionExpression:      aws.String("PK"),
	}, "series of model "+model, func(map[string]types.AttributeValue) error { n++; return nil })
	return n, err
}

// SeriesInfo returns the first day a claim of the series was counted and
// its shipments (one query of the series' partition).
func (s *Store) SeriesInfo(ctx context.Context, series string) (quality.SeriesInfo, error) {
	var out quality.SeriesInfo
	err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(qseriesPK(series))},
		ConsistentRead:            aws.Bool(true),
	}, "series "+series, func(item map[string]types.AttributeValue) error {
		var probe struct {
			SK string `dynamodbav:"SK"`
		}
		if err := unmarshal(item, &probe); err != nil {
			return err
		}
		switch probe.SK {
		case qinfoSK:
			var r qseriesRecord
			if err := unmarshal(item, &r); err != nil {
				return err
			}
			out.FirstDay = r.FirstDay
		case qshipmentsSK:
			var r shipmentsRecord
			if err := unmarshal(item, &r); err != nil {
				return err
			}
			out.Shipments = r.shipments()
		}
		return nil
	})
	return out, err
}

// PutShipments stores a series' shipments unless the stored ones have an
// ERP version as high (false then: a replay or an older version).
func (s *Store) PutShipments(ctx context.Context, sh quality.Shipments) (bool, error) {
	item, err := marshal(newShipmentsRecord(sh))
	if err != nil {
		return false, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR erpVersion < :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(sh.ERPVersion)},
	})
	if isConditionFailed(err, -1) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put shipments of series %s: %w", sh.Series, err)
	}
	return true, nil
}

// CurrentAlert returns the latest alert of a series and type (nil when
// there is none).
func (s *Store) CurrentAlert(ctx context.Context, series, typeID string) (*quality.Alert, error) {
	cur, err := getRecord[qcurrentRecord](ctx, s, qualityPK(series, typeID), qalertSK, "the alert of "+series+"/"+typeID)
	if err != nil || cur == nil {
		return nil, err
	}
	a, err := s.Alert(ctx, cur.AlertID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	return a, err
}

// Alert returns an alert; apperr.NotFound when there is none.
func (s *Store) Alert(ctx context.Context, id string) (*quality.Alert, error) {
	r, err := getRecord[alertRecord](ctx, s, qalertPK(id), qalertSK, "alert "+id)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, notFound("alert")
	}
	return r.alert()
}

// Alerts returns up to limit alerts, newest first: the closed ones or the
// others (GSI1).
func (s *Store) Alerts(ctx context.Context, closed bool, limit int) ([]quality.Alert, error) {
	list := qalertsActive
	if closed {
		list = qalertsClosed
	}
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(list)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	alerts := make([]quality.Alert, 0, len(out.Items))
	for _, item := range out.Items {
		var r alertRecord
		if err := unmarshal(item, &r); err != nil {
			return nil, err
		}
		a, err := r.alert()
		if err != nil {
			return nil, err
		}
		alerts = append(alerts, *a)
	}
	return alerts, nil
}

func (s *Store) outboxPuts(evs []events.Event) ([]types.TransactWriteItem, error) {
	var items []types.TransactWriteItem
	for _, e := range evs {
		ob, err := newOutboxRecord(e)
		if err != nil {
			return nil, err
		}
		m, err := marshal(ob)
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: m,
			ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	}
	return items, nil
}

// RaiseAlert stores a new alert as the latest of its series and type in
// place of prevID ("": none), with its outbox event, in one transaction.
// Conflict when the latest alert is no longer prevID.
func (s *Store) RaiseAlert(ctx context.Context, a quality.Alert, prevID string, e events.Event) error {
	rec, err := newAlertRecord(a)
	if err != nil {
		return err
	}
	alertItem, err := marshal(rec)
	if err != nil {
		return err
	}
	curItem, err := marshal(qcurrentRecord{PK: qualityPK(a.Series, a.TypeID), SK: qalertSK, Entity: "qcurrent", AlertID: a.ID})
	if err != nil {
		return err
	}
	cur := &types.Put{TableName: aws.String(s.table), Item: curItem, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if prevID != "" {
		cur.ConditionExpression = aws.String("alertId = :prev")
		cur.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": str(prevID)}
	}
	items := []types.TransactWriteItem{
		{Put: cur},
		{Put: &types.Put{TableName: aws.String(s.table), Item: alertItem, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}
	ob, err := s.outboxPuts([]events.Event{e})
	if err != nil {
		return err
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append(items, ob...)})
	if isConditionFailed(err, -1) || isTransactionConflict(err) {
		return apperr.Errorf(apperr.Conflict, "the alert of %s/%s was raised concurrently", a.Series, a.TypeID)
	}
	if err != nil {
		return fmt.Errorf("raise alert %s: %w", a.ID, err)
	}
	return nil
}

// SaveAlert stores a changed alert if the stored one is still at prevRev,
// with outbox events, in one transaction; Conflict otherwise.
func (s *Store) SaveAlert(ctx context.Context, a quality.Alert, prevRev int, evs []events.Event) error {
	rec, err := newAlertRecord(a)
	if err != nil {
		return err
	}
	item, err := marshal(rec)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(s.table), Item: item,
		ConditionExpression:       aws.String("rev = :prev"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":prev": num(int64(prevRev))}}}}
	ob, err := s.outboxPuts(evs)
	if err != nil {
		return err
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append(items, ob...)})
	if isConditionFailed(err, -1) || isTransactionConflict(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("alert %s was changed concurrently; reload and retry", a.ID)}
	}
	if err != nil {
		return fmt.Errorf("save alert %s: %w", a.ID, err)
	}
	return nil
}
