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
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/visibility"
)

// ExportTTL is how long an export job's item stays (DynamoDB's TTL removes
// it); its file is expired by the bucket's lifecycle rule sooner.
const ExportTTL = 30 * 24 * time.Hour

func exportPK(id string) string { return "EXPORT#" + id }

const exportSK = "#JOB"

func userExportsPK(userID string) string { return "EXPORTS#" + userID }

// exportFiltersRecord is a job's registry filters.
// exportFiltersRecord is exports.Filters as stored; the two convert into
// each other, so a filter added to one must be added to the other.
type exportFiltersRecord struct {
	Stage             string    `dynamodbav:"stage,omitempty"`
	CategoryID        string    `dynamodbav:"categoryId,omitempty"`
	TypeID            string    `dynamodbav:"typeId,omitempty"`
	DealerID          string    `dynamodbav:"dealerId,omitempty"`
	CustomerID        string    `dynamodbav:"customerId,omitempty"`
	Serial            string    `dynamodbav:"serial,omitempty"`
	Series            string    `dynamodbav:"series,omitempty"`
	Order             string    `dynamodbav:"order,omitempty"`
	Assignee          string    `dynamodbav:"assignee,omitempty"`
	WarrantyCase      *bool     `dynamodbav:"warrantyCase,omitempty"`
	Resolution        string    `dynamodbav:"resolution,omitempty"`
	RootCause         string    `dynamodbav:"rootCause,omitempty"`
	FaultParty        string    `dynamodbav:"faultParty,omitempty"`
	CulpritDepartment string    `dynamodbav:"culpritDepartment,omitempty"`
	Flag              string    `dynamodbav:"flag,omitempty"`
	From              time.Time `dynamodbav:"from,omitempty"`
	To                time.Time `dynamodbav:"to,omitempty"`
}

// exportRecord is an export job: EXPORT#<id> / #JOB, on GSI1 by its
// requester (EXPORTS#<user> / <created>#<id>). The requester's principal
// (userId, roles, dealerId, audience) is what the job runs as. Status
// changes are update expressions guarded by the status and the attempt
// holding the lease.
type exportRecord struct {
	PK             string              `dynamodbav:"PK"`
	SK             string              `dynamodbav:"SK"`
	GSI1PK         string              `dynamodbav:"GSI1PK"`
	GSI1SK         string              `dynamodbav:"GSI1SK"`
	Entity         string              `dynamodbav:"entity"`
	ID             string              `dynamodbav:"id"`
	Status         string              `dynamodbav:"status"`
	Format         string              `dynamodbav:"format"`
	Language       string              `dynamodbav:"language"`
	Filters        exportFiltersRecord `dynamodbav:"filters"`
	UserID         string              `dynamodbav:"userId"`
	Roles          []string            `dynamodbav:"roles"`
	DealerID       string              `dynamodbav:"dealerId,omitempty"`
	Audience       string              `dynamodbav:"audience"`
	RequestHash    string              `dynamodbav:"requestHash"`
	IdempotencyKey string              `dynamodbav:"idempotencyKey,omitempty"`
	CreatedAt      time.Time           `dynamodbav:"createdAt,omitempty"`
	StartedAt      time.Time           `dynamodbav:"startedAt,omitempty"`
	FinishedAt     time.Time           `dynamodbav:"finishedAt,omitempty"`
	Counted        int                 `dynamodbav:"counted"`
	Attempts       int                 `dynamodbav:"attempts"`
	Attempt        string              `dynamodbav:"attempt,omitempty"`
	LeaseUntil     int64               `dynamodbav:"leaseUntil,omitempty"`
	LastError      string              `dynamodbav:"lastError,omitempty"`
	Rows           int                 `dynamodbav:"rows"`
	Size           int64               `dynamodbav:"size"`
	S3Key          string              `dynamodbav:"s3Key,omitempty"`
	FileName       string              `dynamodbav:"fileName,omitempty"`
	ContentType    string              `dynamodbav:"contentType,omitempty"`
	Reason         string              `dynamodbav:"reason,omitempty"`
	// RequeuedAt is when the job was last handed to the queue again
	// (epoch milliseconds; MarkRequeued).
	RequeuedAt int64 `dynamodbav:"requeuedAt,omitempty"`
	TTL        int64 `dynamodbav:"ttl"`
}

func (exportRecord) storedItem() {}

