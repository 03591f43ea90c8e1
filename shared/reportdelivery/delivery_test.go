package reportdelivery

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/keys"
	"github.com/claimsdesk/backend/shared/reportmail"
)

// cells is a hand-written analytics.Reader: registered claims by day of
// one category.
type cells map[string]int64

func (c cells) Cells(_ context.Context, _ string, dim analytics.Dim, from, to string) ([]analytics.Stored, error) {
	var out []analytics.Stored
	for day, n := range c {
		if day >= from && day <= to {
			value := "*"
			if dim != analytics.DimAll {
				value = "defect"
			}
			out = append(out, analytics.Stored{Cell: analytics.Cell{Day: day, Dim: dim, Value: value}, Counters: analytics.Counters{analytics.Registered: n}})
		}
	}
	return out, nil
}

func (c cells) MonthCells(context.Context, string, analytics.Dim, string, string) ([]analytics.Stored, error) {
	return nil, nil
}

func (c cells) TotalCells(context.Context, string, analytics.Dim) ([]analytics.Stored, error) {
	return nil, nil
}

// fakeRuns is a hand-written reportmail.Runs.
type fakeRuns struct {
	mu     sync.Mutex
	subs   map[string]reportmail.Subscription
	runs   map[string]string // subscription/period -> status
	events []events.Event
}

func (f *fakeRuns) DueSubscriptions(_ context.Context, now time.Time, _ int) ([]reportmail.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []reportmail.Subscription
	for _, s := range f.subs {
		if s.Active && s.NextRun != nil && !s.NextRun.After(now) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *fakeRuns) ClaimRun(_ context.Context, r reportmail.Run, _ time.Time) (reportmail.RunClaim, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := r.SubscriptionID + "/" + r.Period
	if st, ok := f.runs[k]; ok {
		if st == "building" {
			return reportmail.RunClaim{HeldUntil: r.LeaseUntil}, nil
		}
		return reportmail.RunClaim{Status: st}, nil
	}
	f.runs[k] = "building"
	return reportmail.RunClaim{Taken: true}, nil
}

func (f *fakeRuns) CompleteRun(_ context.Context, c reportmail.Completion) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs[c.Subscription.ID].Version != c.PrevVersion {
		return apperr.Errorf(apperr.Conflict, "stale")
	}
	f.runs[c.Run.SubscriptionID+"/"+c.Run.Period] = c.Status
	f.subs[c.Subscription.ID] = *c.Subscription
	if c.Event != nil {
		f.events = append(f.events, *c.Event)
	}
	return nil
}

func (f *fakeRuns) PutEvent(_ context.Context, e events.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	return nil
}

func (f *fakeRuns) GetSubscription(_ context.Context, id string) (*reportmail.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.subs[id]
	return &s, nil
}

func (f *fakeRuns) PutSubscription(_ context.Context, s *reportmail.Subscription, prev int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs[s.ID].Version != prev {
		return apperr.Errorf(apperr.Conflict, "stale")
	}
	f.subs[s.ID] = *s
	return nil
}

type memFiles struct {
	mu    sync.Mutex
	files map[string]int
}

func (m *memFiles) PutFile(_ context.Context, key, _ string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[key] = len(body)
	return nil
}

