// Package dynamo is the DynamoDB implementation of the application's storage:
// one table, single-table design, every access path a GetItem, a Query on a key
// or index, or a transaction — never a Scan. The item layout is private to
// this package (unexported record structs in records.go and key functions);
// domain packages see only their own types. The records name the stored
// attributes with their own dynamodbav tags, never the domain types' JSON
// tags (schema_test.go pins every name), and leave a time that is not set
// out of the item.
//
// Layout (PK / SK):
//
//	CLAIM#<id>          #META               the claim; GSI1 = STAGE#<stage>, GSI2 = ASSIGNEE#<user>,
//	                                        GSI4 = WORK#<user> (open claims by urgency), GSI5 = SLA#DUE
//	                                        (open claims by their next SLA check)
//	CLAIM#<id>          FILE#<at>#<id>      an attachment
//	CLAIM#<id>          MSG#<at>#<id>       a chat message
//	CLAIM#<id>          EVENT#<seq>         a history entry (hash-chained JSON)
//	AGG#<scope>#<dim>#<yyyy-mm>  <dd>#<value>  the reports' counters of a day and dimension value
//	                                        (scope "all" or "dealer:<id>"; counters n_<name>); a month's in
//	                                        AGG#<scope>#<dim>#m<yyyy> / <mm>#<value>, all time's in
//	                                        AGG#<scope>#<dim>#total / <value>
//	AGGCLAIM#<id>       FACT#<kind>         what a claim contributed of a fact kind (stamp, cells)
//	CLAIM#<id>          DOC#<id>            a generated document (its PDF under documents/<claim>/ in the
//	                                        bucket; a TORG-2 act keeps the request it was filled from)
//	CLAIM#<id>          OUTBOX#<event id>   an outbox event; GSI3 = OUTBOX#PENDING until the notifier receives it
//	                                        (an event of no claim, a report mail's: OUTBOX#<event id> / OUTBOX#<event id>)
//	RSUB#<id>           #SUB                a report subscription (JSON doc, version); GSI1 = RSUBS / <owner>#<id>
//	                                        (owner "staff" or "dealer:<id>"), GSI5 = REPORTMAIL#DUE / <next run>#<id>
//	                                        while active (the scheduled job's due list)
//	RSUB#<id>           RUN#<period>        a run of a subscription for a period (from_to): building (held by
//	                                        attempt until leaseUntil), then sent / skipped_empty / skipped_unchanged
//	IDX#<dim>#<value>   <created>#<id>      list index of immutable dimensions (dealer, category, type,
//	                                        customer, serial, series, month, source order) and of the
//	                                        decision's (warranty, resolution, root cause, fault party,
//	                                        culprit department: moved in the decision's transaction) and
//	                                        the active flags' (flag: each kind and "any"; removed in a
//	                                        dismissal's transaction)
//	ESSENCE#<hash>      #ESSENCE            a claimant's (email or phone) latest claim with an essence, for
//	                                        the repeat flag (claimId, at; TTL: the repeat window)
//	ORDER#<number>      #ORDER              an order: source (ERP upsert, replay-safe by erpVersion) or
//	                                        created from a claim (RW-/AD-<claim>-<n>, sourceClaim set)
//	CUSTOMER#<id>       #PROFILE            customer profile; personalManager = the sales manager of the
//	                                        customer's latest ERP source order (never their claims' manager),
//	                                        or as set through the API
//	CONTACT#<contact>   #CONTACT            contact alias -> customer
//	TRACK#<hash>        #TRACK              tracking token hash -> claim
//	IDEM#<scope>#<key>  #IDEM               idempotency record (TTL): held by one attempt (owner, lease) before
//	                                        the claim is numbered, then the claim it made (claimId); a released
//	                                        hold keeps the number it took for the next attempt
//	RATE#<key>#<hour>   #RATE               rate-limit counter (TTL)
//	COUNTER#CLAIM       <year>              claim number counter (n) and the round-robin turn of each
//	                                        assignment pool (turn#<pool key>)
//	CATALOG             CATEGORY#<id> / TYPE#<id> / ROOTCAUSE#<id> / MODEL#<id> (product models)
//	KB#<id>             #ARTICLE / V#<n>    a knowledge base article (GSI1 = KB#ARTICLES / <updatedAt>#<id>)
//	                                        and its versions; KBLINK#<kind>#<value> / KB#<id> its links to
//	                                        the catalog with its summary (layout in kb.go); KBVIEW#<token> /
//	                                        #VIEW a self-help view before filing, KBSTAT#<yyyy-mm> / <dd>#<id>
//	                                        an article's views of a day (kbview.go)
//	ROSTER              MANAGER#<id>        a claims manager: skills, substitute, absences (JSON doc, rev)
//	CONFIG              sla / calendar      SLA policies, working calendar (JSON documents)
//	QR#<id>             #QR                 issued QR code (revoked, revokedAt, reason once withdrawn);
//	                                        QRBATCH#<batch> / QR#<position> lists a batch (same record)
//	DELIVERY#<event id> <delivery key>      one delivery of an event (mail:claimant, webhook:<id>, ...; TTL 30 days):
//	                                        status sending (held by attempt until leaseUntil) / failed / done;
//	                                        claims and repeats count the attempts that took it and those
//	                                        that took it over with its outcome unknown
//	INBOX#<recipient>   NOTE#<at>#<id>      an in-app note for user:<id> or role:supervisors (TTL 90 days);
//	                                        GSI1 = UNREAD#<recipient> while unread
//	WEBHOOK             TARGET#<id>         a webhook target (URL, event types, dealer, active)
//	EXPORT#<id>         #JOB                a background export of the claims list (TTL 30 days): queued /
//	                                        running (held by attempt until leaseUntil) / done (its file under
//	                                        exports/<id>/) / failed (reason); the requester's principal it runs
//	                                        as; GSI1 = EXPORTS#<user> / <created>#<id> (a user's latest jobs)
//	QUALITY#… QMODEL#… QSERIES#… QALERT#…   the surge watch: claims per series (model) and type and day,
//	                                        shipments, alerts (layout in quality.go)
//	KBINDEX             #CURRENT            the knowledge base's search index pointer: version, s3Key of its
//	                                        object (kb/index/<version>-<random>.bin), moved by a write
//	                                        conditional on the version it replaces (kbindex.go)
//
// It must not be imported by domain packages; they declare the interfaces it
// satisfies.
//
// Layer: adapter.
package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/deps"
)

