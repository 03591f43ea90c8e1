package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/sla"
)

const (
	metaSK     = "#META"
	timeLayout = "2006-01-02T15:04:05.000000Z07:00"
)

func claimPK(id string) string { return "CLAIM#" + id }

// sortKey orders list entries by creation time, then ID.
func sortKey(c *claims.Claim) string { return c.CreatedAt.UTC().Format(timeLayout) + "#" + c.ID }

// SLADue is the GSI5 partition of claims with an SLA check to come.
const SLADue = "SLA#DUE"

// WorklistKey is a claim's sort key on its manager's worklist (GSI4): the
// ranking rule's key (sla.UrgencyKey: breached and escalated claims first,
// then by due time, then by priority) and the claim's ID. Every change
// rewrites the claim's item, so the key follows every change that moves
// it (the SLA check's breaches, transitions, priority edits). Keys written
// before the rule (the due time moved by the priority, "9999" without one)
// keep their place by due time until their claim next changes.
func WorklistKey(c *claims.Claim) string {
	return sla.UrgencyKey(c) + "#" + c.ID
}

// PendingOutbox is the GSI3 partition of undelivered outbox events.
const PendingOutbox = "OUTBOX#PENDING"

// The list index dimensions; their values never change after intake.
const (
	DimDealer   = registry.DimDealer
	DimCategory = registry.DimCategory
	DimType     = registry.DimType
	DimCustomer = registry.DimCustomer
	DimSerial   = registry.DimSerial
	DimSeries   = registry.DimSeries
	DimMonth    = registry.DimMonth
	DimOrder    = registry.DimOrder
)

// movingDims are the list dimensions whose entries follow a claim's
// changes: its decision's (registry.DecisionDims) and its active flags'
// (registry.FlagDims).
func movingDims(c *claims.Claim) [][2]string {
	return append(registry.DecisionDims(c.Decision), registry.FlagDims(c)...)
}

// decisionIndexWrites moves a claim's decision and flag list entries
// (movingDims) from the claim before a change to the one after: a Delete
// for each entry that no longer holds, a Put for each new one. A change
// that does not say what it found (before nil) cannot have changed the
// decision or the flags: casework makes every decision and dismissal.
func (s *Store) decisionIndexWrites(before, after *claims.Claim) ([]types.TransactWriteItem, error) {
	if before == nil {
		return nil, nil
	}
	old, cur := movingDims(before), movingDims(after)
	pks := func(dims [][2]string) map[string]bool {
		m := map[string]bool{}
		for _, d := range dims {
			m[indexPK(d[0], d[1])] = true
		}
		return m
	}
	was, is := pks(old), pks(cur)
	var out []types.TransactWriteItem
	for _, d := range cur {
		pk := indexPK(d[0], d[1])
		if was[pk] {
			continue
		}
		m, err := marshal(indexRecord{PK: pk, SK: sortKey(after), Entity: "index", ClaimID: after.ID})
		if err != nil {
			return nil, err
		}
		out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: m}})
	}
	for _, d := range old {
		if pk := indexPK(d[0], d[1]); !is[pk] {
			out = append(out, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(pk, sortKey(after))}})
		}
	}
	return out, nil
}

func indexPK(dim, value string) string { return "IDX#" + dim + "#" + strings.ToUpper(value) }

func indexRecords(c *claims.Claim) []indexRecord {
	dims := [][2]string{
		{DimCategory, c.CategoryID},
		{DimType, c.TypeID},
		{DimCustomer, c.CustomerID},
		{DimMonth, c.CreatedAt.UTC().Format("2006-01")},
		{DimDealer, c.DealerID},
		{DimSerial, c.Product.Serial},
		{DimSeries, c.Product.Series},
		{DimOrder, c.Order.Reference},
	}
	dims = append(dims, registry.FlagDims(c)...)
	var out []indexRecord
	for _, d := range dims {
		if d[1] == "" {
			continue
		}
		out = append(out, indexRecord{PK: indexPK(d[0], d[1]), SK: sortKey(c), Entity: "index", ClaimID: c.ID})
	}
	return out
}

