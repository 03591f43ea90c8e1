package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/events"
)

func flat(n int, rate float64, seed uint64) []Day {
	r := rand.New(rand.NewPCG(seed, 1))
	days := make([]Day, n)
	for i := range days {
		days[i].Count = poisson(r, rate)
	}
	return days
}

// TestFlatSeriesRaisesNothing: steady claims at a series' usual rate, with
// and without shipments, never alarm over two years of daily evaluations.
func TestFlatSeriesRaisesNothing(t *testing.T) {
	p := DefaultParams
	for _, rate := range []float64{0.2, 1, 5, 20} {
		days := flat(730, rate, uint64(rate*10))
		for _, exposed := range []bool{false, true} {
			alarms := 0
			for d := p.NeedDays(); d <= len(days); d++ {
				h := History{Days: append([]Day(nil), days[d-p.NeedDays():d]...)}
				if exposed {
					h.Exposed, h.BaseRate = true, rate/100 // 100,000 units in service
					for i := range h.Days {
						h.Days[i].Exposure = 100
					}
				}
				if p.Evaluate(h).Alarm {
					alarms++
				}
			}
			if alarms != 0 {
				t.Errorf("rate %v/day (shipments %v): %d alarms, want none", rate, exposed, alarms)
			}
		}
	}
}

// TestJumpIsFoundWithinTwoDays: a series at 4 claims a day that jumps to
// 12 alarms within two days of the jump (never before it), and the
// finding names the surge's days and counts. (That the jump is announced
// once: TestTenClaimsRaiseOneAlert.)
func TestJumpIsFoundWithinTwoDays(t *testing.T) {
	p := DefaultParams
	days := flat(200, 4, 7)
	jump := 150
	r := rand.New(rand.NewPCG(9, 9))
	for i := jump; i < len(days); i++ {
		days[i].Count = poisson(r, 12)
	}
	first := -1
	for d := p.NeedDays(); d <= len(days); d++ {
		f := p.Evaluate(History{Days: days[d-p.NeedDays() : d]})
		if f.Alarm && first < 0 {
			first = d - 1
			if f.Ratio != 3 || f.Observed < 12 || f.Expected < 3 || f.Expected > 12 || f.Days < 1 || f.Days > 4 {
				t.Errorf("finding on day %d: %+v", first, f)
			}
		}
	}
	if first < jump || first > jump+2 {
		t.Fatalf("first alarm on day %d, want %d to %d", first, jump, jump+2)
	}
}

// TestTenClaimsInADayOfANewSeries: the scenario for the detector
// alone: a series nobody knew alarms at ten claims in a day, not at nine.
func TestTenClaimsInADayOfANewSeries(t *testing.T) {
	p := DefaultParams
	for n, want := range map[int]bool{3: false, 9: false, 10: true} {
		days := make([]Day, p.NeedDays())
		days[len(days)-1].Count = n
		if got := p.Evaluate(History{Days: days, Known: len(days) - 1}).Alarm; got != want {
			t.Errorf("%d claims in a day: alarm %v, want %v", n, got, want)
		}
	}
}

// TestShipmentsSetTheExpectedRate: with units in service known, the same
// counts are a surge on a small series and ordinary on a large one.
func TestShipmentsSetTheExpectedRate(t *testing.T) {
	p := DefaultParams
	for _, tt := range []struct {
		units float64 // thousands in service
		alarm bool
	}{{units: 10, alarm: true}, {units: 1000, alarm: false}} {
		// The type's base rate: 1 claim per 1000 units a month, which the
		// series' history bears out.
		days := flat(p.NeedDays(), tt.units/30, 3)
		for i := range days {
			days[i].Exposure = tt.units
		}
		for i := len(days) - 3; i < len(days); i++ {
			days[i].Count = 15
		}
		f := p.Evaluate(History{Days: days, Exposed: true, BaseRate: 1.0 / 30})
		if f.Alarm != tt.alarm {
			t.Errorf("%v thousand units in service: %+v, want alarm %v", tt.units, f, tt.alarm)
		}
	}
}