func newExportRecord(j exports.Job) exportRecord {
	roles := make([]string, len(j.Requester.Roles))
	for i, r := range j.Requester.Roles {
		roles[i] = string(r)
	}
	r := exportRecord{
		PK: exportPK(j.ID), SK: exportSK, GSI1PK: userExportsPK(j.Requester.UserID),
		GSI1SK: j.CreatedAt.UTC().Format(time.RFC3339Nano) + "#" + j.ID, Entity: "export",
		ID: j.ID, Status: string(j.Status), Format: j.Format, Language: j.Language,
		Filters: exportFiltersRecord(j.Filters),
		UserID:  j.Requester.UserID, Roles: roles, DealerID: j.Requester.DealerID, Audience: string(j.Requester.Audience),
		RequestHash: j.RequestHash, IdempotencyKey: j.IdempotencyKey, CreatedAt: j.CreatedAt, StartedAt: j.StartedAt,
		FinishedAt: j.FinishedAt, Counted: j.Counted, Attempts: j.Attempts, Attempt: j.Attempt, LastError: j.LastError,
		Rows: j.Rows, Size: j.Size, S3Key: j.Key, FileName: j.FileName, ContentType: j.ContentType, Reason: j.Reason,
		TTL: j.CreatedAt.Add(ExportTTL).Unix(),
	}
	if !j.LeaseUntil.IsZero() {
		r.LeaseUntil = j.LeaseUntil.UnixMilli()
	}
	return r
}

func (r *exportRecord) job() exports.Job {
	roles := make([]auth.Role, len(r.Roles))
	for i, role := range r.Roles {
		roles[i] = auth.Role(role)
	}
	j := exports.Job{
		ID: r.ID, Status: exports.Status(r.Status), Format: r.Format, Language: r.Language,
		Filters:     exports.Filters(r.Filters),
		Requester:   exports.Requester{UserID: r.UserID, Roles: roles, DealerID: r.DealerID, Audience: visibility.Audience(r.Audience)},
		RequestHash: r.RequestHash, IdempotencyKey: r.IdempotencyKey, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, Counted: r.Counted, Attempts: r.Attempts, Attempt: r.Attempt, LastError: r.LastError,
		Rows: r.Rows, Size: r.Size, Key: r.S3Key, FileName: r.FileName, ContentType: r.ContentType, Reason: r.Reason,
	}
	if r.LeaseUntil > 0 {
		j.LeaseUntil = time.UnixMilli(r.LeaseUntil).UTC()
	}
	return j
}

// CreateJob stores a new export job with one conditional write; when a job
// with its ID exists (an Idempotency-Key sent again), created is false and
// the stored job is returned from the failed write.
func (s *Store) CreateJob(ctx context.Context, j exports.Job) (*exports.Job, bool, error) {
	item, err := marshal(newExportRecord(j))
	if err != nil {
		return nil, false, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return &j, true, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, false, fmt.Errorf("create export %s: %w", j.ID, err)
	}
	if ccf.Item == nil {
		stored, err := s.GetJob(ctx, j.ID)
		return stored, false, err
	}
	var r exportRecord
	if err := unmarshal(ccf.Item, &r); err != nil {
		return nil, false, err
	}
	stored := r.job()
	return &stored, false, nil
}

// GetJob returns an export job (consistent read); apperr.NotFound when
// there is none.
func (s *Store) GetJob(ctx context.Context, id string) (*exports.Job, error) {
	r, err := getRecord[exportRecord](ctx, s, exportPK(id), exportSK, "export "+id)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, notFound("export")
	}
	j := r.job()
	return &j, nil
}

// UserJobs returns a user's latest export jobs, newest first: one query of
// GSI1 (EXPORTS#<user>).
func (s *Store) UserJobs(ctx context.Context, userID string, limit int) ([]exports.Job, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(userExportsPK(userID))},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("exports of %s: %w", userID, err)
	}
	jobs := make([]exports.Job, 0, len(out.Items))
	for _, item := range out.Items {
		var r exportRecord
		if err := unmarshal(item, &r); err != nil {
			return nil, err
		}
		jobs = append(jobs, r.job())
	}
	return jobs, nil
}

