package dynamo

import (
	"context"
	"errors"
	"testing"
	"time"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/reportmail"
)

var rmNow = time.Date(2026, 12, 14, 6, 0, 0, 0, time.UTC)

func testSubscription() *reportmail.Subscription {
	next := rmNow
	return &reportmail.Subscription{
		ID: "rs-0000000000010000000000000001", Report: "dynamics",
		Query:  reportmail.Query{GroupBy: "", Filter: "category:defect", Measures: []string{"registered", "open"}, Period: "day"},
		Period: reportmail.LastWeek, DealerID: "DLR-1",
		Schedule: reportmail.Schedule{Frequency: reportmail.Weekly, Weekday: "monday", Day: 0, At: "09:00", TimeZone: "Europe/Moscow",
			StartsOn: "2026-12-07"},
		Recipients: []string{"q@example.com"}, Formats: []string{"pdf", "xlsx"}, Language: "en", SkipWhenEmpty: true, OnlyWhenChanged: true,
		Active: true, NextRun: &next, Last: &reportmail.LastRun{Period: "2026-11-30_2026-12-06", Status: "sent", At: rmNow.AddDate(0, 0, -7), Digest: "d0"},
		Unsubscribed: []string{"gone@example.com"}, CreatedBy: "d-1", OwnerDealer: "DLR-1", Version: 1, CreatedAt: rmNow.AddDate(0, 0, -14),
		UpdatedAt: rmNow.AddDate(0, 0, -14),
	}
}

