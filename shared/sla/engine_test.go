package sla

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

const engineConfigJSON = `{
  "statutoryDays": {"refund": 10, "repair": 45},
  "policies": [
    {"id": "default", "firstResponseHours": 4, "resolutionHours": 80,
     "stageHours": {"new": 4, "information_check": 8, "diagnostics": 24, "decision": 16, "implementation": 40,
                    "incident_analysis": 40, "quality_control": 16, "returned_for_rework": 16}},
    {"id": "critical", "priority": "critical", "firstResponseHours": 1, "resolutionHours": 16,
     "stageHours": {"new": 1, "information_check": 2}, "warnAtPercent": 50}
  ]
}`

func newEngine(t testing.TB) *Engine {
	t.Helper()
	return &Engine{Calendar: mustCalendar(t, moscowJSON), Config: mustConfig(t, engineConfigJSON)}
}

// filed returns a claim as intake creates it at t, with its SLA started.
func filed(e *Engine, t time.Time, r claims.DesiredResult, p catalog.Priority) *claims.Claim {
	cl := &claims.Claim{
		ID: "RC-2026-000001", Stage: workflow.New, CategoryID: "defect", TypeID: "noise",
		DesiredResult: r, Priority: p, CreatedAt: t.UTC(), StageEnteredAt: t.UTC(),
	}
	e.Start(cl, t)
	return cl
}

// move does what casework does on a transition: the workflow's stage
// change, then the engine's.
func move(e *Engine, cl *claims.Claim, to claims.Stage, now time.Time) {
	from := cl.Stage
	cl.Stage, cl.StageEnteredAt = to, now.UTC()
	e.Moved(cl, from, now)
}

// checkUTC fails when a time the engine stored is not in UTC.
func checkUTC(t *testing.T, cl *claims.Claim) {
	t.Helper()
	s := cl.SLA
	for name, v := range map[string]time.Time{
		"dueAt": cl.DueAt, "firstResponseDue": s.FirstResponseDue, "respondedAt": s.RespondedAt,
		"resolutionDue": s.ResolutionDue, "statutoryDue": s.StatutoryDue, "pausedAt": s.PausedAt,
		"nextCheck": s.NextCheck, "resolvedAt": s.ResolvedAt,
	} {
		if !v.IsZero() && v.Location() != time.UTC {
			t.Errorf("%s = %v, not in UTC", name, v)
		}
	}
}

func TestStart(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct {
		name     string
		at       time.Time
		result   claims.DesiredResult
		priority catalog.Priority
		want     claims.SLA
		dueAt    time.Time
	}{
		{
			name: "Monday morning, refund", at: at(msk, 2026, 3, 2, 10, 0), result: claims.Refund, priority: catalog.Normal,
			want: claims.SLA{
				Policy:           "default",
				FirstResponseDue: at(msk, 2026, 3, 2, 14, 0),
				// 80 business hours: Mar 7-8 are a weekend, Mar 9 a holiday.
				ResolutionDue: at(msk, 2026, 3, 13, 18, 0),
				// Ten days from the next day, to 24:00 of the tenth.
				StatutoryDue: at(msk, 2026, 3, 13, 0, 0),
				// 80 % of 4 hours: 48 minutes before the due time.
				NextCheck: at(msk, 2026, 3, 2, 13, 12),
			},
			dueAt: at(msk, 2026, 3, 2, 14, 0),
		},
		{
			name: "Saturday, repair: business clocks start on Monday", at: at(msk, 2026, 3, 14, 12, 0), result: claims.Repair, priority: catalog.High,
			want: claims.SLA{
				Policy:           "default",
				FirstResponseDue: at(msk, 2026, 3, 16, 13, 0),
				ResolutionDue:    at(msk, 2026, 3, 26, 17, 0),
				StatutoryDue:     at(msk, 2026, 4, 29, 0, 0),
				NextCheck:        at(msk, 2026, 3, 16, 12, 12),
			},
			dueAt: at(msk, 2026, 3, 16, 13, 0),
		},
		{
			name: "critical, no statutory term", at: at(msk, 2026, 3, 2, 10, 0), result: claims.OtherResult, priority: catalog.Critical,
			want: claims.SLA{
				Policy:           "critical",
				FirstResponseDue: at(msk, 2026, 3, 2, 11, 0),
				ResolutionDue:    at(msk, 2026, 3, 3, 17, 0),
				NextCheck:        at(msk, 2026, 3, 2, 10, 30), // warnAtPercent 50
			},
			dueAt: at(msk, 2026, 3, 2, 11, 0),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := filed(e, tc.at, tc.result, tc.priority)
			if diff := cmp.Diff(&tc.want, cl.SLA); diff != "" {
				t.Errorf("SLA mismatch (-want +got):\n%s", diff)
			}
			if !cl.DueAt.Equal(tc.dueAt) {
				t.Errorf("DueAt = %v, want %v", cl.DueAt, tc.dueAt)
			}
			checkUTC(t, cl)
		})
	}
}