func TestShipmentsFromERP(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		series string
		body   ERPShipments
		fields []string
	}{
		{"negative units", "2026-11", ERPShipments{Model: "TH-2000", ERPVersion: 1, Shipments: []Shipment{{Date: "2026-11-01", Units: 10}, {Date: "2026-11-02", Units: -5}}}, []string{"shipments[1].units"}},
		{"absurd units", "2026-11", ERPShipments{Model: "TH-2000", ERPVersion: 1, Shipments: []Shipment{{Month: "2026-10", Units: 2e9}}}, []string{"shipments[0].units"}},
		{"fraction", "2026-11", ERPShipments{Model: "TH-2000", ERPVersion: 1, Shipments: []Shipment{{Date: "2026-11-01", Units: 1.5}}}, []string{"shipments[0].units"}},
		{"future and bad dates", "2026-11", ERPShipments{Model: "TH-2000", ERPVersion: 1, Shipments: []Shipment{{Date: "2026-12-31", Units: 1}, {Date: "31.12.2025", Units: 1}, {Month: "2026-13", Units: 1}, {Units: 1}}},
			[]string{"shipments[0].date", "shipments[1].date", "shipments[2].month", "shipments[3].date"}},
		{"no model, no version, bad series", "bad series!", ERPShipments{Shipments: []Shipment{{Date: "2026-11-01", Units: 1}}}, []string{"erpVersion", "model", "series"}},
		{"valid", "2026-11", ERPShipments{Model: "TH-2000", ERPVersion: 3, Shipments: []Shipment{{Date: "2026-11-01", Units: 100}, {Month: "2026-10", Units: 0}}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromERP(tt.series, tt.body, "integrations:erp", now)
			var got []string
			if e, ok := apperr.As(err); ok {
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			sort.Strings(got)
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnitsInService(t *testing.T) {
	s := &Shipments{Shipments: []Shipment{{Month: "2026-09", Units: 5000}, {Date: "2026-10-20", Units: 700}, {Date: "2026-11-01", Units: 300}}}
	for day, want := range map[string]int64{"2026-09-28": 0, "2026-09-29": 5000, "2026-11-02": 5000, "2026-11-03": 5700, "2026-11-15": 6000} {
		if got := s.InService(day); got != want {
			t.Errorf("in service on %s: %d, want %d", day, got, want)
		}
	}
	if got := s.First(); got != "2026-09-29" {
		t.Errorf("first day in service %q, want 2026-09-29", got)
	}
}

// TestAlertLifecycle: acknowledge, mute (days checked), close (note
// required); a closed alert takes no more changes; which statuses keep a
// surge from being announced again.
func TestAlertLifecycle(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	a := &Alert{ID: NewAlertID(now), Status: Open}
	if !a.Silences(now) {
		t.Error("an open alert does not silence")
	}
	if err := a.Acknowledge("supervisors:s1", now); err != nil || a.Status != Acknowledged || !a.Silences(now) {
		t.Errorf("acknowledge: %v, %+v", err, a)
	}
	for _, days := range []int{0, -1, MaxMuteDays + 1} {
		if err := a.Mute(days, "supervisors:s1", now); !isField(err, "days") {
			t.Errorf("mute %d days: %v, want invalid days", days, err)
		}
	}
	if err := a.Mute(3, "supervisors:s1", now); err != nil || a.Status != Muted {
		t.Fatalf("mute: %v, %+v", err, a)
	}
	if !a.Silences(now.Add(71*time.Hour)) || a.Silences(now.Add(72*time.Hour)) {
		t.Errorf("a 3-day mute silences until %v", a.MutedUntil)
	}
	if err := a.Close("  ", "supervisors:s1", now); !isField(err, "note") {
		t.Errorf("close without a note: %v", err)
	}
	if err := a.Close(strings.Repeat("x", MaxNote+1), "supervisors:s1", now); !isField(err, "note") {
		t.Errorf("close with a long note: %v", err)
	}
	if err := a.Close("Термодатчик партии 2026-11 бракован; партия отозвана.", "supervisors:s1", now); err != nil || a.Status != Closed || a.Silences(now) {
		t.Fatalf("close: %v, %+v", err, a)
	}
	for name, err := range map[string]error{
		"acknowledge": a.Acknowledge("x", now), "mute": a.Mute(1, "x", now), "close": a.Close("again", "x", now),
	} {
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("%s a closed alert: %v, want conflict", name, err)
		}
	}
	if !ValidAlertID(a.ID) || ValidAlertID("QA-zz") || ValidAlertID("RC-2026-000001") {
		t.Errorf("ValidAlertID(%q) wrong", a.ID)
	}
}

func isField(err error, field string) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == apperr.Invalid && len(e.Fields) == 1 && e.Fields[0].Field == field
}

// fakeStore keeps the quality records in maps.
type fakeStore struct {
	mu       sync.Mutex
	series   map[string]map[string][]string // series/type -> day -> claims
	model    map[string]map[string]map[string]bool
	modelSer map[string]map[string]bool
	first    map[string]string
	ships    map[string]*Shipments
	current  map[string]string
	alerts   map[string]Alert
	outbox   []events.Event
}

func newFakeStore() *fakeStore {
	return &fakeStore{series: map[string]map[string][]string{}, model: map[string]map[string]map[string]bool{},
		modelSer: map[string]map[string]bool{}, first: map[string]string{}, ships: map[string]*Shipments{},
		current: map[string]string{}, alerts: map[string]Alert{}}
}

func (f *fakeStore) RecordClaim(_ context.Context, c ClaimDay) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := c.Series + "#" + c.TypeID
	if f.series[k] == nil {
		f.series[k] = map[string][]string{}
	}
	for _, id := range f.series[k][c.Day] {
		if id == c.ClaimID {
			return nil
		}
	}
	f.series[k][c.Day] = append(f.series[k][c.Day], c.ClaimID)
	mk := c.Model + "#" + c.TypeID
	if f.model[mk] == nil {
		f.model[mk] = map[string]map[string]bool{}
	}
	if f.model[mk][c.Day] == nil {
		f.model[mk][c.Day] = map[string]bool{}
	}
	f.model[mk][c.Day][c.ClaimID] = true
	if f.modelSer[c.Model] == nil {
		f.modelSer[c.Model] = map[string]bool{}
	}
	f.modelSer[c.Model][c.Series] = true
	if fd, ok := f.first[c.Series]; !ok || c.Day < fd {
		f.first[c.Series] = c.Day
	}
	return nil
}

func (f *fakeStore) SeriesDays(_ context.Context, series, typeID, from, to string) (map[string][]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]string{}
	for d, ids := range f.series[series+"#"+typeID] {
		if d >= from && d <= to {
			out[d] = append([]string(nil), ids...)
		}
	}
	return out, nil
}