// NextNumber takes the next claim number of a year and, when pool is not
// empty, the next round-robin turn of that assignment pool, in one atomic
// UpdateItem on the year's counter item (concurrent intakes get distinct
// numbers and turns; the turns restart with the year, which only shifts
// where the rotation starts).
func (s *Store) NextNumber(ctx context.Context, year int, pool string) (number, turn int64, err error) {
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key("COUNTER#CLAIM", strconv.Itoa(year)),
		UpdateExpression:          aws.String("ADD n :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		ReturnValues:              types.ReturnValueUpdatedNew,
	}
	if pool != "" {
		in.UpdateExpression = aws.String("ADD n :one, #turn :one")
		in.ExpressionAttributeNames = map[string]string{"#turn": "turn#" + pool}
	}
	out, err := s.client.UpdateItem(ctx, in)
	if err != nil {
		return 0, 0, fmt.Errorf("next claim number for %d: %w", year, err)
	}
	read := func(attr string) (int64, error) {
		v, ok := out.Attributes[attr].(*types.AttributeValueMemberN)
		if !ok {
			return 0, fmt.Errorf("next claim number for %d: no %s returned", year, attr)
		}
		return strconv.ParseInt(v.Value, 10, 64)
	}
	if number, err = read("n"); err != nil {
		return 0, 0, err
	}
	if pool != "" {
		if turn, err = read("turn#" + pool); err != nil {
			return 0, 0, err
		}
	}
	return number, turn, nil
}

// CustomerByContact returns the customer an alias points to, or "".
func (s *Store) CustomerByContact(ctx context.Context, contact string) (string, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key("CONTACT#"+contact, "#CONTACT")})
	if err != nil {
		return "", fmt.Errorf("customer by contact: %w", err)
	}
	var r contactRecord
	if err := unmarshal(out.Item, &r); err != nil {
		return "", err
	}
	return r.CustomerID, nil
}