// step is one thing that happens to a claim and what the SLA must show
// after it.
type step struct {
	name  string
	at    time.Time
	do    func(e *Engine, cl *claims.Claim, now time.Time) []Finding
	want  []Finding
	level int
	next  time.Time
	due   time.Time
}

func checkAt(e *Engine, cl *claims.Claim, now time.Time) []Finding { return e.Check(cl, now) }

func moveTo(to claims.Stage) func(*Engine, *claims.Claim, time.Time) []Finding {
	return func(e *Engine, cl *claims.Claim, now time.Time) []Finding {
		move(e, cl, to, now)
		return nil
	}
}

func respond(e *Engine, cl *claims.Claim, now time.Time) []Finding {
	e.Responded(cl, now)
	return nil
}

func run(t *testing.T, e *Engine, cl *claims.Claim, steps []step) {
	t.Helper()
	for _, s := range steps {
		got := s.do(e, cl, s.at)
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s: findings mismatch (-want +got):\n%s", s.name, diff)
		}
		if cl.SLA.Level != s.level {
			t.Errorf("%s: level %d, want %d", s.name, cl.SLA.Level, s.level)
		}
		if !cl.SLA.NextCheck.Equal(s.next) {
			t.Errorf("%s: next check %v, want %v", s.name, cl.SLA.NextCheck, s.next.UTC())
		}
		if !cl.DueAt.Equal(s.due) {
			t.Errorf("%s: stage due %v, want %v", s.name, cl.DueAt, s.due.UTC())
		}
		checkUTC(t, cl)
	}
}

