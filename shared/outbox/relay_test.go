package outbox

import (
	"context"
	"errors"
	"github.com/claimsdesk/backend/shared/events"
	"log/slog"
	"testing"
	"time"
)

type fakePending struct {
	evs       []events.Event
	before    time.Time
	postponed map[string]time.Time
}

func (f *fakePending) PendingEvents(_ context.Context, before time.Time, limit int) ([]events.Event, error) {
	f.before = before
	var out []events.Event
	for _, e := range f.evs {
		if e.At.Before(before) && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakePending) Postpone(_ context.Context, evs []events.Event, until time.Time) error {
	for _, e := range evs {
		f.postponed[e.ID] = until
	}
	return nil
}

type fakeSender struct {
	sent []events.Event
	err  error
}

func (f *fakeSender) Publish(_ context.Context, evs []events.Event) error {
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, evs...)
	return nil
}

func TestRelay(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	old := events.Event{ID: "e1", Type: events.ClaimReceived, ClaimID: "RC-2026-000001", At: now.Add(-5 * time.Minute)}
	fresh := events.Event{ID: "e2", Type: events.ClaimReceived, ClaimID: "RC-2026-000002", At: now.Add(-10 * time.Second)}
	p := &fakePending{evs: []events.Event{old, fresh}, postponed: map[string]time.Time{}}
	s := &fakeSender{}
	r := &Relay{Pending: p, Sender: s, Grace: time.Minute, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}
	res, err := r.Run(context.Background())
	if err != nil || res.Republished != 1 {
		t.Fatalf("Run = %+v, %v; want the one old event", res, err)
	}
	if len(s.sent) != 1 || s.sent[0].ID != "e1" || !p.before.Equal(now.Add(-time.Minute)) {
		t.Errorf("sent %v (pending before %v), want e1 only: a fresh event is still on its way", s.sent, p.before)
	}
	if p.postponed["e1"] != now.Add(5*time.Minute) {
		t.Errorf("e1 postponed to %v, want five grace periods on", p.postponed["e1"])
	}
	// A queue that refuses: the error, and nothing postponed (next run retries).
	p2 := &fakePending{evs: []events.Event{old}, postponed: map[string]time.Time{}}
	r.Pending, r.Sender = p2, &fakeSender{err: errors.New("queue unavailable")}
	if _, err := r.Run(context.Background()); err == nil || len(p2.postponed) != 0 {
		t.Errorf("with the queue down: %v, postponed %v", err, p2.postponed)
	}
}