// CreateClaim writes a new claim and everything that comes with it in one
// transaction. See intake.Store for the errors.
func (s *Store) CreateClaim(ctx context.Context, nc *intake.NewClaim) error {
	c := nc.Claim
	var items []types.TransactWriteItem
	put := func(v storable, cond string) (int, error) {
		m, err := marshal(v)
		if err != nil {
			return 0, err
		}
		p := &types.Put{TableName: aws.String(s.table), Item: m}
		if cond != "" {
			p.ConditionExpression = aws.String(cond)
		}
		items = append(items, types.TransactWriteItem{Put: p})
		return len(items) - 1, nil
	}
	metaIdx, err := put(newClaimRecord(c), "attribute_not_exists(PK)")
	if err != nil {
		return err
	}
	for _, a := range nc.Attachments {
		if _, err := put(newFileRecord(c.ID, a), ""); err != nil {
			return err
		}
	}
	ev, err := newEventRecord(c.ID, nc.Event)
	if err != nil {
		return err
	}
	if _, err := put(ev, "attribute_not_exists(PK)"); err != nil {
		return err
	}
	for _, e := range nc.Outbox {
		ob, err := newOutboxRecord(e)
		if err != nil {
			return err
		}
		if _, err := put(ob, ""); err != nil {
			return err
		}
	}
	for _, ix := range indexRecords(c) {
		if _, err := put(ix, ""); err != nil {
			return err
		}
	}
	for _, k := range claims.EssenceIndexKeys(c.Claimant, c.Essence) {
		// The claimant's latest claim with this essence, for the repeat check.
		if _, err := put(essenceRecord{PK: essencePK(k), SK: essenceSK, Entity: "essence", ClaimID: c.ID, At: c.CreatedAt,
			TTL: c.CreatedAt.Add(claims.RepeatWindow).Unix()}, ""); err != nil {
			return err
		}
	}
	if _, err := put(trackingRecord{PK: "TRACK#" + nc.TrackingHash, SK: "#TRACK", Entity: "tracking", ClaimID: c.ID}, "attribute_not_exists(PK)"); err != nil {
		return err
	}
	for _, alias := range nc.ContactAliases {
		if _, err := put(contactRecord{PK: "CONTACT#" + alias, SK: "#CONTACT", Entity: "contact", CustomerID: nc.Customer.ID}, ""); err != nil {
			return err
		}
	}
	items = append(items, types.TransactWriteItem{Update: s.customerUpdate(nc.Customer)})
	customerIdx := len(items) - 1
	idemIdx := -1
	if k := nc.Idempotency; k != nil {
		// The key's record, done, while this attempt still holds the key.
		idemIdx, err = put(idempotencyRecord{PK: idemPK(k.Scope, k.Key), SK: idemSK, Entity: "idempotency",
			BodyHash: k.BodyHash, ClaimID: c.ID, TTL: k.Expires.Unix()}, "#owner = :owner AND attribute_not_exists(claimId)")
		if err != nil {
			return err
		}
		items[idemIdx].Put.ExpressionAttributeNames = map[string]string{"#owner": "owner"}
		items[idemIdx].Put.ExpressionAttributeValues = map[string]types.AttributeValue{":owner": str(k.Owner)}
	}
	if len(items) > 100 {
		return apperr.InvalidField("attachments", "too many files for one claim")
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	failed := failedItems(err)
	if _, ok := failed[metaIdx]; ok {
		return fmt.Errorf("create claim %s: %w", c.ID, intake.ErrNumberTaken)
	}
	if _, ok := failed[idemIdx]; ok && idemIdx >= 0 {
		return fmt.Errorf("create claim %s: %w", c.ID, intake.ErrReservationLost)
	}
	if old, ok := failed[customerIdx]; ok {
		var p customerRecord
		if old != nil {
			_ = unmarshal(old, &p)
		}
		return &intake.PersonalManagerError{Manager: p.PersonalManager}
	}
	if isTransient(err) {
		return fmt.Errorf("create claim %s: %w: %w", c.ID, intake.ErrTransient, err)
	}
	return fmt.Errorf("create claim %s: %w", c.ID, err)
}

// rateLimitUpdate counts one write against a rate limit; it fails its
// transaction when the counter has reached the limit.
func (s *Store) rateLimitUpdate(r claims.RateLimit) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(s.table),
		Key:                      key("RATE#"+r.Key, "#RATE"),
		UpdateExpression:         aws.String("ADD n :one SET #ttl = :ttl, entity = :entity"),
		ConditionExpression:      aws.String("attribute_not_exists(n) OR n < :limit"),
		ExpressionAttributeNames: map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": num(1), ":ttl": num(r.Expires.Unix()), ":limit": num(int64(r.Limit)), ":entity": str("rate"),
		},
	}}
}

const idemSK = "#IDEM"

func idemPK(scope, key string) string { return "IDEM#" + scope + "#" + key }