func TestWarningsBreachesAndEscalation(t *testing.T) {
	e := newEngine(t)
	cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.Refund, catalog.Normal)
	newDue := at(msk, 2026, 3, 2, 14, 0)
	checkDue := at(msk, 2026, 3, 3, 17, 0)
	resolutionDue := at(msk, 2026, 3, 13, 18, 0)
	statutoryDue := at(msk, 2026, 3, 13, 0, 0)
	// 80 % of the statutory span (10 days 14 hours) is 8 days 11:12 after intake.
	statutoryWarn := at(msk, 2026, 3, 10, 21, 12)
	// 16 business hours before the resolution due time.
	resolutionWarn := at(msk, 2026, 3, 12, 11, 0)
	run(t, e, cl, []step{
		{name: "before the threshold", at: at(msk, 2026, 3, 2, 13, 0), do: checkAt, next: at(msk, 2026, 3, 2, 13, 12), due: newDue},
		{name: "at 80 %", at: at(msk, 2026, 3, 2, 13, 12), do: checkAt, want: []Finding{
			{Kind: Warning, Clock: ClockFirstResponse, Due: newDue},
			{Kind: Warning, Clock: StageClock(workflow.New), Due: newDue},
		}, next: newDue, due: newDue},
		{name: "again at the same instant", at: at(msk, 2026, 3, 2, 13, 12), do: checkAt, next: newDue, due: newDue},
		{name: "at the due time", at: newDue, do: checkAt, want: []Finding{
			{Kind: Breach, Clock: ClockFirstResponse, Due: newDue, Level: 1},
			{Kind: Breach, Clock: StageClock(workflow.New), Due: newDue, Level: 2},
		}, level: 2, next: statutoryWarn, due: newDue},
		{name: "later the same day", at: at(msk, 2026, 3, 2, 15, 0), do: checkAt, level: 2, next: statutoryWarn, due: newDue},
		{name: "a staff message", at: at(msk, 2026, 3, 2, 15, 0), do: respond, level: 2, next: statutoryWarn, due: newDue},
		{name: "to information check", at: at(msk, 2026, 3, 3, 9, 0), do: moveTo(workflow.InformationCheck), level: 2,
			next: at(msk, 2026, 3, 3, 15, 24), due: checkDue},
		{name: "first look after the stage ran out: a breach alone", at: at(msk, 2026, 3, 4, 12, 0), do: checkAt, want: []Finding{
			{Kind: Breach, Clock: StageClock(workflow.InformationCheck), Due: checkDue, Level: 3},
		}, level: 3, next: statutoryWarn, due: checkDue},
		{name: "statutory warning", at: statutoryWarn, do: checkAt, want: []Finding{
			{Kind: Warning, Clock: ClockStatutory, Due: statutoryDue, Level: 3},
		}, level: 3, next: resolutionWarn, due: checkDue},
		{name: "resolution warning", at: resolutionWarn, do: checkAt, want: []Finding{
			{Kind: Warning, Clock: ClockResolution, Due: resolutionDue, Level: 3},
		}, level: 3, next: statutoryDue, due: checkDue},
		{name: "statutory breach", at: statutoryDue, do: checkAt, want: []Finding{
			{Kind: Breach, Clock: ClockStatutory, Due: statutoryDue, Level: 4},
		}, level: 4, next: resolutionDue, due: checkDue},
		{name: "resolution breach: nothing left to watch", at: resolutionDue, do: checkAt, want: []Finding{
			{Kind: Breach, Clock: ClockResolution, Due: resolutionDue, Level: 5},
		}, level: 5, due: checkDue},
		{name: "closed", at: at(msk, 2026, 3, 16, 10, 0), do: moveTo(workflow.Closed), level: 5},
		{name: "no checks after the end", at: at(msk, 2026, 6, 1, 10, 0), do: checkAt, level: 5},
	})
	want := &claims.SLA{
		Policy:           "default",
		FirstResponseDue: newDue,
		RespondedAt:      at(msk, 2026, 3, 2, 15, 0), // the message, not the later move
		ResolutionDue:    resolutionDue,
		StatutoryDue:     statutoryDue,
		Warned:           []string{"firstResponse", "stage:new", "statutory", "resolution"},
		Breached:         []string{"firstResponse", "stage:new", "stage:information_check", "statutory", "resolution"},
		Level:            5,
		ResolvedAt:       at(msk, 2026, 3, 16, 10, 0),
	}
	if diff := cmp.Diff(want, cl.SLA); diff != "" {
		t.Errorf("final SLA mismatch (-want +got):\n%s", diff)
	}
}

