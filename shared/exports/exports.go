// Package exports is the background export of the claims list: a job that
// a user asks for (the registry's filters, a format, a language), that runs
// apart from the request with the requester's view of the registry, and
// whose file waits in the bucket behind a short-lived link.
//
// A job is queued, then running (held by one attempt through a lease that
// its progress renews), then done or failed. Every change of its status is
// a conditional write, so a message delivered twice, or an attempt that
// outlived its lease, cannot run a job twice at once, finish a job another
// attempt finished, or bring a finished job back: a duplicate finds the
// job done (nothing to do) or held (try again when the lease ends); an
// attempt that died leaves the lease to run out and the next delivery takes
// the job over. A job fails for good, with a reason the requester reads,
// when its list is longer than MaxRows, when the registry refuses the query,
// or after MaxAttempts attempts.
//
// The file holds each claim as the requester may see it: the registry's
// list for the principal kept with the job (user, roles, dealer). Package
// runner runs the jobs and lays the file out; this one is the job itself,
// what the storage, the queue and the HTTP edge share, and it links no
// file library (the storage package imports it).
//
// It declares the storage, queue and file interfaces it needs and imports
// no AWS package.
//
// Layer: domain.
package exports

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/visibility"
)

// Status is where a job is.
type Status string

// The statuses of a job.
const (
	Queued  Status = "queued"
	Running Status = "running"
	Done    Status = "done"
	Failed  Status = "failed"
)

// The formats of the files.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Final reports whether a job in the status is over.
func (s Status) Final() bool { return s == Done || s == Failed }

// The limits of the exports.
const (
	// MaxRows bounds the claims one export holds; a longer list fails with
	// a reason asking for a narrower one.
	MaxRows = 200_000
	// MaxAttempts is how many attempts a job gets before it fails for good
	// (under the queue's maxReceiveCount, so that the job says so before
	// the message is a dead letter).
	MaxAttempts = 3
	// MaxActive is how many jobs a user may have queued or running at once.
	MaxActive = 3
	// ActiveWindow is how long a job that is not over holds one of its
	// user's places: one older is stuck (its attempts spent on failures
	// the job could not record) and no longer counts.
	ActiveWindow = 30 * time.Minute
	// RequeueAfter is how long a job may wait queued before a look at it
	// (its requester polling) hands it to the queue again: the message
	// may have been lost between storing the job and queueing it (a crash
	// in between). A second message is harmless: it finds the job taken
	// or done. At most once per RequeueAfter.
	RequeueAfter = 2 * time.Minute
	// LinkTTL is how long a download link works.
	LinkTTL = 10 * time.Minute
	// PageSize is how many claims a registry page brings.
	PageSize = 100
	// Prefix is where the files are kept in the bucket.
	Prefix = "exports/"
)

// Filters are the registry's filters of a job (registry.Query without its
// page).
type Filters struct {
	Stage             string    `json:"stage,omitempty"`
	CategoryID        string    `json:"categoryId,omitempty"`
	TypeID            string    `json:"typeId,omitempty"`
	DealerID          string    `json:"dealerId,omitempty"`
	CustomerID        string    `json:"customerId,omitempty"`
	Serial            string    `json:"serial,omitempty"`
	Series            string    `json:"series,omitempty"`
	Order             string    `json:"order,omitempty"`
	Assignee          string    `json:"assignee,omitempty"`
	WarrantyCase      *bool     `json:"warrantyCase,omitempty"`
	Resolution        string    `json:"resolution,omitempty"`
	RootCause         string    `json:"rootCause,omitempty"`
	FaultParty        string    `json:"faultParty,omitempty"`
	CulpritDepartment string    `json:"culpritDepartment,omitempty"`
	Flag              string    `json:"flag,omitempty"`
	From              time.Time `json:"from,omitzero"`
	To                time.Time `json:"to,omitzero"`
}

// FiltersOf returns the filters of a registry query.
func FiltersOf(q registry.Query) Filters {
	return Filters{Stage: q.Stage, CategoryID: q.CategoryID, TypeID: q.TypeID, DealerID: q.DealerID, CustomerID: q.CustomerID,
		Serial: q.Serial, Series: q.Series, Order: q.Order, Assignee: q.Assignee, WarrantyCase: q.WarrantyCase, Resolution: q.Resolution,
		RootCause: q.RootCause, FaultParty: q.FaultParty, CulpritDepartment: q.CulpritDepartment, Flag: q.Flag, From: q.From, To: q.To}
}

// Query returns the registry query of the filters (first page).
func (f Filters) Query() registry.Query {
	return registry.Query{Stage: f.Stage, CategoryID: f.CategoryID, TypeID: f.TypeID, DealerID: f.DealerID, CustomerID: f.CustomerID,
		Serial: f.Serial, Series: f.Series, Order: f.Order, Assignee: f.Assignee, WarrantyCase: f.WarrantyCase, Resolution: f.Resolution,
		RootCause: f.RootCause, FaultParty: f.FaultParty, CulpritDepartment: f.CulpritDepartment, Flag: f.Flag, From: f.From, To: f.To,
		Limit: PageSize}
}