// Reserve holds an idempotency key for an attempt and counts the rate
// limits, in one conditional write (a transaction when there are several
// items). See intake.Store for the errors.
func (s *Store) Reserve(ctx context.Context, r *intake.Reservation) error {
	var items []types.TransactWriteItem
	idemIdx := -1
	if k := r.Key; k != nil {
		m, err := marshal(idempotencyRecord{PK: idemPK(k.Scope, k.Key), SK: idemSK, Entity: "idempotency", BodyHash: k.BodyHash,
			Owner: k.Owner, Lease: r.LeaseUntil.UnixMilli(), Number: r.Number, Turn: r.Turn, TTL: k.Expires.Unix()})
		if err != nil {
			return err
		}
		p := &types.Put{TableName: aws.String(s.table), Item: m, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
		if r.Replaces == "" {
			// An expired record (TTL passed, not yet deleted by DynamoDB,
			// which can take days) no longer holds its key.
			p.ConditionExpression = aws.String("attribute_not_exists(PK) OR #ttl < :now")
			p.ExpressionAttributeNames = map[string]string{"#ttl": "ttl"}
			p.ExpressionAttributeValues = map[string]types.AttributeValue{":now": num(r.Now.Unix())}
		} else {
			// The lapsed or released holder, unchanged since it was read.
			p.ConditionExpression = aws.String("#owner = :old AND attribute_not_exists(claimId)")
			p.ExpressionAttributeNames = map[string]string{"#owner": "owner"}
			p.ExpressionAttributeValues = map[string]types.AttributeValue{":old": str(r.Replaces)}
		}
		items = append(items, types.TransactWriteItem{Put: p})
		idemIdx = 0
	}
	rateIdx := map[int]bool{}
	for _, rl := range r.RateLimits {
		items = append(items, s.rateLimitUpdate(rl))
		rateIdx[len(items)-1] = true
	}
	var err error
	failed := map[int]map[string]types.AttributeValue{}
	switch {
	case len(items) == 0:
		return nil
	case len(items) == 1 && items[0].Put != nil:
		// One item: a plain conditional write costs half a transaction.
		p := items[0].Put
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item, ConditionExpression: p.ConditionExpression,
			ExpressionAttributeNames: p.ExpressionAttributeNames, ExpressionAttributeValues: p.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			failed[0] = ccf.Item
		}
	case len(items) == 1:
		u := items[0].Update
		_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
			ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues})
		if isConditionFailed(err, -1) {
			failed[0] = nil
		}
	default:
		_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		failed = failedItems(err)
	}
	if err == nil {
		return nil
	}
	// The key first: a replay over the limit is still the same claim.
	if old, ok := failed[idemIdx]; ok && idemIdx >= 0 {
		var it idempotencyRecord
		if old != nil {
			if err := unmarshal(old, &it); err != nil {
				return err
			}
		}
		if it.PK == "" {
			// The record exists but was not returned: read it.
			rec, err := s.IdempotencyRecord(ctx, r.Key.Scope, r.Key.Key)
			if err != nil {
				return err
			}
			if rec == nil {
				return fmt.Errorf("reserve idempotency key %s: %w", r.Key.Key, intake.ErrTransient)
			}
			return &intake.KeyHeldError{Record: *rec}
		}
		return &intake.KeyHeldError{Record: *it.record()}
	}
	for i := range failed {
		if rateIdx[i] {
			return apperr.Errorf(apperr.RateLimited, "too many claims from here in the last hour; try again later")
		}
	}
	return fmt.Errorf("reserve idempotency key and rate limits: %w", err)
}

// IdempotencyRecord returns the record of a key (read consistently), or nil.
func (s *Store) IdempotencyRecord(ctx context.Context, scope, idemKey string) (*intake.IdempotencyRecord, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(idemPK(scope, idemKey), idemSK), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("read idempotency record: %w", err)
	}
	if out.Item == nil {
		return nil, nil
	}
	var it idempotencyRecord
	if err := unmarshal(out.Item, &it); err != nil {
		return nil, err
	}
	return it.record(), nil
}

// Release gives up a reservation (lease 0), keeping the number and turn it
// took for the next attempt; nothing happens when r no longer holds the key.
func (s *Store) Release(ctx context.Context, r *intake.Reservation, number string, turn int64) error {
	k := r.Key
	expr := "SET lease = :zero"
	vals := map[string]types.AttributeValue{":zero": num(0), ":owner": str(k.Owner)}
	if number != "" {
		expr += ", #number = :number, turn = :turn"
		vals[":number"], vals[":turn"] = str(number), num(turn)
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(idemPK(k.Scope, k.Key), idemSK),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("#owner = :owner AND attribute_not_exists(claimId)"),
		ExpressionAttributeNames:  map[string]string{"#owner": "owner"},
		ExpressionAttributeValues: vals,
	}
	if number != "" {
		in.ExpressionAttributeNames["#number"] = "number"
	}
	_, err := s.client.UpdateItem(ctx, in)
	if err != nil && !isConditionFailed(err, -1) {
		return fmt.Errorf("release idempotency key %s: %w", k.Key, err)
	}
	return nil
}