func TestWarnAtPercent(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct {
		name string
		at   time.Time
		want []string
	}{
		{"just before 50 %", at(msk, 2026, 3, 2, 10, 29), nil},
		{"at 50 % of the critical policy's hour", at(msk, 2026, 3, 2, 10, 30), []string{"warning firstResponse", "warning stage:new"}},
		{"first look after the due time", at(msk, 2026, 3, 2, 11, 0), []string{"breach firstResponse", "breach stage:new"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.OtherResult, catalog.Critical)
			var got []string
			for _, f := range e.Check(cl, tc.at) {
				got = append(got, f.Kind+" "+f.Clock)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPauseAndResume(t *testing.T) {
	e := newEngine(t)
	cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.Refund, catalog.Normal)
	statutoryDue := at(msk, 2026, 3, 13, 0, 0)
	run(t, e, cl, []step{
		{name: "information check", at: at(msk, 2026, 3, 2, 11, 0), do: moveTo(workflow.InformationCheck),
			next: at(msk, 2026, 3, 2, 17, 24), due: at(msk, 2026, 3, 3, 10, 0)},
		{name: "diagnostics: 24 hours", at: at(msk, 2026, 3, 3, 10, 0), do: moveTo(workflow.Diagnostics),
			next: at(msk, 2026, 3, 5, 11, 12), due: at(msk, 2026, 3, 5, 16, 0)},
		// Paused with 15 business hours of the stage left; only the
		// statutory clock runs on.
		{name: "waiting for the customer", at: at(msk, 2026, 3, 4, 10, 0), do: moveTo(workflow.WaitingForCustomer),
			next: at(msk, 2026, 3, 10, 21, 12)},
		{name: "past the stage's old due time: nothing", at: at(msk, 2026, 3, 5, 17, 0), do: checkAt,
			next: at(msk, 2026, 3, 10, 21, 12)},
		{name: "a week later: the statutory clock ran on", at: at(msk, 2026, 3, 12, 9, 30), do: checkAt,
			want: []Finding{{Kind: Warning, Clock: ClockStatutory, Due: statutoryDue}},
			next: statutoryDue},
		// 45 business hours paused (Wed 10:00 to Thu 10:00 a week later,
		// over a weekend and the Mar 9 holiday).
		{name: "the customer answers", at: at(msk, 2026, 3, 12, 10, 0), do: moveTo(workflow.Diagnostics),
			next: statutoryDue, due: at(msk, 2026, 3, 13, 16, 0)},
	})
	want := &claims.SLA{
		Policy:           "default",
		FirstResponseDue: at(msk, 2026, 3, 2, 14, 0),
		RespondedAt:      at(msk, 2026, 3, 2, 11, 0),
		ResolutionDue:    at(msk, 2026, 3, 20, 18, 0), // was Mar 13 18:00
		StatutoryDue:     statutoryDue,                // pauses do not move it
		Warned:           []string{"statutory"},
		NextCheck:        statutoryDue,
	}
	if diff := cmp.Diff(want, cl.SLA); diff != "" {
		t.Errorf("SLA after resuming mismatch (-want +got):\n%s", diff)
	}

	// While paused, the SLA keeps what the stage had left.
	paused := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.OtherResult, catalog.Normal)
	move(e, paused, workflow.InformationCheck, at(msk, 2026, 3, 2, 11, 0))
	move(e, paused, workflow.WaitingForCustomer, at(msk, 2026, 3, 2, 17, 0))
	if got := paused.SLA; got.StageLeftSeconds != 2*3600 || !got.PausedAt.Equal(at(msk, 2026, 3, 2, 17, 0)) || !paused.DueAt.IsZero() {
		t.Errorf("paused: stage left %ds, paused at %v, stage due %v; want 7200s, 17:00 MSK, none", got.StageLeftSeconds, got.PausedAt, paused.DueAt)
	}
	// Without a statutory term there is nothing to watch while paused.
	if !paused.SLA.NextCheck.IsZero() {
		t.Errorf("paused without a statutory term: next check %v, want none", paused.SLA.NextCheck)
	}
}

func TestResumeOverdueStage(t *testing.T) {
	e := newEngine(t)
	cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.OtherResult, catalog.Normal)
	checkDue := at(msk, 2026, 3, 3, 10, 0)
	resume := at(msk, 2026, 3, 5, 10, 0)
	run(t, e, cl, []step{
		{name: "information check", at: at(msk, 2026, 3, 2, 11, 0), do: moveTo(workflow.InformationCheck),
			next: at(msk, 2026, 3, 2, 17, 24), due: checkDue},
		// The check did not run; the stage ran out before the pause.
		{name: "paused overdue", at: at(msk, 2026, 3, 4, 10, 0), do: moveTo(workflow.WaitingForCustomer)},
		// Nothing left: due at once, and the check is due at once.
		{name: "resumed", at: resume, do: moveTo(workflow.InformationCheck), next: resume, due: resume},
		{name: "the check", at: resume, do: checkAt, want: []Finding{
			{Kind: Breach, Clock: StageClock(workflow.InformationCheck), Due: resume, Level: 1},
		}, level: 1, next: at(msk, 2026, 3, 13, 11, 0), due: resume},
	})
}

func TestStageEnteredAgainIsWatchedAgain(t *testing.T) {
	e := newEngine(t)
	cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.OtherResult, catalog.Normal)
	move(e, cl, workflow.InformationCheck, at(msk, 2026, 3, 2, 10, 0))
	move(e, cl, workflow.Diagnostics, at(msk, 2026, 3, 2, 11, 0))
	move(e, cl, workflow.Decision, at(msk, 2026, 3, 3, 10, 0))
	// Decision: 16 hours from Tue 10:00, due Wed 17:00, warns at 80 %.
	run(t, e, cl, []step{
		{name: "decision warns", at: at(msk, 2026, 3, 4, 13, 48), do: checkAt,
			want: []Finding{{Kind: Warning, Clock: "stage:decision", Due: at(msk, 2026, 3, 4, 17, 0)}},
			next: at(msk, 2026, 3, 4, 17, 0), due: at(msk, 2026, 3, 4, 17, 0)},
		{name: "sent back for rework", at: at(msk, 2026, 3, 4, 14, 0), do: moveTo(workflow.ReturnedForRework),
			next: at(msk, 2026, 3, 5, 17, 48), due: at(msk, 2026, 3, 6, 12, 0)},
		{name: "decision again: 16 fresh hours", at: at(msk, 2026, 3, 5, 10, 0), do: moveTo(workflow.Decision),
			next: at(msk, 2026, 3, 6, 13, 48), due: at(msk, 2026, 3, 6, 17, 0)},
		{name: "decision warns again", at: at(msk, 2026, 3, 6, 13, 48), do: checkAt,
			want: []Finding{{Kind: Warning, Clock: "stage:decision", Due: at(msk, 2026, 3, 6, 17, 0)}},
			next: at(msk, 2026, 3, 6, 17, 0), due: at(msk, 2026, 3, 6, 17, 0)},
	})
}