func (f *fakeStore) ModelDays(_ context.Context, model, typeID, from, to string) (map[string]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for d, ids := range f.model[model+"#"+typeID] {
		if d >= from && d <= to {
			out[d] = len(ids)
		}
	}
	return out, nil
}

func (f *fakeStore) ModelSeries(_ context.Context, model string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.modelSer[model]), nil
}

func (f *fakeStore) SeriesInfo(_ context.Context, series string) (SeriesInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return SeriesInfo{FirstDay: f.first[series], Shipments: f.ships[series]}, nil
}

func (f *fakeStore) PutShipments(_ context.Context, s Shipments) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old := f.ships[s.Series]; old != nil && old.ERPVersion >= s.ERPVersion {
		return false, nil
	}
	f.ships[s.Series] = &s
	return true, nil
}

func (f *fakeStore) CurrentAlert(_ context.Context, series, typeID string) (*Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.current[series+"#"+typeID]
	if !ok {
		return nil, nil
	}
	a := f.alerts[id]
	return &a, nil
}

func (f *fakeStore) RaiseAlert(_ context.Context, a Alert, prevID string, e events.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := a.Series + "#" + a.TypeID
	if f.current[k] != prevID {
		return apperr.Errorf(apperr.Conflict, "raised concurrently")
	}
	f.current[k], f.alerts[a.ID] = a.ID, a
	f.outbox = append(f.outbox, e)
	return nil
}

func (f *fakeStore) SaveAlert(_ context.Context, a Alert, prevRev int, evs []events.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.alerts[a.ID].Rev != prevRev {
		return apperr.Errorf(apperr.Conflict, "changed concurrently")
	}
	f.alerts[a.ID] = a
	f.outbox = append(f.outbox, evs...)
	return nil
}

func (f *fakeStore) Alert(_ context.Context, id string) (*Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.alerts[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "alert not found")
	}
	return &a, nil
}