// customerUpdate upserts the profile: the latest contact details win, the
// first-seen time and claim count accumulate.
func (s *Store) customerUpdate(cu intake.Customer) *types.Update {
	set := []string{"entity = :entity", "#name = :name", "lastSeen = :at", "firstSeen = if_not_exists(firstSeen, :at)", "claims = if_not_exists(claims, :zero) + :one"}
	vals := map[string]types.AttributeValue{
		":entity": str("customer"), ":name": str(cu.Claimant.Name), ":at": str(cu.At.UTC().Format(time.RFC3339)),
		":zero": num(0), ":one": num(1),
	}
	for attr, v := range map[string]string{"email": cu.Claimant.Email, "phone": cu.Claimant.Phone, "company": cu.Claimant.Company, "taxId": cu.Claimant.TaxID} {
		if v != "" {
			set = append(set, attr+" = :"+attr)
			vals[":"+attr] = str(v)
		}
	}
	sort.Strings(set)
	u := &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key("CUSTOMER#"+cu.ID, "#PROFILE"),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ")),
		ExpressionAttributeNames:  map[string]string{"#name": "name"},
		ExpressionAttributeValues: vals,
	}
	if len(cu.NotManagedBy) > 0 {
		// The claim's manager must not be the customer's personal manager.
		names := make([]string, len(cu.NotManagedBy))
		for i, m := range cu.NotManagedBy {
			names[i] = fmt.Sprintf(":pm%d", i)
			vals[names[i]] = str(m)
		}
		u.ConditionExpression = aws.String("attribute_not_exists(personalManager) OR NOT (personalManager IN (" + strings.Join(names, ", ") + "))")
		u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return u
}

// GetClaim returns a claim; apperr.NotFound when it does not exist.
func (s *Store) GetClaim(ctx context.Context, id string) (*claims.Claim, error) {
	r, err := getRecord[claimRecord](ctx, s, claimPK(id), metaSK, "claim "+id)
	if err != nil || r == nil {
		return nil, cmp.Or(err, notFound("claim "+id))
	}
	c := r.claim()
	return &c, nil
}

// ClaimDetail returns a claim with its attachments and history in one query;
// apperr.NotFound when it does not exist.
func (s *Store) ClaimDetail(ctx context.Context, id string) (*registry.Detail, error) {
	d := &registry.Detail{}
	found := false
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(claimPK(id))},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("claim detail %s: %w", id, err)
		}
		for _, item := range page.Items {
			kind := ""
			if v, ok := item["entity"].(*types.AttributeValueMemberS); ok {
				kind = v.Value
			}
			switch kind {
			case "claim":
				var r claimRecord
				if err := unmarshal(item, &r); err != nil {
					return nil, err
				}
				d.Claim, found = r.claim(), true
			case "file":
				var r fileRecord
				if err := unmarshal(item, &r); err != nil {
					return nil, err
				}
				d.Attachments = append(d.Attachments, r.attachment())
			case "message":
				var r messageRecord
				if err := unmarshal(item, &r); err != nil {
					return nil, err
				}
				d.Messages = append(d.Messages, r.message())
			case "document":
				var r documentRecord
				if err := unmarshal(item, &r); err != nil {
					return nil, err
				}
				d.Documents = append(d.Documents, r.document())
			case "event":
				var r eventRecord
				if err := unmarshal(item, &r); err != nil {
					return nil, err
				}
				e, err := r.event()
				if err != nil {
					return nil, err
				}
				d.History = append(d.History, e)
			}
		}
	}
	if !found {
		return nil, notFound("claim " + id)
	}
	return d, nil
}

// ClaimIDByTracking returns the claim a tracking token hash belongs to;
// apperr.NotFound when none does.
func (s *Store) ClaimIDByTracking(ctx context.Context, hash string) (string, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key("TRACK#"+hash, "#TRACK")})
	if err != nil {
		return "", fmt.Errorf("claim by tracking token: %w", err)
	}
	var r trackingRecord
	if err := unmarshal(out.Item, &r); err != nil {
		return "", err
	}
	if r.ClaimID == "" {
		return "", notFound("claim")
	}
	return r.ClaimID, nil
}