func TestFinalStages(t *testing.T) {
	e := newEngine(t)
	closedAt := at(msk, 2026, 3, 4, 12, 0)

	cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.Repair, catalog.Normal)
	move(e, cl, workflow.InformationCheck, at(msk, 2026, 3, 2, 11, 0))
	move(e, cl, workflow.WaitingForCustomer, at(msk, 2026, 3, 3, 11, 0))
	move(e, cl, workflow.Withdrawn, closedAt)
	if s := cl.SLA; !cl.DueAt.IsZero() || !s.NextCheck.IsZero() || !s.ResolvedAt.Equal(closedAt) || !s.PausedAt.IsZero() || s.StageLeftSeconds != 0 {
		t.Errorf("withdrawn while waiting: due %v, next check %v, resolved %v, paused %v, left %d; want stopped, resolved at %v",
			cl.DueAt, s.NextCheck, s.ResolvedAt, s.PausedAt, s.StageLeftSeconds, closedAt)
	}
	if got := e.Check(cl, at(msk, 2026, 12, 1, 10, 0)); got != nil || !cl.SLA.NextCheck.IsZero() {
		t.Errorf("Check of a finished claim = %v, next check %v; want nothing", got, cl.SLA.NextCheck)
	}

	// Withdrawn by the claimant straight from new: no response was given.
	fresh := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.Refund, catalog.Normal)
	move(e, fresh, workflow.Withdrawn, closedAt)
	e.Responded(fresh, at(msk, 2026, 3, 5, 10, 0))
	if s := fresh.SLA; !s.RespondedAt.IsZero() || !s.ResolvedAt.Equal(closedAt) || !s.NextCheck.IsZero() {
		t.Errorf("withdrawn from new: responded %v, resolved %v, next check %v; want no response, resolved at %v, no check",
			s.RespondedAt, s.ResolvedAt, s.NextCheck, closedAt)
	}

	rejected := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.Refund, catalog.Normal)
	move(e, rejected, workflow.InformationCheck, at(msk, 2026, 3, 2, 11, 0))
	move(e, rejected, workflow.Rejected, closedAt)
	if !rejected.DueAt.IsZero() || !rejected.SLA.ResolvedAt.Equal(closedAt) || !rejected.SLA.NextCheck.IsZero() {
		t.Errorf("rejected: due %v, resolved %v, next check %v", rejected.DueAt, rejected.SLA.ResolvedAt, rejected.SLA.NextCheck)
	}
}