// Requester is what a job keeps of the principal who asked for it: what
// the registry needs to list the claims as that principal sees them.
type Requester struct {
	UserID   string
	Roles    []auth.Role
	DealerID string
	// Audience is visibility's audience of the principal (what kind of
	// caller it was), kept for the record.
	Audience visibility.Audience
}

// RequesterOf returns what a job keeps of p.
func RequesterOf(p *auth.Principal) Requester {
	return Requester{UserID: p.UserID, Roles: append([]auth.Role(nil), p.Roles...), DealerID: p.DealerID, Audience: visibility.Of(p)}
}

// Principal returns the principal the job runs as.
func (r Requester) Principal() *auth.Principal {
	return &auth.Principal{UserID: r.UserID, Roles: append([]auth.Role{}, r.Roles...), DealerID: r.DealerID}
}

// Job is an export job as stored.
type Job struct {
	ID        string
	Status    Status
	Format    string
	Language  string
	Filters   Filters
	Requester Requester
	// RequestHash identifies the request (filters, format, language): an
	// Idempotency-Key used again with another request is refused.
	RequestHash string
	// IdempotencyKey is the client's key, "" when none was given.
	IdempotencyKey string
	CreatedAt      time.Time
	StartedAt      time.Time
	FinishedAt     time.Time
	// Counted is how many claims the running attempt has written so far.
	Counted int
	// Attempts counts the attempts that took the job.
	Attempts int
	// Attempt and LeaseUntil are the attempt holding the job while running.
	Attempt    string
	LeaseUntil time.Time
	// LastError is why the last attempt stopped short (for the record).
	LastError string
	// When done: the file.
	Rows        int
	Size        int64
	Key         string
	FileName    string
	ContentType string
	// Reason is why a failed job failed, for the requester.
	Reason string
}

// Lease is an attempt's hold on a running job.
type Lease struct {
	JobID   string
	Attempt string
	Until   time.Time
}

// Take is what an attempt finds when it takes a job.
type Take struct {
	// Taken: the job is the attempt's (Job is it, Attempts counted).
	Taken bool
	Job   *Job
	// Final: the job is over (done or failed); nothing to do.
	Final bool
	// HeldUntil: another attempt holds the job until then.
	HeldUntil time.Time
}

// File is a finished job's file.
type File struct {
	Rows        int
	Size        int64
	Key         string
	FileName    string
	ContentType string
	At          time.Time
}

// ErrLeaseLost is returned by the Store when an attempt's lease is no
// longer its own (it ran out and another attempt took the job).
var ErrLeaseLost = errors.New("exports: the job's lease is held by another attempt")

// Store keeps the jobs. Every status change is conditional.
type Store interface {
	// CreateJob stores a new job; created is false (and the stored job is
	// returned) when a job with its ID exists.
	CreateJob(ctx context.Context, j Job) (stored *Job, created bool, err error)
	// GetJob returns a job; apperr.NotFound when there is none.
	GetJob(ctx context.Context, id string) (*Job, error)
	// UserJobs returns a user's latest jobs, newest first (from an index,
	// which may lag a write by a moment).
	UserJobs(ctx context.Context, userID string, limit int) ([]Job, error)
	// TakeJob gives the lease's attempt a queued job, or a running one
	// whose lease ran out before now (counting the attempt);
	// apperr.NotFound when there is no such job.
	TakeJob(ctx context.Context, l Lease, now time.Time) (Take, error)
	// RenewJob records the claims counted so far and extends the lease;
	// ErrLeaseLost when it is not the attempt's.
	RenewJob(ctx context.Context, l Lease, counted int) error
	// ReleaseJob ends the attempt's lease now, keeping why it stopped, so
	// that the next delivery takes the job over; ErrLeaseLost as RenewJob.
	ReleaseJob(ctx context.Context, l Lease, lastError string) error
	// FinishJob marks the attempt's job done with its file; ErrLeaseLost
	// as RenewJob.
	FinishJob(ctx context.Context, l Lease, f File) error
	// MarkRequeued records that a queued job is handed to the queue again
	// at at, unless it was less than RequeueAfter ago (or the job is no
	// longer queued): false then.
	MarkRequeued(ctx context.Context, id string, at time.Time) (bool, error)
	// FailJob marks a job failed with a reason: the attempt's (l.Attempt
	// set; ErrLeaseLost as RenewJob), or a queued one that was never
	// taken (l.Attempt empty). A job already over is left as it is.
	FailJob(ctx context.Context, l Lease, reason string, at time.Time) error
}