// ListClaims returns a page of claims of one dimension value, newest first.
func (s *Store) ListClaims(ctx context.Context, spec registry.ListSpec) (*registry.ListPage, error) {
	limit := int32(min(max(spec.Limit, 1), 100))
	in := &dynamodb.QueryInput{
		TableName:        aws.String(s.table),
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(limit),
	}
	pkAttr, skAttr := "PK", "SK"
	var pk string
	switch spec.Dim {
	case registry.DimStage:
		in.IndexName, pkAttr, skAttr, pk = aws.String("GSI1"), "GSI1PK", "GSI1SK", "STAGE#"+spec.Value
	case registry.DimAssignee:
		in.IndexName, pkAttr, skAttr, pk = aws.String("GSI2"), "GSI2PK", "GSI2SK", "ASSIGNEE#"+spec.Value
	case DimDealer, DimCategory, DimType, DimCustomer, DimSerial, DimSeries, DimMonth, DimOrder,
		registry.DimWarranty, registry.DimResolution, registry.DimRootCause, registry.DimFaultParty, registry.DimCulprit,
		registry.DimFlag:
		pk = indexPK(spec.Dim, spec.Value)
	default:
		return nil, apperr.InvalidField("filter", "unknown list dimension "+spec.Dim)
	}
	cond := pkAttr + " = :pk"
	vals := map[string]types.AttributeValue{":pk": str(pk)}
	// Key conditions may not compare with an empty string, so an open end
	// is a one-sided comparison rather than BETWEEN "" and ...
	lo, hi := "", ""
	if !spec.From.IsZero() {
		lo = spec.From.UTC().Format(timeLayout)
	}
	if !spec.To.IsZero() {
		hi = spec.To.UTC().Format(timeLayout) + "~"
	}
	switch {
	case lo != "" && hi != "":
		cond += " AND " + skAttr + " BETWEEN :lo AND :hi"
		vals[":lo"], vals[":hi"] = str(lo), str(hi)
	case lo != "":
		cond += " AND " + skAttr + " >= :lo"
		vals[":lo"] = str(lo)
	case hi != "":
		cond += " AND " + skAttr + " <= :hi"
		vals[":hi"] = str(hi)
	}
	in.KeyConditionExpression = aws.String(cond)
	in.ExpressionAttributeValues = vals
	if spec.Start != "" {
		// DynamoDB accepts any start key of the right shape, so a forged one
		// would silently skip claims or (on an index) point at another item.
		id, ok := startClaimID(spec.Start)
		if !ok {
			return nil, apperr.InvalidField("cursor", "not a cursor of this list")
		}
		start := map[string]types.AttributeValue{pkAttr: str(pk), skAttr: str(spec.Start)}
		if spec.Dim == registry.DimStage || spec.Dim == registry.DimAssignee {
			// An index key needs the table key too; SK order ends with the ID.
			start["PK"], start["SK"] = str(claimPK(id)), str(metaSK)
		} else {
			start["PK"], start["SK"] = str(pk), str(spec.Start)
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" && spec.Start != "" {
			return nil, apperr.InvalidField("cursor", "not a cursor of this list")
		}
		return nil, fmt.Errorf("list claims by %s: %w", spec.Dim, err)
	}
	page := &registry.ListPage{}
	if len(out.LastEvaluatedKey) > 0 {
		if v, ok := out.LastEvaluatedKey[skAttr].(*types.AttributeValueMemberS); ok {
			page.Next = v.Value
		}
	}
	if in.IndexName != nil {
		for _, item := range out.Items {
			var r claimRecord
			if err := unmarshal(item, &r); err != nil {
				return nil, err
			}
			page.Claims = append(page.Claims, r.claim())
		}
		return page, nil
	}
	ids := make([]string, 0, len(out.Items))
	for _, item := range out.Items {
		var r indexRecord
		if err := unmarshal(item, &r); err != nil {
			return nil, err
		}
		ids = append(ids, r.ClaimID)
	}
	page.Claims, err = s.claimsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	return page, nil
}