// Store reads and writes the application's table.
type Store struct {
	client *dynamodb.Client
	table  string
}

// Config wires a Store; both fields are required.
type Config struct {
	// Client is the DynamoDB client (app.DynamoDB builds the functions').
	Client *dynamodb.Client
	// Table is the table's name (TABLE_NAME).
	Table string
}

// New returns a Store on cfg.Table. It returns an Internal error naming
// what cfg lacks.
func New(cfg Config) (*Store, error) {
	if err := deps.Check("dynamo", deps.Need("Client", cfg.Client), deps.Need("Table", cfg.Table)); err != nil {
		return nil, err
	}
	return &Store{client: cfg.Client, table: cfg.Table}, nil
}

// Ping checks that the table answers a key read (what health checks need and
// what the function's GetItem permission allows).
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table),
		Key:       key("HEALTH", "HEALTH"),
	})
	if err != nil {
		return fmt.Errorf("ping table %s: %w", s.table, err)
	}
	return nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(v)}
}

// isConditionFailed reports whether err is a failed condition, either of a
// single write or of the item at index i of a cancelled transaction (i < 0:
// any item). It is the one place that recognises these errors.
func isConditionFailed(err error, i int) bool {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for j, r := range tce.CancellationReasons {
			if (i < 0 || i == j) && aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return true
			}
		}
	}
	return false
}

// failedItems returns the indexes of a cancelled transaction's items whose
// condition failed, with the old items when they were returned.
func failedItems(err error) map[int]map[string]types.AttributeValue {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	out := map[int]map[string]types.AttributeValue{}
	for i, r := range tce.CancellationReasons {
		if aws.ToString(r.Code) == "ConditionalCheckFailed" {
			out[i] = r.Item
		}
	}
	return out
}

// isTransactionConflict reports a transaction cancelled because another one
// was touching the same items (DynamoDB's TransactionConflict), which is worth
// a retry.
func isTransactionConflict(err error) bool {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "TransactionConflict" {
				return true
			}
		}
	}
	var tip *types.TransactionInProgressException
	return errors.As(err, &tip)
}

// isTransient reports a failure that may pass if the same write is tried
// again: a transaction conflict, throttling (after the SDK's own retries), a
// service error, or no answer at all (the SDK's retries spent on a network
// failure). Refusals (conditions, validation, access) are not transient.
func isTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if isTransactionConflict(err) {
		return true
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
				return true
			}
		}
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
			"InternalServerError", "ServiceUnavailable", "LimitExceededException":
			return true
		}
		return false
	}
	return true
}

func notFound(what string) error { return apperr.Errorf(apperr.NotFound, "%s not found", what) }

// getRecord reads one item with a consistent read into a record of type R:
// nil (and no error) when there is none. what names the item in errors.
func getRecord[R any](ctx context.Context, s *Store, pk, sk, what string) (*R, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", what, err)
	}
	if out.Item == nil {
		return nil, nil
	}
	var r R
	if err := unmarshal(out.Item, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// errStopQuery, returned by a queryAll or queryRecords callback, ends the
// query early without an error.
var errStopQuery = errors.New("stop the query")

// queryAll runs a query on the table to its end (or until f returns
// errStopQuery) and hands each item to f; what names the query in errors.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput, what string, f func(map[string]types.AttributeValue) error) error {
	in.TableName = aws.String(s.table)
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for _, item := range page.Items {
			if err := f(item); errors.Is(err, errStopQuery) {
				return nil
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}

// queryRecords is queryAll with each item unmarshalled into a record R.
func queryRecords[R any](ctx context.Context, s *Store, in *dynamodb.QueryInput, what string, f func(*R) error) error {
	return s.queryAll(ctx, in, what, func(item map[string]types.AttributeValue) error {
		var r R
		if err := unmarshal(item, &r); err != nil {
			return err
		}
		return f(&r)
	})
}