// Queue hands a job to the export function.
type Queue interface {
	Enqueue(ctx context.Context, jobID string) error
}

// Files keeps the exported files.
type Files interface {
	// PutStream stores size bytes read from body under key.
	PutStream(ctx context.Context, key, contentType, fileName string, body io.Reader, size int64) error
	DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error)
}

// Lister lists the registry as a principal sees it (registry.Service).
type Lister interface {
	List(ctx context.Context, p *auth.Principal, q registry.Query) (*registry.Page, error)
}

// Service asks for jobs and shows them (the HTTP side).
type Service struct {
	cfg Config
}

// Config wires a Service; Store, Queue, Files and Registry are required.
type Config struct {
	Store    Store
	Queue    Queue
	Files    Files
	Registry Lister
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewID makes job IDs (default: 32 random hex digits).
	NewID func() string
}

// New returns a Service. It returns an Internal error naming each
// dependency cfg lacks.
func New(cfg Config) (*Service, error) {
	if err := deps.Check("exports", deps.Need("Store", cfg.Store), deps.Need("Queue", cfg.Queue), deps.Need("Files", cfg.Files),
		deps.Need("Registry", cfg.Registry)); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = randomID
	}
	return &Service{cfg: cfg}, nil
}

// NewAttempt returns a new random ID (of a job, or of an attempt).
func NewAttempt() string { return randomID() }

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// keyID is the ID of a user's job asked for with an idempotency key: the
// same key of the same user names the same job.
func keyID(userID, key string) string {
	h := sha256.Sum256([]byte("export\x00" + userID + "\x00" + key))
	return hex.EncodeToString(h[:16])
}

// Request is what a user asks for.
type Request struct {
	Filters  Filters
	Format   string
	Language string
	// IdempotencyKey, when set, makes a repeated request return the job
	// the first one made.
	IdempotencyKey string
}

