package dynamo

import (
	"context"
	"errors"
	"testing"
	"time"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/visibility"
)

// exportJob is a queued job of user with every filter set.
func exportJob(id, user string, at time.Time) exports.Job {
	yes := true
	return exports.Job{
		ID: id, Status: exports.Queued, Format: "xlsx", Language: "en",
		Filters: exports.Filters{Stage: "closed", CategoryID: "defect", TypeID: "noise", DealerID: "DLR-001", CustomerID: "CUS-0123456789ABC",
			Serial: "SN1", Series: "2026-11", Order: "ORD-77", Assignee: "manager-1", WarrantyCase: &yes, Resolution: "repair", RootCause: "material_defect",
			FaultParty: "company", CulpritDepartment: "Сборка", Flag: "any", From: at.AddDate(0, -1, 0), To: at},
		Requester:   exports.Requester{UserID: user, Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-001", Audience: visibility.Dealer},
		RequestHash: "hash-" + id, IdempotencyKey: "key-" + id, CreatedAt: at,
	}
}

// writeExports writes export jobs in every state: done, failed, and one
// left running (the schema test's items).
func writeExports(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	at := scenarioAt.Add(100 * time.Hour)
	for i, id := range []string{"e0000000000000000000000000000001", "e0000000000000000000000000000002", "e0000000000000000000000000000003"} {
		if _, _, err := s.CreateJob(ctx, exportJob(id, "dealer-1", at.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatalf("scenario: export: %v", err)
		}
		if ok, err := s.MarkRequeued(ctx, id, at.Add(3*time.Minute)); err != nil || !ok {
			t.Fatalf("scenario: requeue export: %v, %v", ok, err)
		}
		l := exports.Lease{JobID: id, Attempt: "attempt-" + id, Until: at.Add(time.Hour)}
		if _, err := s.TakeJob(ctx, l, at); err != nil {
			t.Fatalf("scenario: take export: %v", err)
		}
		if err := s.RenewJob(ctx, l, 100); err != nil {
			t.Fatalf("scenario: renew export: %v", err)
		}
		switch i {
		case 0:
			if err := s.ReleaseJob(ctx, l, "bucket unavailable"); err != nil {
				t.Fatalf("scenario: release export: %v", err)
			}
			l.Attempt = "second-" + id
			if _, err := s.TakeJob(ctx, l, at.Add(time.Second)); err != nil {
				t.Fatalf("scenario: take export over: %v", err)
			}
			f := exports.File{Rows: 120, Size: 4567, Key: "exports/" + id + "/claims.xlsx", FileName: "claims.xlsx",
				ContentType: exports.ContentType("xlsx"), At: at.Add(time.Minute)}
			if err := s.FinishJob(ctx, l, f); err != nil {
				t.Fatalf("scenario: finish export: %v", err)
			}
		case 1:
			if err := s.FailJob(ctx, l, "the list holds more than 200000 claims", at.Add(time.Minute)); err != nil {
				t.Fatalf("scenario: fail export: %v", err)
			}
		}
	}
}

// TestExportJobTransitions: every status change is conditional. A second
// create of an ID returns the stored job; a held job is not taken again
// before its lease ends, and is taken over (attempt counted) after; an
// attempt that lost its lease can neither renew, finish nor fail the job;
// a finished job is final (not taken, not failed); the user's jobs come
// newest first.
func TestExportJobTransitions(t *testing.T) {
	s := mustStore(t, st.Services(t).Clients.DynamoDB)
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	id := "f0000000000000000000000000000001"
	j := exportJob(id, "supervisor-9", at)
	if _, created, err := s.CreateJob(ctx, j); err != nil || !created {
		t.Fatalf("create = %v, %v", created, err)
	}
	other := j
	other.RequestHash = "another"
	stored, created, err := s.CreateJob(ctx, other)
	if err != nil || created || stored.RequestHash != j.RequestHash || stored.Filters.CulpritDepartment != "Сборка" || stored.Filters.Flag != "any" {
		t.Fatalf("second create = %+v, %v, %v; want the first job, not created", stored, created, err)
	}

	a := exports.Lease{JobID: id, Attempt: "a", Until: at.Add(time.Minute)}
	take, err := s.TakeJob(ctx, a, at)
	if err != nil || !take.Taken || take.Job.Attempts != 1 || take.Job.Status != exports.Running {
		t.Fatalf("first take = %+v, %v", take, err)
	}
	b := exports.Lease{JobID: id, Attempt: "b", Until: at.Add(2 * time.Minute)}
	take, err = s.TakeJob(ctx, b, at.Add(30*time.Second))
	if err != nil || take.Taken || !take.HeldUntil.Equal(a.Until) {
		t.Fatalf("take while held = %+v, %v; want held until %s", take, err, a.Until)
	}
	take, err = s.TakeJob(ctx, b, at.Add(61*time.Second))
	if err != nil || !take.Taken || take.Job.Attempts != 2 {
		t.Fatalf("take after the lease = %+v, %v; want taken, attempt 2", take, err)
	}
	for name, err := range map[string]error{
		"renew":   s.RenewJob(ctx, a, 5),
		"finish":  s.FinishJob(ctx, a, exports.File{Rows: 1, Key: "k", FileName: "f", ContentType: "c", At: at}),
		"fail":    s.FailJob(ctx, a, "no", at),
		"release": s.ReleaseJob(ctx, a, "x"),
	} {
		if !errors.Is(err, exports.ErrLeaseLost) {
			t.Errorf("%s by the attempt that lost the lease = %v, want ErrLeaseLost", name, err)
		}
	}
	if err := s.RenewJob(ctx, b, 300); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetJob(ctx, id); got.Counted != 300 || got.Attempt != "b" {
		t.Errorf("after renew: counted %d attempt %q, want 300 b", got.Counted, got.Attempt)
	}
	if err := s.FinishJob(ctx, b, exports.File{Rows: 301, Size: 99, Key: "exports/x/claims.xlsx", FileName: "claims.xlsx", ContentType: "ct", At: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	take, err = s.TakeJob(ctx, exports.Lease{JobID: id, Attempt: "c", Until: at.Add(time.Hour)}, at.Add(time.Hour))
	if err != nil || !take.Final {
		t.Errorf("take of a done job = %+v, %v; want final", take, err)
	}
	if err := s.FailJob(ctx, exports.Lease{JobID: id}, "could not be queued", at); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetJob(ctx, id)
	if err != nil || got.Status != exports.Done || got.Rows != 301 || got.Size != 99 || got.Key != "exports/x/claims.xlsx" || got.Reason != "" {
		t.Errorf("done job = %+v, %v", got, err)
	}
	if _, err := s.TakeJob(ctx, exports.Lease{JobID: "nope", Attempt: "c", Until: at}, at); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("take of no job = %v, want not found", err)
	}

	// A queued job fails without an attempt (the queue refused it).
	q := exportJob("f0000000000000000000000000000002", "supervisor-9", at.Add(time.Minute))
	if _, _, err := s.CreateJob(ctx, q); err != nil {
		t.Fatal(err)
	}
	if err := s.FailJob(ctx, exports.Lease{JobID: q.ID}, "could not be queued", at); err != nil {
		t.Fatal(err)
	}
	// A queued job is handed to the queue again at most once per
	// RequeueAfter, and never once it is over.
	r := exportJob("f0000000000000000000000000000003", "supervisor-8", at)
	if _, _, err := s.CreateJob(ctx, r); err != nil {
		t.Fatal(err)
	}
	for i, step := range []struct {
		after time.Duration
		want  bool
	}{{3 * time.Minute, true}, {4 * time.Minute, false}, {5*time.Minute + time.Second, true}} {
		if ok, err := s.MarkRequeued(ctx, r.ID, at.Add(step.after)); err != nil || ok != step.want {
			t.Errorf("requeue %d at +%s = %v, %v; want %v", i+1, step.after, ok, err, step.want)
		}
	}
	if ok, _ := s.MarkRequeued(ctx, id, at.Add(time.Hour)); ok {
		t.Error("a done job was requeued")
	}
	jobs, err := s.UserJobs(ctx, "supervisor-9", 10)
	if err != nil || len(jobs) != 2 || jobs[0].ID != q.ID || jobs[0].Status != exports.Failed || jobs[0].Reason != "could not be queued" || jobs[1].ID != id {
		t.Errorf("user's jobs = %+v, %v; want the failed one, then the done one", jobs, err)
	}
	if jobs, _ := s.UserJobs(ctx, "someone-else", 10); len(jobs) != 0 {
		t.Errorf("another user's jobs = %d, want none", len(jobs))
	}
}