func TestClaimWithoutSLA(t *testing.T) {
	e := newEngine(t)
	cl := &claims.Claim{Stage: workflow.InformationCheck}
	move(e, cl, workflow.Diagnostics, at(msk, 2026, 3, 2, 10, 0))
	e.Responded(cl, at(msk, 2026, 3, 2, 10, 0))
	if got := e.Check(cl, at(msk, 2026, 3, 2, 10, 0)); got != nil || cl.SLA != nil || !cl.DueAt.IsZero() {
		t.Errorf("claim without SLA: findings %v, SLA %+v, due %v; want it left alone", got, cl.SLA, cl.DueAt)
	}
}

func TestCopiesKeepTheirState(t *testing.T) {
	e := newEngine(t)
	cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.Refund, catalog.Normal)
	move(e, cl, workflow.InformationCheck, at(msk, 2026, 3, 2, 10, 0))
	move(e, cl, workflow.Diagnostics, at(msk, 2026, 3, 2, 11, 0))
	move(e, cl, workflow.Decision, at(msk, 2026, 3, 3, 10, 0))
	if got := e.Check(cl, at(msk, 2026, 3, 4, 17, 0)); len(got) != 1 {
		t.Fatalf("Check = %v, want the decision's breach", got)
	}
	if got := e.Check(cl, at(msk, 2026, 3, 10, 21, 12)); len(got) != 1 {
		t.Fatalf("Check = %v, want the statutory warning", got)
	}
	before := *cl
	beforeSLA := *cl.SLA
	beforeSLA.Warned = slices.Clone(cl.SLA.Warned)
	beforeSLA.Breached = slices.Clone(cl.SLA.Breached)
	// Entering the decision again drops its breach from the list.
	move(e, cl, workflow.ReturnedForRework, at(msk, 2026, 3, 11, 10, 0))
	move(e, cl, workflow.Decision, at(msk, 2026, 3, 11, 11, 0))
	if len(cl.SLA.Breached) != 0 {
		t.Errorf("breached after entering the decision again: %q, want none", cl.SLA.Breached)
	}
	if diff := cmp.Diff(&beforeSLA, before.SLA); diff != "" {
		t.Errorf("a copy taken before saw the changes (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"stage:decision"}, beforeSLA.Breached); diff != "" {
		t.Errorf("breached before mismatch (-want +got):\n%s", diff)
	}
}

// TestConcurrentUse runs claims through one engine at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	e := newEngine(t)
	lifecycle := func() *claims.SLA {
		cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.Refund, catalog.High)
		e.Check(cl, at(msk, 2026, 3, 2, 13, 30))
		move(e, cl, workflow.InformationCheck, at(msk, 2026, 3, 2, 15, 0))
		move(e, cl, workflow.WaitingForCustomer, at(msk, 2026, 3, 3, 15, 0))
		move(e, cl, workflow.InformationCheck, at(msk, 2026, 3, 5, 15, 0))
		e.Check(cl, at(msk, 2026, 3, 12, 15, 0))
		return cl.SLA
	}
	want := lifecycle()
	var wg sync.WaitGroup
	got := make([]*claims.SLA, 8)
	for i := range got {
		wg.Go(func() { got[i] = lifecycle() })
	}
	wg.Wait()
	for i := range got {
		if diff := cmp.Diff(want, got[i]); diff != "" {
			t.Errorf("goroutine %d mismatch (-want +got):\n%s", i, diff)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	e := newEngine(b)
	cl := filed(e, at(msk, 2026, 3, 2, 10, 0), claims.Refund, catalog.Normal)
	move(e, cl, workflow.InformationCheck, at(msk, 2026, 3, 2, 11, 0))
	move(e, cl, workflow.Diagnostics, at(msk, 2026, 3, 3, 10, 0))
	now := at(msk, 2026, 3, 3, 12, 0) // three clocks running, none reported
	b.ReportAllocs()
	for b.Loop() {
		e.Check(cl, now)
	}
}