// hash identifies what a request asks for.
func (r Request) hash() string {
	// JSON writes the values (a pointer's too), in the fields' order.
	b, _ := json.Marshal(struct {
		Format, Language string
		Filters          Filters
	}{r.Format, r.Language, r.Filters})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// View is a job as its requester sees it.
type View struct {
	ID       string  `json:"id"`
	Status   Status  `json:"status"`
	Format   string  `json:"format"`
	Language string  `json:"language"`
	Filters  Filters `json:"filters"`
	// RequestedBy is the requester's user ID.
	RequestedBy string    `json:"requestedBy"`
	CreatedAt   time.Time `json:"createdAt"`
	StartedAt   time.Time `json:"startedAt,omitzero"`
	FinishedAt  time.Time `json:"finishedAt,omitzero"`
	// Counted is how many claims were written so far (running) or in all
	// (done).
	Counted int `json:"counted"`
	// Rows, Size, FileName, URL and URLExpiresAt describe a done job's
	// file.
	Rows         *int      `json:"rows,omitempty"`
	Size         int64     `json:"size,omitempty"`
	FileName     string    `json:"fileName,omitempty"`
	URL          string    `json:"url,omitempty"`
	URLExpiresAt time.Time `json:"urlExpiresAt,omitzero"`
	// Reason says why a failed job failed.
	Reason string `json:"reason,omitempty"`
	// Self is the job's address in the API.
	Self string `json:"self"`
}

// List is a user's latest jobs.
type List struct {
	Jobs []View `json:"jobs"`
}

// Started is the answer to a request: the job, and whether this request
// made it (false: an idempotent replay).
type Started struct {
	Job     View
	Created bool
}

// Start asks for an export as p: the query is checked by the registry at
// once (a bad period, a filter the caller may not use and the like are the
// registry's errors now, not the job's later), a repeated Idempotency-Key
// returns its job (apperr.Unprocessable when it asked for something else),
// and a user with MaxActive jobs queued or running gets
// apperr.RateLimited with a Retry-After (counted from the user's jobs as
// the index shows them: requests at the same instant may pass together). The job is stored queued, then
// handed to the queue; when the queue refuses it, the job is failed and the
// error returned.
func (s *Service) Start(ctx context.Context, p *auth.Principal, req Request) (*Started, error) {
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	switch req.Format {
	case FormatCSV, FormatXLSX:
	default:
		return nil, apperr.InvalidField("format", "csv or xlsx")
	}
	if req.Language != "en" {
		req.Language = "ru"
	}
	hash := req.hash()
	id := ""
	if req.IdempotencyKey != "" {
		id = keyID(p.UserID, req.IdempotencyKey)
		if j, err := s.cfg.Store.GetJob(ctx, id); err == nil {
			return s.replay(ctx, j, hash)
		} else if !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
	}
	probe := req.Filters.Query()
	probe.Limit = 1
	if _, err := s.cfg.Registry.List(ctx, p, probe); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	recent, err := s.cfg.Store.UserJobs(ctx, p.UserID, 20)
	if err != nil {
		return nil, err
	}
	active := 0
	for _, j := range recent {
		if !j.Status.Final() && now.Sub(j.CreatedAt) < ActiveWindow {
			active++
		}
	}
	if active >= MaxActive {
		return nil, &apperr.Error{Code: apperr.RateLimited, RetryAfter: 30 * time.Second,
			Message: fmt.Sprintf("%d exports of yours are queued or running: wait for one to finish", active)}
	}
	if id == "" {
		id = s.cfg.NewID()
	}
	j := Job{ID: id, Status: Queued, Format: req.Format, Language: req.Language, Filters: req.Filters, Requester: RequesterOf(p),
		RequestHash: hash, IdempotencyKey: req.IdempotencyKey, CreatedAt: now}
	stored, created, err := s.cfg.Store.CreateJob(ctx, j)
	if err != nil {
		return nil, err
	}
	if !created {
		// The same key sent twice at once: the other request made it.
		return s.replay(ctx, stored, hash)
	}
	if err := s.cfg.Queue.Enqueue(ctx, id); err != nil {
		if ferr := s.cfg.Store.FailJob(ctx, Lease{JobID: id}, "the export could not be queued: ask again", s.cfg.Now()); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return nil, fmt.Errorf("queue export %s: %w", id, err)
	}
	v, err := s.view(ctx, &j)
	if err != nil {
		return nil, err
	}
	return &Started{Job: *v, Created: true}, nil
}

func (s *Service) replay(ctx context.Context, j *Job, hash string) (*Started, error) {
	if j.RequestHash != hash {
		return nil, apperr.Errorf(apperr.Unprocessable, "this Idempotency-Key was used for another export")
	}
	v, err := s.view(ctx, j)
	if err != nil {
		return nil, err
	}
	return &Started{Job: *v}, nil
}

// Get returns a job to its requester or an admin; apperr.NotFound to
// anyone else (whether or not it exists). A job queued for longer than
// RequeueAfter is handed to the queue again.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*View, error) {
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	j, err := s.cfg.Store.GetJob(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Requester.UserID != p.UserID && !p.Has(auth.Admin) {
		return nil, apperr.Errorf(apperr.NotFound, "export not found")
	}
	s.requeue(ctx, j)
	return s.view(ctx, j)
}

// requeue hands a job waiting queued for longer than RequeueAfter to the
// queue again. It is a repair on the side of a read: its failure is the
// next look's to mend, not the reader's error.
func (s *Service) requeue(ctx context.Context, j *Job) {
	now := s.cfg.Now()
	if j.Status != Queued || now.Sub(j.CreatedAt) < RequeueAfter {
		return
	}
	if ok, err := s.cfg.Store.MarkRequeued(ctx, j.ID, now); err == nil && ok {
		_ = s.cfg.Queue.Enqueue(ctx, j.ID)
	}
}

// Mine returns p's latest jobs (up to 50), newest first; as Get, it hands
// the ones queued for too long to the queue again.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) (*List, error) {
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	jobs, err := s.cfg.Store.UserJobs(ctx, p.UserID, 50)
	if err != nil {
		return nil, err
	}
	out := &List{Jobs: make([]View, 0, len(jobs))}
	for i := range jobs {
		s.requeue(ctx, &jobs[i])
		v, err := s.view(ctx, &jobs[i])
		if err != nil {
			return nil, err
		}
		out.Jobs = append(out.Jobs, *v)
	}
	return out, nil
}

// view shows a job, with a download link when it is done.
func (s *Service) view(ctx context.Context, j *Job) (*View, error) {
	v := &View{ID: j.ID, Status: j.Status, Format: j.Format, Language: j.Language, Filters: j.Filters, RequestedBy: j.Requester.UserID,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, Counted: j.Counted, Self: "/v1/exports/" + j.ID}
	switch j.Status {
	case Done:
		rows := j.Rows
		v.Rows, v.Size, v.FileName = &rows, j.Size, j.FileName
		url, err := s.cfg.Files.DownloadURL(ctx, j.Key, j.FileName, j.ContentType, LinkTTL)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", j.ID, err)
		}
		v.URL, v.URLExpiresAt = url, s.cfg.Now().Add(LinkTTL).UTC()
	case Failed:
		v.Reason = j.Reason
	}
	return v, nil
}

// Message is the queue message of a job.
type Message struct {
	JobID string `json:"jobId"`
}

// ContentType returns the media type of a format's file.
func ContentType(format string) string {
	if format == FormatXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// FileName is the name a job's file downloads under:
// claims-<created, yyyymmdd-hhmm UTC>.<format>.
func FileName(j *Job) string {
	return "claims-" + j.CreatedAt.UTC().Format("20060102-1504") + "." + j.Format
}