func newDelivery(t *testing.T, reader analytics.Reader, maxBytes int64) (*Delivery, *fakeRuns, *memFiles) {
	t.Helper()
	k, _ := keys.Derive(strings.Repeat("k", 32))
	moscow, _ := time.LoadLocation("Europe/Moscow")
	runs := &fakeRuns{subs: map[string]reportmail.Subscription{}, runs: map[string]string{}}
	files := &memFiles{files: map[string]int{}}
	d, err := New(Config{Reader: reader, Runs: runs, Files: files, Keys: k, Location: moscow, MaxAttachmentBytes: maxBytes,
		PublicBaseURL: "https://claims.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return d, runs, files
}

func daily(next time.Time) reportmail.Subscription {
	return reportmail.Subscription{ID: "rs-1", Report: "structure", Query: reportmail.Query{GroupBy: "category"}, Period: reportmail.Yesterday,
		Schedule: reportmail.Schedule{Frequency: reportmail.Daily, At: "09:00"}, Recipients: []string{"q@example.com"}, Formats: []string{"pdf", "xlsx"},
		Language: "en", Active: true, NextRun: &next, Version: 1}
}

// TestRunCatchesUpTheLatestPeriod: down from Monday to Thursday, a daily
// subscription mails Wednesday's figures once (not Sunday's, Monday's,
// Tuesday's), and moves on to Friday; run again, nothing.
func TestRunCatchesUpTheLatestPeriod(t *testing.T) {
	d, runs, files := newDelivery(t, cells{"2026-12-09": 4, "2026-12-06": 1}, 0)
	monday := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	runs.subs["rs-1"] = daily(monday)
	thursday := time.Date(2026, 12, 10, 7, 0, 0, 0, time.UTC) // 10:00 Moscow
	res, err := d.Run(context.Background(), thursday)
	if err != nil || res.Sent != 1 {
		t.Fatalf("run %+v %v", res, err)
	}
	if diff := cmp.Diff(map[string]string{"rs-1/2026-12-09_2026-12-09": "sent"}, runs.runs); diff != "" {
		t.Errorf("runs mismatch (-want +got):\n%s", diff)
	}
	if s := runs.subs["rs-1"]; !s.NextRun.Equal(time.Date(2026, 12, 11, 6, 0, 0, 0, time.UTC)) || s.Last.Period != "2026-12-09_2026-12-09" {
		t.Errorf("after the run: next %v, last %+v", s.NextRun, s.Last)
	}
	var m events.ReportMail
	if len(runs.events) != 1 || runs.events[0].Decode(&m) != nil {
		t.Fatalf("events %+v", runs.events)
	}
	if m.Chart == nil || len(m.Attachments) != 2 || len(m.Links) != 0 || !strings.Contains(m.HTML, "cid:"+events.ChartContentID) ||
		!strings.Contains(m.HTML, events.UnsubscribePlaceholder) || !strings.Contains(m.Text, "Registered: 4") {
		t.Errorf("mail %+v", m)
	}
	if files.files["reports/rs-1/2026-12-09_2026-12-09/structure_2026-12-09_2026-12-09.pdf"] == 0 {
		t.Errorf("stored files %v", files.files)
	}
	if res, _ := d.Run(context.Background(), thursday); res.Due != 0 {
		t.Errorf("run again: %+v", res)
	}
}

// TestRunSkipsUnchangedAndEmpty: onlyWhenChanged skips the figures of the
// last mail; skipWhenEmpty an empty period; both move the schedule on.
func TestRunSkipsUnchangedAndEmpty(t *testing.T) {
	d, runs, _ := newDelivery(t, cells{"2026-12-06": 2, "2026-12-07": 2}, 0)
	first := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	s := daily(first)
	s.OnlyWhenChanged, s.SkipWhenEmpty = true, true
	runs.subs["rs-1"] = s
	ctx := context.Background()
	for i, want := range []string{reportmail.StatusSent, reportmail.StatusSkippedUnchanged, reportmail.StatusSkippedEmpty} {
		if _, err := d.Run(ctx, first.AddDate(0, 0, i)); err != nil {
			t.Fatal(err)
		}
		if got := runs.subs["rs-1"].Last.Status; got != want {
			t.Errorf("day %d: %s, want %s", i, got, want)
		}
	}
	if len(runs.events) != 1 {
		t.Errorf("%d mails, want the first only", len(runs.events))
	}
}

// TestTooLargeGoesAsLinks: files beyond the mail's limit are linked
// instead of attached: signed links to the API, valid 7 days.
func TestTooLargeGoesAsLinks(t *testing.T) {
	d, runs, _ := newDelivery(t, cells{"2026-12-06": 2}, 1000)
	runs.subs["rs-1"] = daily(time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC))
	if _, err := d.Run(context.Background(), time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var m events.ReportMail
	if err := runs.events[0].Decode(&m); err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 0 || len(m.Links) != 2 || !strings.Contains(m.HTML, m.Links[0].URL) || !strings.Contains(m.Text, m.Links[1].URL) {
		t.Fatalf("links %+v", m.Links)
	}
	token, ok := strings.CutPrefix(m.Links[0].URL, "https://claims.example.com/report-files/")
	if !ok {
		t.Fatalf("link %s is not the API's", m.Links[0].URL)
	}
	f, err := reportmail.ParseFileLink(d.cfg.Keys, token, time.Date(2026, 12, 14, 5, 0, 0, 0, time.UTC))
	if err != nil || f.Key != m.Links[0].Key || f.FileName != "structure_2026-12-06_2026-12-06.pdf" {
		t.Errorf("link names %+v (%v), want %s", f, err, m.Links[0].Key)
	}
	if _, err := reportmail.ParseFileLink(d.cfg.Keys, token, time.Date(2026, 12, 14, 7, 0, 0, 0, time.UTC)); !apperr.Is(err, apperr.Gone) {
		t.Errorf("a link 7 days on: %v, want gone", err)
	}
}

// TestScheduledTime: the job's "now" is the scheduled event's time.
func TestScheduledTime(t *testing.T) {
	fallback := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := ScheduledTime([]byte(`{"detail-type":"Scheduled Event","time":"2026-12-14T06:00:00Z"}`), fallback); !got.Equal(time.Date(2026, 12, 14, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("got %v", got)
	}
	if got := ScheduledTime([]byte(`{}`), fallback); !got.Equal(fallback) {
		t.Errorf("without a time: %v", got)
	}
}