// writeReportMail stores a subscription with every field set, a run taken
// over after a dead attempt and completed with its mail's event.
func writeReportMail(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	sub := testSubscription()
	sub.Schedule.Day = 0
	sub.Query.ThenBy = "type"
	if err := s.PutSubscription(ctx, sub, 0); err != nil {
		t.Fatal(err)
	}
	run := reportmail.Run{SubscriptionID: sub.ID, Period: "2026-12-07_2026-12-13", Attempt: "dead", LeaseUntil: rmNow.Add(time.Minute)}
	if c, err := s.ClaimRun(ctx, run, rmNow); err != nil || !c.Taken {
		t.Fatalf("first claim %+v %v", c, err)
	}
	run.Attempt, run.LeaseUntil = "alive", rmNow.Add(7*time.Minute)
	if c, err := s.ClaimRun(ctx, run, rmNow.Add(5*time.Minute)); err != nil || !c.Taken || !c.Repeat {
		t.Fatalf("takeover %+v %v", c, err)
	}
	next := *sub
	next.Version = 2
	e, err := events.New("", "system", rmNow, events.ReportMail{SubscriptionID: sub.ID, Period: run.Period, Recipients: sub.Recipients,
		Subject: "s", Text: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteRun(ctx, reportmail.Completion{Run: run, Status: reportmail.StatusSent, At: rmNow, Subscription: &next, PrevVersion: 1, Event: &e}); err != nil {
		t.Fatal(err)
	}
	// A run being built (its lease).
	if c, err := s.ClaimRun(ctx, reportmail.Run{SubscriptionID: sub.ID, Period: "2026-12-14_2026-12-20", Attempt: "building",
		LeaseUntil: rmNow.Add(time.Hour)}, rmNow); err != nil || !c.Taken {
		t.Fatalf("claim %+v %v", c, err)
	}
	// The fields of other reports and schedules.
	monthly := testSubscription()
	monthly.ID, monthly.Report, monthly.Query = "rs-0000000000010000000000000002", "structure", reportmail.Query{GroupBy: "category"}
	monthly.Schedule = reportmail.Schedule{Frequency: reportmail.Monthly, Day: 31, At: "08:00"}
	if err := s.PutSubscription(ctx, monthly, 0); err != nil {
		t.Fatal(err)
	}
}

// TestReportMailRuns: a subscription is due on the index at its next run;
// a run is taken by one attempt, refused to another while its lease holds,
// taken over after it, completed once (the dead attempt's completion is
// refused), and its claimless outbox event is pending until received.
func TestReportMailRuns(t *testing.T) {
	p := st.Services(t)
	s := mustStore(t, p.Clients.DynamoDB)
	ctx := context.Background()
	sub := testSubscription()
	if err := s.PutSubscription(ctx, sub, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSubscription(ctx, sub, 0); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("second create: %v, want conflict", err)
	}
	if due, err := s.DueSubscriptions(ctx, rmNow.Add(-time.Second), 10); err != nil || len(due) != 0 {
		t.Errorf("due a second early: %v %v", due, err)
	}
	due, err := s.DueSubscriptions(ctx, rmNow, 10)
	if err != nil || len(due) != 1 || due[0].ID != sub.ID || due[0].Last.Digest != "d0" || due[0].Schedule.TimeZone != "Europe/Moscow" {
		t.Fatalf("due at its run: %+v %v", due, err)
	}
	if list, _ := s.ListSubscriptions(ctx, "DLR-1"); len(list) != 1 {
		t.Errorf("DLR-1's list: %v", list)
	}
	if list, _ := s.ListSubscriptions(ctx, "DLR-2"); len(list) != 0 {
		t.Errorf("DLR-2's list: %v", list)
	}

	run := reportmail.Run{SubscriptionID: sub.ID, Period: "2026-12-07_2026-12-13", Attempt: "a1", LeaseUntil: rmNow.Add(time.Minute)}
	if c, _ := s.ClaimRun(ctx, run, rmNow); !c.Taken || c.Repeat {
		t.Fatalf("first claim %+v", c)
	}
	other := run
	other.Attempt = "a2"
	if c, _ := s.ClaimRun(ctx, other, rmNow.Add(30*time.Second)); c.Taken || c.HeldUntil.IsZero() {
		t.Errorf("claim while held: %+v, want held", c)
	}
	other.LeaseUntil = rmNow.Add(3 * time.Minute)
	if c, _ := s.ClaimRun(ctx, other, rmNow.Add(2*time.Minute)); !c.Taken || !c.Repeat {
		t.Fatalf("claim after the lease: %+v, want a takeover", c)
	}
	next := *sub
	next.Version, next.NextRun = 2, nil
	complete := func(r reportmail.Run) error {
		e, err := events.New("", "system", rmNow, events.ReportMail{SubscriptionID: sub.ID, Period: r.Period, Subject: "s", Text: "t"})
		if err != nil {
			t.Fatal(err)
		}
		return s.CompleteRun(ctx, reportmail.Completion{Run: r, Status: reportmail.StatusSent, At: rmNow, Subscription: &next, PrevVersion: 1, Event: &e})
	}
	if err := complete(run); !errors.Is(err, reportmail.ErrRunLost) {
		t.Errorf("the dead attempt completes: %v, want the run lost", err)
	}
	if err := complete(other); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.ClaimRun(ctx, run, rmNow.Add(time.Hour)); c.Taken || c.Status != reportmail.StatusSent {
		t.Errorf("claim of a sent run: %+v, want its status", c)
	}
	if status, takeovers, _ := s.RunStatus(ctx, sub.ID, run.Period); status != "sent" || takeovers != 1 {
		t.Errorf("run %s, %d takeovers", status, takeovers)
	}
	if due, _ := s.DueSubscriptions(ctx, rmNow.Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("due after its run without a next one: %v", due)
	}
	pending, err := s.PendingEvents(ctx, rmNow.Add(time.Hour), 10)
	if err != nil || len(pending) != 1 || pending[0].Type != events.ReportMailDue || pending[0].ClaimID != "" {
		t.Fatalf("pending %+v %v", pending, err)
	}
	if err := s.MarkReceived(ctx, pending[0]); err != nil {
		t.Fatal(err)
	}
	if pending, _ := s.PendingEvents(ctx, rmNow.Add(time.Hour), 10); len(pending) != 0 {
		t.Errorf("pending after received: %v", pending)
	}
	if err := s.DeleteSubscription(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSubscription(ctx, sub.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("deleted: %v", err)
	}
}