// startClaimID returns the claim ID of a page start, which must be a list
// sort key as sortKey writes it: a creation time and a claim number.
func startClaimID(start string) (string, bool) {
	at, id, ok := strings.Cut(start, "#")
	if !ok || !claims.ValidNumber(id) {
		return "", false
	}
	if _, err := time.Parse(timeLayout, at); err != nil {
		return "", false
	}
	return id, true
}

// claimsByID reads claims with BatchGetItem, keeping the order of ids.
func (s *Store) claimsByID(ctx context.Context, ids []string) ([]claims.Claim, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	got := map[string]claims.Claim{}
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(claimPK(id), metaSK)
	}
	req := map[string]types.KeysAndAttributes{s.table: {Keys: keys}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 5 {
			return nil, fmt.Errorf("batch get claims: unprocessed keys after retries")
		}
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("batch get claims: %w", err)
		}
		for _, item := range out.Responses[s.table] {
			var r claimRecord
			if err := unmarshal(item, &r); err != nil {
				return nil, err
			}
			got[r.ID] = r.claim()
		}
		req = out.UnprocessedKeys
		if len(req) > 0 {
			time.Sleep(time.Duration(20<<attempt) * time.Millisecond)
		}
	}
	out := make([]claims.Claim, 0, len(ids))
	for _, id := range ids {
		if c, ok := got[id]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// ApplyChange writes a versioned change atomically: the claim's new state,
// its history entry, and the change's files and outbox events. It returns
// apperr.Conflict (with the current version in Details) when another change
// won the race.
func (s *Store) ApplyChange(ctx context.Context, ch *claims.Change) error {
	c := ch.Claim
	meta, err := marshal(newClaimRecord(c))
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:                           aws.String(s.table),
		Item:                                meta,
		ConditionExpression:                 aws.String("version = :v"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": num(int64(ch.PrevVersion))},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}
	ev, err := newEventRecord(c.ID, ch.Event)
	if err != nil {
		return err
	}
	evItem, err := marshal(ev)
	if err != nil {
		return err
	}
	items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: evItem, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	for _, a := range ch.Files {
		m, err := marshal(newFileRecord(c.ID, a))
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	}
	for _, e := range ch.Outbox {
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
	for _, msg := range ch.Messages {
		m, err := marshal(newMessageRecord(c.ID, msg))
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	}
	orderIdx := map[int]string{}
	for _, o := range ch.Orders {
		m, err := marshal(newOrderRecord(o))
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
		orderIdx[len(items)-1] = o.Number
	}
	idx, err := s.decisionIndexWrites(ch.Before, c)
	if err != nil {
		return err
	}
	items = append(items, idx...)
	rateIdx := map[int]bool{}
	for _, r := range ch.RateLimits {
		items = append(items, s.rateLimitUpdate(r))
		rateIdx[len(items)-1] = true
	}
	if len(items) > 100 {
		return apperr.Errorf(apperr.Invalid, "the change writes too many items")
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	for i := range failedItems(err) {
		if rateIdx[i] {
			return apperr.Errorf(apperr.RateLimited, "too many messages from here in the last hour; try again later")
		}
	}
	for i := range failedItems(err) {
		if n, ok := orderIdx[i]; ok {
			return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("order %s already exists", n), Details: map[string]any{"order": n}}
		}
	}
	failed := failedItems(err)
	if old, ok := failed[0]; ok {
		current := 0
		if old != nil {
			var r claimRecord
			if unmarshal(old, &r) == nil {
				current = r.Version
			}
		}
		if current == 0 {
			return notFound("claim " + c.ID)
		}
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s was changed by someone else (version %d); reload and retry", c.ID, current),
			Details: map[string]any{"currentVersion": current}}
	}
	if len(failed) > 0 || isTransactionConflict(err) {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s was changed concurrently; reload and retry", c.ID)}
	}
	return fmt.Errorf("apply change to claim %s: %w", c.ID, err)
}

// Worklist returns a page of a manager's open claims, most urgent first
// (GSI4, ordered by WorklistKey). start continues after a previous page's
// last key.
func (s *Store) Worklist(ctx context.Context, assignee string, limit int, start string) (*registry.ListPage, error) {
	pk := "WORK#" + assignee
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String("GSI4"),
		KeyConditionExpression:    aws.String("GSI4PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		Limit:                     aws.Int32(int32(min(max(limit, 1), 100))),
	}
	if start != "" {
		i := strings.LastIndexByte(start, '#')
		if i < 0 || !claims.ValidNumber(start[i+1:]) {
			return nil, apperr.InvalidField("cursor", "not a cursor of this list")
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			"GSI4PK": str(pk), "GSI4SK": str(start), "PK": str(claimPK(start[i+1:])), "SK": str(metaSK),
		}
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("worklist of %s: %w", assignee, err)
	}
	page := &registry.ListPage{}
	for _, item := range out.Items {
		var r claimRecord
		if err := unmarshal(item, &r); err != nil {
			return nil, err
		}
		page.Claims = append(page.Claims, r.claim())
	}
	if v, ok := out.LastEvaluatedKey["GSI4SK"].(*types.AttributeValueMemberS); ok {
		page.Next = v.Value
	}
	return page, nil
}

// PendingEvents returns up to limit outbox events written before before that
// the notifier has not received, oldest first (GSI3; normally empty).
func (s *Store) PendingEvents(ctx context.Context, before time.Time, limit int) ([]events.Event, error) {
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String("GSI3"),
		KeyConditionExpression: aws.String("GSI3PK = :pk AND GSI3SK < :before"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(PendingOutbox), ":before": str(before.UTC().Format(timeLayout)),
		},
		Limit: aws.Int32(int32(min(max(limit, 1), 1000))),
	})
	var out []events.Event
	for p.HasMorePages() && len(out) < limit {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("pending outbox events: %w", err)
		}
		for _, item := range page.Items {
			var r outboxRecord
			if err := unmarshal(item, &r); err != nil {
				return nil, err
			}
			e, err := r.event()
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DueClaims returns a page of the claims whose SLA check is due by until,
// earliest first (GSI5: only those claims are read, never the table). start
// continues after a previous page ("" = first page); next is "" on the last.
func (s *Store) DueClaims(ctx context.Context, until time.Time, limit int, start string) (due []claims.Claim, next string, err error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String("GSI5"),
		KeyConditionExpression: aws.String("GSI5PK = :pk AND GSI5SK <= :until"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(SLADue), ":until": str(until.UTC().Format(timeLayout) + "~"),
		},
		Limit: aws.Int32(int32(min(max(limit, 1), 500))),
	}
	if start != "" {
		i := strings.LastIndexByte(start, '#')
		if i < 0 || !claims.ValidNumber(start[i+1:]) {
			return nil, "", apperr.InvalidField("start", "not a key of the due index")
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			"GSI5PK": str(SLADue), "GSI5SK": str(start), "PK": str(claimPK(start[i+1:])), "SK": str(metaSK),
		}
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("due claims: %w", err)
	}
	for _, item := range out.Items {
		var r claimRecord
		if err := unmarshal(item, &r); err != nil {
			return nil, "", err
		}
		due = append(due, r.claim())
	}
	if v, ok := out.LastEvaluatedKey["GSI5SK"].(*types.AttributeValueMemberS); ok {
		next = v.Value
	}
	return due, next, nil
}

// Postpone moves pending outbox events' place on the pending index (GSI3) to
// until; events received meanwhile are left alone.
func (s *Store) Postpone(ctx context.Context, events []events.Event, until time.Time) error {
	var errs []error
	for _, e := range events {
		_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(s.table),
			Key:                       key(outboxPK(e), "OUTBOX#"+e.ID),
			UpdateExpression:          aws.String("SET GSI3SK = :sk ADD relays :one"),
			ConditionExpression:       aws.String("attribute_exists(GSI3PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":sk": str(until.UTC().Format(timeLayout) + "#" + e.ID), ":one": num(1)},
		})
		if err != nil && !isConditionFailed(err, -1) {
			errs = append(errs, fmt.Errorf("postpone event %s: %w", e.ID, err))
		}
	}
	return errors.Join(errs...)
}
