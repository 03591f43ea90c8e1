package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/deps"
	"github.com/claimsdesk/backend/shared/events"
)

// ClaimDay is one claim as the watch counts it: on its series, type and
// model, on the company day it was filed.
type ClaimDay struct {
	ClaimID string
	Series  string
	Model   string
	TypeID  string
	Day     string
}

// SeriesInfo is what is known of a series: the first company day one of
// its claims was counted ("" before any) and its shipments (nil: none).
type SeriesInfo struct {
	FirstDay  string
	Shipments *Shipments
}

// Store keeps the watch's counts, the shipments and the alerts
// (dynamo.Store implements it). Every read is bounded by the days of one
// series (or model) and type.
type Store interface {
	// RecordClaim adds the claim to its (series, type) and (model, type)
	// days and to the series' model, once however often it is called.
	RecordClaim(ctx context.Context, c ClaimDay) error
	// SeriesDays returns the claims of (series, type) by day in [from, to]
	// (days without claims are absent).
	SeriesDays(ctx context.Context, series, typeID, from, to string) (map[string][]string, error)
	// ModelDays returns the count of claims of (model, type) by day in
	// [from, to].
	ModelDays(ctx context.Context, model, typeID, from, to string) (map[string]int, error)
	// ModelSeries returns how many series of the model have claims.
	ModelSeries(ctx context.Context, model string) (int, error)
	// SeriesInfo returns what is known of a series (zero when nothing).
	SeriesInfo(ctx context.Context, series string) (SeriesInfo, error)
	// PutShipments stores a series' shipments unless the stored ones have
	// an ERP version as high: false then (a replay or an older version).
	PutShipments(ctx context.Context, s Shipments) (bool, error)
	// CurrentAlert returns the latest alert of (series, type), nil when
	// there is none.
	CurrentAlert(ctx context.Context, series, typeID string) (*Alert, error)
	// RaiseAlert stores a new alert as the current one of its (series,
	// type) in place of prevID ("": none), with its event, in one
	// transaction; Conflict when the current alert is no longer prevID.
	RaiseAlert(ctx context.Context, a Alert, prevID string, e events.Event) error
	// SaveAlert stores a changed alert (its Rev one more than prevRev) if
	// the stored one is still at prevRev, with events to announce in the
	// same transaction; Conflict otherwise.
	SaveAlert(ctx context.Context, a Alert, prevRev int, evs []events.Event) error
	// Alert returns NotFound for an unknown alert.
	Alert(ctx context.Context, id string) (*Alert, error)
	// Alerts returns up to limit alerts, newest first: the closed ones or
	// the others.
	Alerts(ctx context.Context, closed bool, limit int) ([]Alert, error)
}

// ClaimSource reads a claim (apperr.NotFound for an unknown one).
type ClaimSource interface {
	GetClaim(ctx context.Context, id string) (*claims.Claim, error)
}

// Publisher publishes events after their commit (the events topic).
type Publisher interface {
	Publish(ctx context.Context, evs []events.Event) error
}

// DefaultBaseRate is the claims of a type expected per 1000 units in
// service a day when no rate is configured for it: one a month.
const DefaultBaseRate = 1.0 / 30

