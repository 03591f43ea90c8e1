package exports_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/exports/exportstest"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/visibility"
)

var now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

type rig struct {
	svc   *exports.Service
	store *exportstest.Store
	queue *exportstest.Queue
	now   time.Time
}

func newRig(t *testing.T) *rig {
	t.Helper()
	reg, err := registry.New(registry.Config{Store: &exportstest.Claims{All: []claims.Claim{}}, CursorKey: []byte("k"), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{store: exportstest.NewStore(), queue: &exportstest.Queue{}, now: now}
	n := 0
	r.svc, err = exports.New(exports.Config{Store: r.store, Queue: r.queue, Files: exportstest.NewFiles(), Registry: reg,
		Now: func() time.Time { return r.now }, NewID: func() string { n++; return fmt.Sprintf("%032x", n) }})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	supervisor = &auth.Principal{UserID: "supervisor-1", Roles: []auth.Role{auth.Supervisor}}
	dealer     = &auth.Principal{UserID: "dealer-1", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1"}
	admin      = &auth.Principal{UserID: "admin-1", Roles: []auth.Role{auth.Admin}}
	other      = &auth.Principal{UserID: "supervisor-2", Roles: []auth.Role{auth.Supervisor}}
)

var november = exports.Filters{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)}

// TestStartQueuesAJobOfTheRequester: the job is stored queued with the
// requester's principal (what it will run as) and handed to the queue.
func TestStartQueuesAJobOfTheRequester(t *testing.T) {
	r := newRig(t)
	res, err := r.svc.Start(context.Background(), dealer, exports.Request{Filters: november, Format: "xlsx", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	v := res.Job
	if !res.Created || v.Status != exports.Queued || v.Self != "/v1/exports/"+v.ID || v.RequestedBy != "dealer-1" || !v.CreatedAt.Equal(now) {
		t.Errorf("started %+v", res)
	}
	j, ok := r.store.Job(v.ID)
	want := exports.Requester{UserID: "dealer-1", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1", Audience: visibility.Dealer}
	if !ok || j.Requester.UserID != want.UserID || j.Requester.DealerID != want.DealerID || j.Requester.Audience != want.Audience ||
		len(j.Requester.Roles) != 1 || j.Requester.Roles[0] != auth.Dealer || j.Format != "xlsx" || j.Language != "en" || !j.Filters.From.Equal(november.From) {
		t.Errorf("stored job %+v, want the dealer's principal %+v", j, want)
	}
	if len(r.queue.IDs) != 1 || r.queue.IDs[0] != v.ID {
		t.Errorf("queued %v, want [%s]", r.queue.IDs, v.ID)
	}
}

// TestStartRefuses: a bad format, and what the registry refuses (checked
// when asked, not when run): a period that ends before it starts, a
// dealer's filter on an internal field. Nothing is stored or queued.
func TestStartRefuses(t *testing.T) {
	r := newRig(t)
	tests := []struct {
		name  string
		p     *auth.Principal
		req   exports.Request
		code  apperr.Code
		field string
	}{
		{"pdf", supervisor, exports.Request{Format: "pdf"}, apperr.Invalid, "format"},
		{"period", supervisor, exports.Request{Format: "csv", Filters: exports.Filters{From: now, To: now.AddDate(0, -1, 0)}}, apperr.Invalid, "to"},
		{"internal filter", dealer, exports.Request{Format: "csv", Filters: exports.Filters{RootCause: "material_defect"}}, apperr.Forbidden, "rootCause"},
		{"no principal", nil, exports.Request{Format: "csv"}, apperr.Unauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.svc.Start(context.Background(), tt.p, tt.req)
			e, ok := apperr.As(err)
			if !ok || e.Code != tt.code || (tt.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tt.field)) {
				t.Errorf("Start = %v, want %s naming %q", err, tt.code, tt.field)
			}
		})
	}
	if len(r.queue.IDs) != 0 {
		t.Errorf("queued %v", r.queue.IDs)
	}
}

// TestIdempotencyKeyReplaysTheJob: the same key with the same request is
// the same job (queued once); with another request, 422; another user's
// same key is another job.
func TestIdempotencyKeyReplaysTheJob(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	req := exports.Request{Filters: november, Format: "csv", IdempotencyKey: "nightly-2026-11"}
	yes := true
	req.Filters.WarrantyCase = &yes
	first, err := r.svc.Start(ctx, supervisor, req)
	if err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Minute)
	yesAgain := true
	req.Filters.WarrantyCase = &yesAgain // the same filter from another request
	again, err := r.svc.Start(ctx, supervisor, req)
	if err != nil || again.Created || again.Job.ID != first.Job.ID || !again.Job.CreatedAt.Equal(first.Job.CreatedAt) {
		t.Fatalf("replay = %+v, %v; want job %s, not created", again, err, first.Job.ID)
	}
	if len(r.queue.IDs) != 1 {
		t.Errorf("queued %v, want once", r.queue.IDs)
	}
	changed := req
	changed.Format = "xlsx"
	if _, err := r.svc.Start(ctx, supervisor, changed); !apperr.Is(err, apperr.Unprocessable) {
		t.Errorf("same key, other format = %v, want unprocessable", err)
	}
	theirs, err := r.svc.Start(ctx, other, req)
	if err != nil || !theirs.Created || theirs.Job.ID == first.Job.ID {
		t.Errorf("another user's same key = %+v, %v; want a job of their own", theirs, err)
	}
}

// TestActiveJobsAreLimited: a user with MaxActive jobs queued or running
// is refused with Retry-After; finished jobs and stuck ones (older than
// ActiveWindow) hold no place, and other users are not affected.
func TestActiveJobsAreLimited(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	var ids []string
	for range exports.MaxActive {
		res, err := r.svc.Start(ctx, supervisor, exports.Request{Format: "csv", Filters: november})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Job.ID)
	}
	_, err := r.svc.Start(ctx, supervisor, exports.Request{Format: "csv", Filters: november})
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.RateLimited || e.RetryAfter <= 0 {
		t.Fatalf("fourth job = %v, want rate limited with a Retry-After", err)
	}
	if _, err := r.svc.Start(ctx, other, exports.Request{Format: "csv", Filters: november}); err != nil {
		t.Errorf("another user = %v", err)
	}
	j, _ := r.store.Job(ids[0])
	j.Status = exports.Done
	r.store.Put(j)
	if _, err := r.svc.Start(ctx, supervisor, exports.Request{Format: "csv", Filters: november}); err != nil {
		t.Errorf("after one is done = %v", err)
	}
	r.now = r.now.Add(exports.ActiveWindow + time.Minute)
	for range exports.MaxActive {
		if _, err := r.svc.Start(ctx, supervisor, exports.Request{Format: "csv", Filters: november}); err != nil {
			t.Fatalf("after the old ones got stuck = %v", err)
		}
	}
}

// TestQueueRefusalFailsTheJob: when the queue refuses the job, it is
// failed with a reason (not left queued forever) and the error returned.
func TestQueueRefusalFailsTheJob(t *testing.T) {
	r := newRig(t)
	r.queue.Fail = errors.New("sqs down")
	_, err := r.svc.Start(context.Background(), supervisor, exports.Request{Format: "csv"})
	if err == nil || !strings.Contains(err.Error(), "sqs down") {
		t.Fatalf("Start = %v, want the queue's error", err)
	}
	jobs, _ := r.store.UserJobs(context.Background(), "supervisor-1", 10)
	if len(jobs) != 1 || jobs[0].Status != exports.Failed || !strings.Contains(jobs[0].Reason, "could not be queued") {
		t.Errorf("jobs %+v, want one failed, could not be queued", jobs)
	}
}

// TestGetShowsTheJobToItsRequester: the requester and admins see a job
// (a done one with its file's link), anyone else gets not found; a user's
// list holds their own jobs only.
func TestGetShowsTheJobToItsRequester(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	res, err := r.svc.Start(ctx, supervisor, exports.Request{Format: "xlsx", Filters: november})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := r.store.Job(res.Job.ID)
	j.Status, j.Rows, j.Counted, j.Size, j.Key, j.FileName = exports.Done, 0, 0, 1234, "exports/"+j.ID+"/claims.xlsx", "claims.xlsx"
	r.store.Put(j)
	for _, p := range []*auth.Principal{supervisor, admin} {
		v, err := r.svc.Get(ctx, p, j.ID)
		if err != nil || v.Status != exports.Done || v.Rows == nil || *v.Rows != 0 || v.Size != 1234 ||
			!strings.Contains(v.URL, j.Key) || !v.URLExpiresAt.Equal(now.Add(exports.LinkTTL)) {
			t.Errorf("%s sees %+v, %v; want done, 0 rows, a link", p.UserID, v, err)
		}
	}
	for _, p := range []*auth.Principal{other, dealer} {
		if _, err := r.svc.Get(ctx, p, j.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("%s gets %v, want not found", p.UserID, err)
		}
	}
	if _, err := r.svc.Get(ctx, supervisor, "ffffffffffffffffffffffffffffffff"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("no such job = %v, want not found", err)
	}
	mine, err := r.svc.Mine(ctx, supervisor)
	if err != nil || len(mine.Jobs) != 1 || mine.Jobs[0].ID != j.ID {
		t.Errorf("supervisor's list %+v, %v", mine, err)
	}
	theirs, err := r.svc.Mine(ctx, other)
	if err != nil || len(theirs.Jobs) != 0 {
		t.Errorf("another user's list %+v, %v; want empty", theirs, err)
	}
}

// TestStaleQueuedJobIsRequeued: a job still queued RequeueAfter after it
// was made (its message lost between storing and queueing) goes to the
// queue again when its requester looks at it, at most once per
// RequeueAfter; a job being run or over is not.
func TestStaleQueuedJobIsRequeued(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	res, err := r.svc.Start(ctx, supervisor, exports.Request{Format: "csv", Filters: november})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Job.ID
	queued := func() int {
		n := 0
		for _, q := range r.queue.IDs {
			if q == id {
				n++
			}
		}
		return n
	}
	look := func() {
		t.Helper()
		if _, err := r.svc.Get(ctx, supervisor, id); err != nil {
			t.Fatal(err)
		}
	}
	look()
	if queued() != 1 {
		t.Errorf("a fresh job was queued %d times, want once", queued())
	}
	r.now = now.Add(exports.RequeueAfter + time.Second)
	look()
	look()
	if _, err := r.svc.Mine(ctx, supervisor); err != nil {
		t.Fatal(err)
	}
	if queued() != 2 {
		t.Errorf("a job queued for too long was queued %d times after three looks, want twice", queued())
	}
	j, _ := r.store.Job(id)
	j.Status = exports.Running
	r.store.Put(j)
	r.now = r.now.Add(exports.RequeueAfter + time.Second)
	look()
	if queued() != 2 {
		t.Errorf("a running job was queued again (%d times)", queued())
	}
}