// TakeJob gives the lease's attempt a queued job, or a running one whose
// lease ended before now, with one conditional write that counts the
// attempt; the failed write returns the job, which says whether it is over
// or held (and until when) without another read.
func (s *Store) TakeJob(ctx context.Context, l exports.Lease, now time.Time) (exports.Take, error) {
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(exportPK(l.JobID), exportSK),
		UpdateExpression: aws.String("SET #status = :running, attempt = :attempt, leaseUntil = :until, " +
			"startedAt = if_not_exists(startedAt, :at) ADD attempts :one"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND (#status = :queued OR (#status = :running AND leaseUntil < :now))"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":running": str(string(exports.Running)), ":queued": str(string(exports.Queued)), ":attempt": str(l.Attempt),
			":until": num(l.Until.UnixMilli()), ":now": num(now.UnixMilli()), ":at": str(now.UTC().Format(time.RFC3339Nano)),
			":one": num(1),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		var r exportRecord
		if err := unmarshal(out.Attributes, &r); err != nil {
			return exports.Take{}, err
		}
		j := r.job()
		return exports.Take{Taken: true, Job: &j}, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return exports.Take{}, fmt.Errorf("take export %s: %w", l.JobID, err)
	}
	if ccf.Item == nil {
		return exports.Take{}, apperr.Errorf(apperr.NotFound, "export %s not found", l.JobID)
	}
	var r exportRecord
	if err := unmarshal(ccf.Item, &r); err != nil {
		return exports.Take{}, err
	}
	if exports.Status(r.Status).Final() {
		return exports.Take{Final: true}, nil
	}
	return exports.Take{HeldUntil: time.UnixMilli(r.LeaseUntil).UTC()}, nil
}

// leased runs an update of the attempt's running job; exports.ErrLeaseLost
// when the job is not running under that attempt.
func (s *Store) leased(ctx context.Context, l exports.Lease, what, update string, vals map[string]types.AttributeValue, names ...string) error {
	vals[":running"], vals[":attempt"] = str(string(exports.Running)), str(l.Attempt)
	attrNames := map[string]string{"#status": "status"}
	for _, n := range names {
		attrNames["#"+n] = n
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(exportPK(l.JobID), exportSK),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("#status = :running AND attempt = :attempt"),
		ExpressionAttributeNames:  attrNames,
		ExpressionAttributeValues: vals,
	})
	switch {
	case isConditionFailed(err, -1):
		return fmt.Errorf("%s export %s: %w", what, l.JobID, exports.ErrLeaseLost)
	case err != nil:
		return fmt.Errorf("%s export %s: %w", what, l.JobID, err)
	}
	return nil
}

// RenewJob records the claims counted so far and extends the lease.
func (s *Store) RenewJob(ctx context.Context, l exports.Lease, counted int) error {
	return s.leased(ctx, l, "renew", "SET counted = :n, leaseUntil = :until",
		map[string]types.AttributeValue{":n": num(int64(counted)), ":until": num(l.Until.UnixMilli())})
}

// ReleaseJob ends the attempt's lease now, keeping why it stopped: the job
// stays running, for the next delivery to take over.
func (s *Store) ReleaseJob(ctx context.Context, l exports.Lease, lastError string) error {
	return s.leased(ctx, l, "release", "SET leaseUntil = :zero, lastError = :e",
		map[string]types.AttributeValue{":zero": num(0), ":e": str(lastError)})
}

// FinishJob marks the attempt's job done with its file.
func (s *Store) FinishJob(ctx context.Context, l exports.Lease, f exports.File) error {
	return s.leased(ctx, l, "finish", "SET #status = :done, #rows = :rows, counted = :rows, #size = :size, s3Key = :key, "+
		"fileName = :name, contentType = :type, finishedAt = :at REMOVE leaseUntil",
		map[string]types.AttributeValue{
			":done": str(string(exports.Done)), ":rows": num(int64(f.Rows)), ":size": num(f.Size), ":key": str(f.Key),
			":name": str(f.FileName), ":type": str(f.ContentType), ":at": str(f.At.UTC().Format(time.RFC3339Nano)),
		}, "rows", "size")
}

// MarkRequeued records that a queued job is handed to the queue again,
// with one conditional write: not when it was less than
// exports.RequeueAfter ago, nor when the job is no longer queued (false).
func (s *Store) MarkRequeued(ctx context.Context, id string, at time.Time) (bool, error) {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(exportPK(id), exportSK),
		UpdateExpression:         aws.String("SET requeuedAt = :at"),
		ConditionExpression:      aws.String("#status = :queued AND (attribute_not_exists(requeuedAt) OR requeuedAt < :before)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":queued": str(string(exports.Queued)), ":at": num(at.UnixMilli()), ":before": num(at.Add(-exports.RequeueAfter).UnixMilli()),
		},
	})
	switch {
	case isConditionFailed(err, -1):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("requeue export %s: %w", id, err)
	}
	return true, nil
}

// FailJob marks a job failed with a reason: the attempt's running job
// (exports.ErrLeaseLost when it is not), or, without an attempt, a job
// still queued (one that is not is left as it is).
func (s *Store) FailJob(ctx context.Context, l exports.Lease, reason string, at time.Time) error {
	vals := map[string]types.AttributeValue{
		":failed": str(string(exports.Failed)), ":reason": str(reason), ":at": str(at.UTC().Format(time.RFC3339Nano)),
	}
	update := "SET #status = :failed, reason = :reason, finishedAt = :at REMOVE leaseUntil"
	if l.Attempt != "" {
		return s.leased(ctx, l, "fail", update, vals)
	}
	vals[":queued"] = str(string(exports.Queued))
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(exportPK(l.JobID), exportSK),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("#status = :queued"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: vals,
	})
	if err != nil && !isConditionFailed(err, -1) {
		return fmt.Errorf("fail export %s: %w", l.JobID, err)
	}
	return nil
}
