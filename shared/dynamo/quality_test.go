package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/quality"
)

// TestQualityRoundTrip: the watch's counts count a claim once, are read
// by day range; shipments are replay-safe by erpVersion; an alert is raised
// once per series and type (a second raise from the same state is a
// conflict), written with its outbox event, saved by revision and listed
// by status.
func TestQualityRoundTrip(t *testing.T) {
	p := st.Services(t)
	s := mustStore(t, p.Clients.DynamoDB)
	ctx := context.Background()
	for _, c := range []quality.ClaimDay{
		{ClaimID: "RC-2026-000001", Series: "S-1", Model: "TH-2000", TypeID: "overheating", Day: "2026-12-01"},
		{ClaimID: "RC-2026-000002", Series: "S-1", Model: "TH-2000", TypeID: "overheating", Day: "2026-12-01"},
		{ClaimID: "RC-2026-000002", Series: "S-1", Model: "TH-2000", TypeID: "overheating", Day: "2026-12-01"}, // again
		{ClaimID: "RC-2026-000003", Series: "S-1", Model: "TH-2000", TypeID: "overheating", Day: "2026-12-03"},
		{ClaimID: "RC-2026-000004", Series: "S-1", Model: "TH-2000", TypeID: "noise", Day: "2026-12-03"},
		{ClaimID: "RC-2026-000005", Series: "S-2", Model: "TH-2000", TypeID: "overheating", Day: "2026-12-02"},
		{ClaimID: "RC-2026-000006", Series: "S-3", Model: "TH-2000", TypeID: "overheating", Day: "2026-11-30"},
	} {
		if err := s.RecordClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	days, err := s.SeriesDays(ctx, "S-1", "overheating", "2026-12-01", "2026-12-03")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string{"2026-12-01": {"RC-2026-000001", "RC-2026-000002"}, "2026-12-03": {"RC-2026-000003"}}, days); diff != "" {
		t.Errorf("series days mismatch (-want +got):\n%s", diff)
	}
	model, err := s.ModelDays(ctx, "TH-2000", "overheating", "2026-12-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"2026-12-01": 2, "2026-12-02": 1, "2026-12-03": 1}, model); diff != "" {
		t.Errorf("model days mismatch (-want +got):\n%s", diff)
	}
	if n, err := s.ModelSeries(ctx, "TH-2000"); err != nil || n != 3 {
		t.Errorf("series of the model: %d, %v; want 3", n, err)
	}

	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	sh := quality.Shipments{Series: "S-1", Model: "TH-2000", ERPVersion: 2, TotalUnits: 700, UpdatedAt: now, UpdatedBy: "integrations:erp",
		Shipments: []quality.Shipment{{Date: "2026-10-01", Units: 200}, {Month: "2026-09", Units: 500}}}
	if ok, err := s.PutShipments(ctx, sh); err != nil || !ok {
		t.Fatalf("put shipments: %v, %v", ok, err)
	}
	older := sh
	older.ERPVersion, older.TotalUnits, older.Shipments = 1, 1, []quality.Shipment{{Date: "2026-10-01", Units: 1}}
	if ok, err := s.PutShipments(ctx, older); err != nil || ok {
		t.Fatalf("older shipments stored: %v, %v", ok, err)
	}
	info, err := s.SeriesInfo(ctx, "S-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(quality.SeriesInfo{FirstDay: "2026-12-01", Shipments: &sh}, info); diff != "" {
		t.Errorf("series info mismatch (-want +got):\n%s", diff)
	}

	if a, err := s.CurrentAlert(ctx, "S-1", "overheating"); err != nil || a != nil {
		t.Fatalf("current alert before any: %+v, %v", a, err)
	}
	a := quality.Alert{ID: quality.NewAlertID(now), Series: "S-1", Model: "TH-2000", TypeID: "overheating", Status: quality.Open,
		Finding: quality.Finding{Alarm: true, Ratio: 3, Statistic: 11, Threshold: 10, Observed: 3, Expected: 0.5, Days: 1, DailyExpected: 0.25},
		Window:  events.Window{From: "2026-12-03", To: "2026-12-03", Days: 1}, Claims: []string{"RC-2026-000003"}, Announcements: 1,
		RaisedAt: now, AnnouncedAt: now, Rev: 1}
	e, err := events.New("RC-2026-000003", "system", now, events.Surge{AlertID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RaiseAlert(ctx, a, "", e); err != nil {
		t.Fatal(err)
	}
	b := a
	b.ID = quality.NewAlertID(now)
	if err := s.RaiseAlert(ctx, b, "", e); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a second alert from the same state: %v, want conflict", err)
	}
	got, err := s.CurrentAlert(ctx, "S-1", "overheating")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&a, got); diff != "" {
		t.Errorf("alert mismatch (-want +got):\n%s", diff)
	}
	pending, err := s.PendingEvents(ctx, now.Add(time.Hour), 10)
	if err != nil || len(pending) != 1 || pending[0].ID != e.ID || pending[0].Type != events.SurgeDetected {
		t.Errorf("outbox %+v, %v; want the surge event", pending, err)
	}
	if err := a.Close("fixed", "supervisors:s1", now); err != nil {
		t.Fatal(err)
	}
	a.Rev = 2
	if err := s.SaveAlert(ctx, a, 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAlert(ctx, a, 1, nil); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a stale save: %v, want conflict", err)
	}
	// Closed: the next surge raises a new alert in its place.
	if err := s.RaiseAlert(ctx, b, a.ID, e); err == nil {
		t.Error("a new alert with the old alert's event ID was stored")
	}
	e2, _ := events.New("RC-2026-000003", "system", now, events.Surge{AlertID: b.ID})
	if err := s.RaiseAlert(ctx, b, a.ID, e2); err != nil {
		t.Fatal(err)
	}
	active, err := s.Alerts(ctx, false, 10)
	if err != nil || len(active) != 1 || active[0].ID != b.ID {
		t.Errorf("active alerts %+v, %v; want %s", active, err, b.ID)
	}
	closed, err := s.Alerts(ctx, true, 10)
	if err != nil || len(closed) != 1 || closed[0].ID != a.ID || closed[0].Note != "fixed" {
		t.Errorf("closed alerts %+v, %v; want %s", closed, err, a.ID)
	}
	if _, err := s.Alert(ctx, quality.NewAlertID(now)); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown alert: %v", err)
	}
}
