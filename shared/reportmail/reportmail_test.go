package reportmail

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/keys"
)

// memStore is a hand-written Store.
type memStore struct{ subs map[string]Subscription }

func (m *memStore) PutSubscription(_ context.Context, s *Subscription, prev int) error {
	cur, ok := m.subs[s.ID]
	switch {
	case prev == 0 && ok:
		return apperr.Errorf(apperr.Conflict, "exists")
	case prev != 0 && !ok:
		return apperr.Errorf(apperr.NotFound, "none")
	case prev != 0 && cur.Version != prev:
		return apperr.Errorf(apperr.Conflict, "stale")
	}
	m.subs[s.ID] = *s
	return nil
}

func (m *memStore) GetSubscription(_ context.Context, id string) (*Subscription, error) {
	s, ok := m.subs[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "none")
	}
	s.Recipients = slices.Clone(s.Recipients)
	s.Unsubscribed = slices.Clone(s.Unsubscribed)
	return &s, nil
}

func (m *memStore) ListSubscriptions(_ context.Context, owner string) ([]Subscription, error) {
	var out []Subscription
	for _, s := range m.subs {
		if owner == "" || s.OwnerDealer == owner {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memStore) DeleteSubscription(_ context.Context, id string) error {
	delete(m.subs, id)
	return nil
}

var testNow = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func newService(t *testing.T) (*Service, *memStore) {
	t.Helper()
	k, err := keys.Derive(strings.Repeat("s", 32))
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{subs: map[string]Subscription{}}
	s, err := New(Config{Store: st, Keys: k, Location: zone(t, "Europe/Moscow"), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

var (
	supervisor = &auth.Principal{UserID: "sup-1", Roles: []auth.Role{auth.Supervisor}}
	dealer     = &auth.Principal{UserID: "d-1", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1"}
	manager    = &auth.Principal{UserID: "m-1", Roles: []auth.Role{auth.Manager}}
)

func weekly() Input {
	return Input{Report: "structure", Period: LastWeek, Recipients: []string{"q@example.com"}, Formats: []string{"xlsx", "pdf"},
		Schedule: Schedule{Frequency: Weekly, Weekday: "monday", At: "09:00"}}
}

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("error %v, want invalid", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

// TestCreateNamesTheField: each bad input is a 400 naming its field.
func TestCreateNamesTheField(t *testing.T) {
	s, _ := newService(t)
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	for _, tt := range []struct {
		name string
		mut  func(*Input)
		want []string
	}{
		{"unknown report", func(in *Input) { in.Report = "weather" }, []string{"report"}},
		{"unknown measure", func(in *Input) { in.Query.Measures = []string{"happiness"} }, []string{"query.measures"}},
		{"a pair not kept", func(in *Input) { in.Report, in.Query.GroupBy, in.Query.ThenBy = "structure", "channel", "priority" }, []string{"query.thenBy"}},
		{"bad time zone", func(in *Input) { in.Schedule.TimeZone = "Mars/Olympus" }, []string{"schedule.timeZone"}},
		{"weekly without a weekday", func(in *Input) { in.Schedule.Weekday = "" }, []string{"schedule.weekday"}},
		{"a monthly day that cannot be", func(in *Input) { in.Schedule = Schedule{Frequency: Monthly, Day: 32, At: "09:00"} }, []string{"schedule.day"}},
		{"an hour that cannot be", func(in *Input) { in.Schedule.At = "24:00" }, []string{"schedule.at"}},
		{"starts in the past", func(in *Input) { in.Schedule.StartsOn = "2026-12-06" }, []string{"schedule.startsOn"}},
		{"more than 50 recipients", func(in *Input) { in.Recipients = many }, []string{"recipients"}},
		{"malformed address", func(in *Input) { in.Recipients = []string{"q@example.com", "not an address"} }, []string{"recipients[1]"}},
		{"unknown period and format", func(in *Input) { in.Period = "last_century"; in.Formats = []string{"docx"} }, []string{"formats[0]", "period"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := weekly()
			tt.mut(&in)
			_, err := s.Create(context.Background(), supervisor, in)
			if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Today is fine, and the next run is Monday 09:00 Moscow.
	in := weekly()
	in.Schedule.StartsOn = "2026-12-07"
	sub, err := s.Create(context.Background(), supervisor, in)
	if err != nil {
		t.Fatal(err)
	}
	if sub.NextRun == nil || !sub.NextRun.Equal(utc("2026-12-14T06:00:00Z")) || !sub.Active {
		t.Errorf("next run %v active %v, want Monday 14 Dec 06:00Z", sub.NextRun, sub.Active)
	}
	if diff := cmp.Diff([]string{"pdf", "xlsx"}, sub.Formats); diff != "" {
		t.Errorf("formats mismatch (-want +got):\n%s", diff)
	}
}

// TestWhoMaySubscribe: a dealer's scope is forced to their own, without
// the claims department's report and dimensions; managers may not; a
// dealer sees only their dealer's subscriptions.
func TestWhoMaySubscribe(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	sub, err := s.Create(ctx, dealer, weekly())
	if err != nil || sub.DealerID != "DLR-1" || sub.OwnerDealer != "DLR-1" {
		t.Fatalf("dealer's subscription %+v %v, want scoped to DLR-1", sub, err)
	}
	for name, mut := range map[string]func(*Input){
		"another dealer":  func(in *Input) { in.DealerID = "DLR-2" },
		"managers report": func(in *Input) { in.Report = "managers" },
		"internal group":  func(in *Input) { in.Query.GroupBy = "rootCause" },
		"internal pair": func(in *Input) {
			in.Report, in.Query.GroupBy, in.Query.ThenBy = "structure", "type", "manager"
		},
	} {
		in := weekly()
		mut(&in)
		if _, err := s.Create(ctx, dealer, in); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("dealer, %s: %v, want forbidden", name, err)
		}
	}
	if _, err := s.Create(ctx, manager, weekly()); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("manager: %v, want forbidden", err)
	}
	staff, err := s.Create(ctx, supervisor, weekly())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, dealer, staff.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("dealer reads staff's subscription: %v, want not found", err)
	}
	list, _ := s.List(ctx, dealer)
	if len(list) != 1 || list[0].ID != sub.ID {
		t.Errorf("dealer's list %v, want only their own", list)
	}
}

// TestUnsubscribeSigned: a recipient's link takes them (only them) off;
// the last leaving deactivates the subscription; used again it is no
// error; a forged or another subscription's token is refused.
func TestUnsubscribeSigned(t *testing.T) {
	s, st := newService(t)
	ctx := context.Background()
	in := weekly()
	in.Recipients = []string{"a@example.com", "B@example.com"}
	sub, err := s.Create(ctx, supervisor, in)
	if err != nil {
		t.Fatal(err)
	}
	k := s.Keys()
	tokA, tokB := k.UnsubscribeToken(sub.ID, "a@example.com"), k.UnsubscribeToken(sub.ID, "b@EXAMPLE.com")
	if tokA == tokB || !strings.HasPrefix(tokA, sub.ID+".") {
		t.Fatalf("tokens %q %q", tokA, tokB)
	}
	for _, bad := range []string{tokA[:len(tokA)-1] + "x", "rs-other." + tokA[len(sub.ID)+1:], "", sub.ID, "rs-x.y"} {
		if _, err := s.Unsubscribe(ctx, bad); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("token %q: %v, want not found", bad, err)
		}
	}
	u, err := s.Unsubscribe(ctx, tokA)
	if err != nil || u.Email != "a@example.com" || u.Already {
		t.Fatalf("unsubscribe a: %+v %v", u, err)
	}
	got := st.subs[sub.ID]
	if diff := cmp.Diff([]string{"B@example.com"}, got.Recipients); diff != "" || !got.Active || got.NextRun == nil {
		t.Errorf("after a left: recipients (-want +got) %s, active %v", diff, got.Active)
	}
	if u, err := s.Unsubscribe(ctx, tokA); err != nil || !u.Already {
		t.Errorf("again: %+v %v, want already", u, err)
	}
	if _, err := s.Unsubscribe(ctx, tokB); err != nil {
		t.Fatal(err)
	}
	got = st.subs[sub.ID]
	if got.Active || got.NextRun != nil || len(got.Recipients) != 0 {
		t.Errorf("after the last left: %+v, want inactive with no next run", got)
	}
	// Another key signs other tokens.
	other, _ := keys.Derive(strings.Repeat("o", 32))
	if _, ok := other.UnsubscribeRecipient(tokA, []string{"a@example.com"}); ok {
		t.Error("a token checks under another secret")
	}
}

// TestFileLinkSigned: a file link names its file until it expires; edited,
// forged, outside the report files or expired, it is refused.
func TestFileLinkSigned(t *testing.T) {
	k, _ := keys.Derive(strings.Repeat("f", 32))
	exp := testNow.Add(7 * 24 * time.Hour)
	tok := FileLinkToken(k, FileLink{Key: "reports/rs-1/p/r.pdf", FileName: "r.pdf", ContentType: "application/pdf", Expires: exp})
	f, err := ParseFileLink(k, tok, testNow)
	if err != nil || f.Key != "reports/rs-1/p/r.pdf" || f.FileName != "r.pdf" || !f.Expires.Equal(exp) {
		t.Fatalf("parsed %+v %v", f, err)
	}
	if _, err := ParseFileLink(k, tok, exp); !apperr.Is(err, apperr.Gone) {
		t.Errorf("at its expiry: %v, want gone", err)
	}
	other, _ := keys.Derive(strings.Repeat("o", 32))
	outside := FileLinkToken(k, FileLink{Key: "uploads/x.jpg", Expires: exp})
	for name, bad := range map[string]string{"edited": "x" + tok, "another secret": FileLinkToken(other, FileLink{Key: "reports/a", Expires: exp}),
		"outside reports/": outside, "empty": ""} {
		if _, err := ParseFileLink(k, bad, testNow); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
}