// Config wires a Service; Store is required, Claims for the watch.
type Config struct {
	Store  Store
	Claims ClaimSource
	// Publisher publishes an alert's event right after its commit
	// (optional: the outbox relay publishes what it does not).
	Publisher Publisher
	// Params are the detector's (zero: DefaultParams).
	Params Params
	// BaseRates are the claims of each type expected per 1000 units in
	// service a day (with shipments); a type not listed has
	// DefaultBaseRate.
	BaseRates map[string]float64
	// Location is the company's time zone (days; default UTC).
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service watches the claims for surges and keeps the alerts and the
// shipments.
type Service struct{ cfg Config }

// New returns a Service; an Internal error names what cfg lacks.
func New(cfg Config) (*Service, error) {
	if err := deps.Check("quality", deps.Need("Store", cfg.Store)); err != nil {
		return nil, err
	}
	cfg.Claims, cfg.Publisher = deps.Optional(cfg.Claims), deps.Optional(cfg.Publisher)
	if cfg.Params.WindowDays == 0 {
		cfg.Params = DefaultParams
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}, nil
}

// Deliver watches after one message of the analytics queue: a new claim
// (claim.received) is counted on its series and type and the detector runs
// on them; other claim events change nothing here. It returns an Invalid
// error for a body that is not an event.
func (s *Service) Deliver(ctx context.Context, body []byte) error {
	var e events.Event
	if err := json.Unmarshal(body, &e); err != nil || e.ID == "" || !claims.ValidNumber(e.ClaimID) {
		return apperr.InvalidField("event", "not a claim event")
	}
	if e.Type != events.ClaimReceived {
		return nil
	}
	return s.Watch(ctx, e.ClaimID)
}

// Watch counts a claim on its series and type (once, however often it is
// called) and raises an alert when the detector finds a surge there that
// no open, acknowledged or muted alert already covers. A claim without a
// series is not watched.
func (s *Service) Watch(ctx context.Context, claimID string) error {
	if s.cfg.Claims == nil {
		return apperr.Errorf(apperr.Internal, "quality: the watch needs Claims")
	}
	cl, err := s.cfg.Claims.GetClaim(ctx, claimID)
	if apperr.Is(err, apperr.NotFound) {
		s.cfg.Logger.WarnContext(ctx, "event of an unknown claim: nothing to watch", "claimId", claimID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("watch claim %s: %w", claimID, err)
	}
	if cl.Product.Series == "" || cl.TypeID == "" {
		return nil
	}
	c := ClaimDay{ClaimID: cl.ID, Series: cl.Product.Series, Model: cl.Product.Model, TypeID: cl.TypeID,
		Day: cl.CreatedAt.In(s.cfg.Location).Format(time.DateOnly)}
	if err := s.cfg.Store.RecordClaim(ctx, c); err != nil {
		return fmt.Errorf("watch claim %s: %w", claimID, err)
	}
	return s.check(ctx, c)
}

func addDays(day string, n int) string {
	d, _ := time.Parse(time.DateOnly, day)
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// history reads what the detector needs of (series, type) up to day.
func (s *Service) history(ctx context.Context, c ClaimDay) (History, map[string][]string, *Shipments, error) {
	p := s.cfg.Params
	need := p.NeedDays()
	from := addDays(c.Day, -(need - 1))
	info, err := s.cfg.Store.SeriesInfo(ctx, c.Series)
	if err != nil {
		return History{}, nil, nil, err
	}
	byDay, err := s.cfg.Store.SeriesDays(ctx, c.Series, c.TypeID, from, c.Day)
	if err != nil {
		return History{}, nil, nil, err
	}
	ships := info.Shipments
	h := History{Days: make([]Day, need), Exposed: ships != nil && ships.TotalUnits > 0, BaseRate: DefaultBaseRate}
	if r, ok := s.cfg.BaseRates[c.TypeID]; ok && r > 0 {
		h.BaseRate = r
	}
	known := info.FirstDay
	if f := ships.First(); f != "" && (known == "" || f < known) {
		known = f
	}
	for i := range need {
		d := addDays(from, i)
		h.Days[i].Count = len(byDay[d])
		if h.Exposed {
			h.Days[i].Exposure = float64(ships.InService(d)) / 1000
		}
		if known != "" && d < known {
			h.Known = i + 1
		}
	}
	// Without shipments, a series leans on its model's other series (the
	// more, the younger it is): their mean daily count per series over the
	// baseline days.
	windowStart := need - p.WindowDays
	if !h.Exposed && windowStart > 0 && c.Model != "" {
		n, err := s.cfg.Store.ModelSeries(ctx, c.Model)
		if err != nil {
			return History{}, nil, nil, err
		}
		if n > 1 {
			model, err := s.cfg.Store.ModelDays(ctx, c.Model, c.TypeID, from, addDays(from, windowStart-1))
			if err != nil {
				return History{}, nil, nil, err
			}
			var others int
			for d, k := range model {
				others += k - len(byDay[d])
			}
			h.Pool = float64(max(0, others)) / float64(n-1) / float64(windowStart)
		}
	}
	return h, byDay, ships, nil
}

// check runs the detector on (series, type) as of the claim's day and
// raises or re-announces its alert.
func (s *Service) check(ctx context.Context, c ClaimDay) error {
	h, byDay, ships, err := s.history(ctx, c)
	if err != nil {
		return fmt.Errorf("watch %s/%s: %w", c.Series, c.TypeID, err)
	}
	f := s.cfg.Params.Evaluate(h)
	log := s.cfg.Logger.With("claimId", c.ClaimID, "series", c.Series, "typeId", c.TypeID)
	if !f.Alarm {
		log.DebugContext(ctx, "no surge", "statistic", f.Statistic, "threshold", f.Threshold)
		return nil
	}
	cur, err := s.cfg.Store.CurrentAlert(ctx, c.Series, c.TypeID)
	if err != nil {
		return fmt.Errorf("watch %s/%s: %w", c.Series, c.TypeID, err)
	}
	now := s.cfg.Now().UTC()
	if cur.Silences(now) {
		log.InfoContext(ctx, "surge already alerted", "alertId", cur.ID, "status", cur.Status)
		return nil
	}
	window := events.Window{From: addDays(c.Day, -(max(f.Days, 1) - 1)), To: c.Day, Days: max(f.Days, 1)}
	var behind []string
	for d := window.From; d <= window.To; d = addDays(d, 1) {
		ids := slices.Clone(byDay[d])
		slices.Sort(ids)
		behind = append(behind, ids...)
	}
	if len(behind) > events.MaxSurgeClaims {
		behind = behind[len(behind)-events.MaxSurgeClaims:]
	}
	var a Alert
	prevRev, prevID := 0, ""
	if cur != nil && cur.Status == Muted {
		// The mute ran out and the surge goes on: the same alert again.
		a, prevRev = *cur, cur.Rev
		a.Status, a.MutedUntil, a.MutedBy = Open, time.Time{}, ""
	} else {
		if cur != nil {
			prevID = cur.ID
		}
		a = Alert{ID: NewAlertID(now), Series: c.Series, Model: c.Model, TypeID: c.TypeID, Status: Open, RaisedAt: now}
	}
	a.Finding, a.Window, a.Claims, a.UnitsInService = f, window, behind, ships.InService(c.Day)
	a.Announcements++
	a.AnnouncedAt = now
	a.Rev++
	e, err := events.New(c.ClaimID, "system", now, events.Surge{
		AlertID: a.ID, Series: a.Series, Model: a.Model, TypeID: a.TypeID, Observed: f.Observed, Expected: round2(f.Expected),
		Window: window, Ratio: f.Ratio, UnitsInService: a.UnitsInService, Claims: behind, Announcement: a.Announcements,
	})
	if err != nil {
		return err
	}
	if prevRev > 0 {
		err = s.cfg.Store.SaveAlert(ctx, a, prevRev, []events.Event{e})
	} else {
		err = s.cfg.Store.RaiseAlert(ctx, a, prevID, e)
	}
	if apperr.Is(err, apperr.Conflict) {
		// Another count of the same surge raised it a moment ago.
		log.InfoContext(ctx, "surge alerted concurrently")
		return nil
	}
	if err != nil {
		return fmt.Errorf("watch %s/%s: %w", c.Series, c.TypeID, err)
	}
	log.InfoContext(ctx, "surge detected", "alertId", a.ID, "observed", f.Observed, "expected", f.Expected,
		"days", window.Days, "ratio", f.Ratio, "announcement", a.Announcements)
	if s.cfg.Publisher != nil {
		if err := s.cfg.Publisher.Publish(ctx, []events.Event{e}); err != nil {
			log.WarnContext(ctx, "publishing the surge event failed; the outbox relay sends it", "eventId", e.ID, "error", err.Error())
		}
	}
	return nil
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// PutShipments stores a series' shipments from the ERP: the stored
// shipments and whether the call changed them (false for a replay or an
// older version). It returns an Invalid error naming every bad field.
func (s *Service) PutShipments(ctx context.Context, series string, body ERPShipments, actor string) (*Shipments, bool, error) {
	sh, err := FromERP(series, body, actor, s.cfg.Now())
	if err != nil {
		return nil, false, err
	}
	changed, err := s.cfg.Store.PutShipments(ctx, sh)
	if err != nil {
		return nil, false, err
	}
	info, err := s.cfg.Store.SeriesInfo(ctx, series)
	if err != nil {
		return nil, false, err
	}
	return info.Shipments, changed, nil
}

// Alerts lists up to 100 alerts, newest first: with status "" the ones
// not closed, else those of the status. It returns an Invalid error naming
// "status" for an unknown one.
func (s *Service) Alerts(ctx context.Context, status string) ([]Alert, error) {
	if status != "" && !slices.Contains(Statuses, Status(status)) {
		return nil, apperr.InvalidField("status", "one of open, acknowledged, muted, closed")
	}
	list, err := s.cfg.Store.Alerts(ctx, status == string(Closed), 100)
	if err != nil {
		return nil, err
	}
	out := []Alert{}
	for _, a := range list {
		if status == "" || string(a.Status) == status {
			out = append(out, a)
		}
	}
	return out, nil
}

// Alert returns NotFound for an unknown alert.
func (s *Service) Alert(ctx context.Context, id string) (*Alert, error) {
	if !ValidAlertID(id) {
		return nil, apperr.Errorf(apperr.NotFound, "alert not found")
	}
	return s.cfg.Store.Alert(ctx, id)
}

// Acknowledge, Mute and Close change an alert (see Alert's methods for
// their errors); a lost race with another change is tried again.
func (s *Service) Acknowledge(ctx context.Context, id, by string) (*Alert, error) {
	return s.change(ctx, id, func(a *Alert, now time.Time) error { return a.Acknowledge(by, now) })
}

// Mute keeps an alert from being announced again for days days.
func (s *Service) Mute(ctx context.Context, id string, days int, by string) (*Alert, error) {
	return s.change(ctx, id, func(a *Alert, now time.Time) error { return a.Mute(days, by, now) })
}

// Close ends an alert with a note.
func (s *Service) Close(ctx context.Context, id, note, by string) (*Alert, error) {
	return s.change(ctx, id, func(a *Alert, now time.Time) error { return a.Close(note, by, now) })
}

func (s *Service) change(ctx context.Context, id string, f func(*Alert, time.Time) error) (*Alert, error) {
	for attempt := 1; ; attempt++ {
		a, err := s.Alert(ctx, id)
		if err != nil {
			return nil, err
		}
		prev := a.Rev
		if err := f(a, s.cfg.Now()); err != nil {
			return nil, err
		}
		a.Rev = prev + 1
		err = s.cfg.Store.SaveAlert(ctx, *a, prev, nil)
		if err == nil {
			return a, nil
		}
		if !apperr.Is(err, apperr.Conflict) || attempt >= 3 {
			return nil, err
		}
	}
}

// AlertFor returns the alert of a claim's series and type that is not
// closed (nil when there is none): what the claim's detail links to.
func (s *Service) AlertFor(ctx context.Context, c *claims.Claim) (*Ref, error) {
	if c == nil || c.Product.Series == "" || c.TypeID == "" {
		return nil, nil
	}
	a, err := s.cfg.Store.CurrentAlert(ctx, c.Product.Series, c.TypeID)
	if err != nil || a == nil || a.Status == Closed {
		return nil, err
	}
	return RefOf(a), nil
}