func (f *fakeStore) Alerts(_ context.Context, closed bool, limit int) ([]Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Alert
	for _, a := range f.alerts {
		if (a.Status == Closed) == closed {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out[:min(limit, len(out))], nil
}

type fakeClaims map[string]*claims.Claim

func (f fakeClaims) GetClaim(_ context.Context, id string) (*claims.Claim, error) {
	if c, ok := f[id]; ok {
		return c, nil
	}
	return nil, apperr.Errorf(apperr.NotFound, "claim not found")
}

type watchFixture struct {
	svc    *Service
	store  *fakeStore
	claims fakeClaims
	now    time.Time
	n      int
}

func newWatch(t *testing.T) *watchFixture {
	t.Helper()
	w := &watchFixture{store: newFakeStore(), claims: fakeClaims{}, now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	svc, err := New(Config{Store: w.store, Claims: w.claims, Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	return w
}

// file files a claim of series and type now and watches it.
func (w *watchFixture) file(t *testing.T, series, typeID string) string {
	t.Helper()
	w.n++
	id := fmt.Sprintf("RC-2026-%06d", w.n)
	w.claims[id] = &claims.Claim{ID: id, TypeID: typeID, CreatedAt: w.now,
		Product: claims.Product{Model: "TH-2000", Series: series}}
	e, err := events.New(id, "public", w.now, events.Received{Number: id})
	if err != nil {
		t.Fatal(err)
	}
	body := mustJSON(t, e)
	if err := w.svc.Deliver(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestTenClaimsRaiseOneAlert: ten overheating claims on one series in a
// day raise one alert and one event naming the claims; ten more (and a
// redelivery) raise nothing; acknowledged, it stays quiet; a mute that runs
// out with the surge going on announces the same alert again; closed, the
// next surge is a new alert.
func TestTenClaimsRaiseOneAlert(t *testing.T) {
	w := newWatch(t)
	var ids []string
	for i := range 10 {
		ids = append(ids, w.file(t, "2026-11", "overheating"))
		if i < 3 {
			w.file(t, "2026-12", "noise") // three on another series: not a surge
		}
	}
	if len(w.store.outbox) != 1 {
		t.Fatalf("%d events after ten claims, want 1", len(w.store.outbox))
	}
	e := w.store.outbox[0]
	var s events.Surge
	if err := e.Decode(&s); err != nil {
		t.Fatal(err)
	}
	if e.Type != events.SurgeDetected || e.ClaimID != ids[9] || s.Series != "2026-11" || s.TypeID != "overheating" || s.Model != "TH-2000" ||
		s.Observed != 10 || s.Expected <= 0 || s.Expected > 1 || s.Window.From != "2026-12-07" || s.Window.To != "2026-12-07" || s.Announcement != 1 {
		t.Errorf("event %+v: %+v", e, s)
	}
	if diff := cmp.Diff(ids, s.Claims); diff != "" {
		t.Errorf("claims behind it mismatch (-want +got):\n%s", diff)
	}
	a, err := w.svc.Alert(context.Background(), s.AlertID)
	if err != nil || a.Status != Open || a.Finding.Observed != 10 {
		t.Fatalf("alert %+v, %v", a, err)
	}
	for range 10 {
		w.file(t, "2026-11", "overheating")
	}
	if err := w.svc.Watch(context.Background(), ids[0]); err != nil {
		t.Fatal(err)
	}
	if len(w.store.outbox) != 1 {
		t.Fatalf("%d events after ten more claims, want still 1", len(w.store.outbox))
	}
	ctx := context.Background()
	if _, err := w.svc.Acknowledge(ctx, a.ID, "supervisors:s1"); err != nil {
		t.Fatal(err)
	}
	w.file(t, "2026-11", "overheating")
	if _, err := w.svc.Mute(ctx, a.ID, 2, "supervisors:s1"); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(24 * time.Hour)
	for range 10 {
		w.file(t, "2026-11", "overheating")
	}
	if len(w.store.outbox) != 1 {
		t.Fatalf("%d events while muted, want still 1", len(w.store.outbox))
	}
	w.now = w.now.Add(25 * time.Hour)
	for range 12 {
		w.file(t, "2026-11", "overheating")
	}
	if len(w.store.outbox) != 2 {
		t.Fatalf("%d events after the mute ran out, want 2", len(w.store.outbox))
	}
	if err := w.store.outbox[1].Decode(&s); err != nil || s.AlertID != a.ID || s.Announcement != 2 {
		t.Errorf("re-announcement %+v, %v", s, err)
	}
	if _, err := w.svc.Close(ctx, a.ID, "Партия отозвана", "supervisors:s1"); err != nil {
		t.Fatal(err)
	}
	if ref, err := w.svc.AlertFor(ctx, w.claims[ids[0]]); err != nil || ref != nil {
		t.Errorf("a closed alert still linked: %+v, %v", ref, err)
	}
	w.file(t, "2026-11", "overheating")
	if len(w.store.outbox) != 3 {
		t.Fatalf("%d events after closing with the surge going on, want 3", len(w.store.outbox))
	}
	if err := w.store.outbox[2].Decode(&s); err != nil || s.AlertID == a.ID || s.Announcement != 1 {
		t.Errorf("new alert %+v, %v", s, err)
	}
	if ref, err := w.svc.AlertFor(ctx, w.claims[ids[0]]); err != nil || ref == nil || ref.ID != s.AlertID {
		t.Errorf("claim links to %+v, %v; want %s", ref, err, s.AlertID)
	}
	open, err := w.svc.Alerts(ctx, "")
	if err != nil || len(open) != 1 || open[0].ID != s.AlertID {
		t.Errorf("open alerts %+v, %v", open, err)
	}
	if _, err := w.svc.Alerts(ctx, "gone"); !isField(err, "status") {
		t.Errorf("unknown status: %v", err)
	}
}

// TestShipmentsRaiseTheBar: with 500,000 units of a new series in
// service, ten claims of a type in a day are what the type's base rate
// expects (1 per 1000 units a month): no alert.
func TestShipmentsRaiseTheBar(t *testing.T) {
	w := newWatch(t)
	ctx := context.Background()
	sh, changed, err := w.svc.PutShipments(ctx, "2026-11", ERPShipments{Model: "TH-2000", ERPVersion: 1,
		Shipments: []Shipment{{Date: "2026-11-10", Units: 500000}}}, "integrations:erp")
	if err != nil || !changed || sh.TotalUnits != 500000 {
		t.Fatalf("put shipments: %+v, %v, %v", sh, changed, err)
	}
	if _, changed, err := w.svc.PutShipments(ctx, "2026-11", ERPShipments{Model: "TH-2000", ERPVersion: 1,
		Shipments: []Shipment{{Date: "2026-11-10", Units: 1}}}, "integrations:erp"); err != nil || changed {
		t.Errorf("a replay changed the shipments: %v", err)
	}
	for range 10 {
		w.file(t, "2026-11", "overheating")
	}
	if len(w.store.outbox) != 0 {
		t.Errorf("%d alerts for ten claims of 500,000 units in service, want none", len(w.store.outbox))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type cells []analytics.Stored

func (c cells) Cells(_ context.Context, scope string, dim analytics.Dim, from, to string) ([]analytics.Stored, error) {
	var out []analytics.Stored
	for _, s := range c {
		if s.Scope == scope && s.Dim == dim && s.Day >= from && s.Day <= to {
			out = append(out, s)
		}
	}
	return out, nil
}

// TestAggregateDays: the pair dimension's cells of one series and type,
// by day, registered claims only.
func TestAggregateDays(t *testing.T) {
	cell := func(day, value string, reg int64) analytics.Stored {
		return analytics.Stored{Cell: analytics.Cell{Scope: analytics.AllScope, Dim: PairDim, Value: value, Day: day},
			Counters: analytics.Counters{analytics.Registered: reg, analytics.Closed: 1}}
	}
	r := cells{
		cell("2026-12-01", "2026-11\x1foverheating", 3), cell("2026-12-02", "2026-11\x1foverheating", 1),
		cell("2026-12-02", "2026-11\x1fnoise", 5), cell("2026-12-02", "2026-12\x1foverheating", 7),
		cell("2026-11-30", "2026-11\x1foverheating", 9), cell("2026-12-03", "2026-11\x1foverheating", 0),
	}
	got, err := AggregateDays(context.Background(), r, "2026-11", "overheating", "2026-12-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"2026-12-01": 3, "2026-12-02": 1}, got); diff != "" {
		t.Errorf("days mismatch (-want +got):\n%s", diff)
	}
}

// TestYoungSeriesLeansOnItsModel: a series first seen today, of a model
// whose other series see 20 overheating claims a day, is expected to see
// as many: ten today are no surge. Alone, ten are.
func TestYoungSeriesLeansOnItsModel(t *testing.T) {
	w := newWatch(t)
	ctx := context.Background()
	for d := 1; d <= 60; d++ {
		day := w.now.AddDate(0, 0, -d-41).Format(time.DateOnly)
		for i := range 20 {
			for _, series := range []string{"OLD-1", "OLD-2"} {
				if err := w.store.RecordClaim(ctx, ClaimDay{ClaimID: fmt.Sprintf("%s-%s-%d", series, day, i), Series: series, Model: "TH-2000",
					TypeID: "overheating", Day: day}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for range 10 {
		w.file(t, "NEW-1", "overheating")
	}
	if len(w.store.outbox) != 0 {
		t.Errorf("%d alerts for ten claims of a young series of a busy model, want none", len(w.store.outbox))
	}
	for range 10 {
		w.file(t, "LONE-1", "noise")
	}
	if len(w.store.outbox) != 1 {
		t.Errorf("%d alerts for ten claims of a type the model never had, want 1", len(w.store.outbox))
	}
}
