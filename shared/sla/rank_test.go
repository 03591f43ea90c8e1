package sla

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
)

// TestWorklistRanking: a table of claims in the order the worklist must
// show them; CompareUrgency and UrgencyKey both give that order from any
// starting order.
func TestWorklistRanking(t *testing.T) {
	due := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	breached := &claims.SLA{Breached: []string{"stage:diagnostics"}, Level: 1}
	escalated := &claims.SLA{Level: 2} // an escalation level without a listed clock
	warned := &claims.SLA{Warned: []string{"resolution"}}
	type row struct {
		name string
		prio catalog.Priority
		due  time.Time
		sla  *claims.SLA
	}
	want := []row{
		{"breached, due earliest", catalog.Low, due.Add(-2 * time.Hour), breached},
		{"escalated, due later, critical", catalog.Critical, due.Add(time.Hour), escalated},
		{"escalated, due later, normal", catalog.Normal, due.Add(time.Hour + 10*time.Second), escalated},
		{"breached, waiting for the customer", catalog.Critical, time.Time{}, breached},
		{"due first, low", catalog.Low, due.Add(-time.Hour), nil},
		{"due this minute, critical, later in it", catalog.Critical, due.Add(50 * time.Second), warned},
		{"due this minute, high", catalog.High, due.Add(10 * time.Second), nil},
		{"due this minute, normal, earlier", catalog.Normal, due.Add(5 * time.Second), nil},
		{"due this minute, normal, later", catalog.Normal, due.Add(30 * time.Second), nil},
		{"due this minute, low", catalog.Low, due, nil},
		{"due next minute, critical", catalog.Critical, due.Add(time.Minute), nil},
		{"due tomorrow, critical", catalog.Critical, due.Add(24 * time.Hour), nil},
		{"waiting, critical", catalog.Critical, time.Time{}, nil},
		{"waiting, unknown priority", "", time.Time{}, warned},
		{"waiting, low", catalog.Low, time.Time{}, nil},
	}
	var list []*claims.Claim
	names := map[string]string{}
	for i, r := range want {
		id := claims.Number(2026, int64(100-i)) // IDs against the order: they must not decide it
		names[id] = r.name
		list = append(list, &claims.Claim{ID: id, Priority: r.prio, DueAt: r.due, SLA: r.sla})
	}
	var wantNames []string
	for _, r := range want {
		wantNames = append(wantNames, r.name)
	}
	order := func(cs []*claims.Claim) []string {
		var out []string
		for _, c := range cs {
			out = append(out, names[c.ID])
		}
		return out
	}
	for _, start := range [][]*claims.Claim{slices.Clone(list), reversed(list), rotated(list, 7)} {
		byCompare := slices.Clone(start)
		slices.SortStableFunc(byCompare, CompareUrgency)
		if diff := cmp.Diff(wantNames, order(byCompare)); diff != "" {
			t.Errorf("CompareUrgency order (-want +got):\n%s", diff)
		}
		byKey := slices.Clone(start)
		slices.SortFunc(byKey, func(a, b *claims.Claim) int {
			return strings.Compare(UrgencyKey(a)+"#"+a.ID, UrgencyKey(b)+"#"+b.ID)
		})
		if diff := cmp.Diff(wantNames, order(byKey)); diff != "" {
			t.Errorf("UrgencyKey order (-want +got):\n%s", diff)
		}
	}
	// Keys written before the rule (due time moved by priority, "9999"
	// without one) still sort after breached claims and among the others by
	// due time.
	old := due.Add(-30*time.Minute).Format("2006-01-02T15:04:05.000000Z07:00") + "#RC-2026-000001"
	if !(UrgencyKey(list[3]) < old && old < UrgencyKey(list[6]) && UrgencyKey(list[4]) < old) {
		t.Errorf("an old key %s is out of place", old)
	}
}

func reversed(cs []*claims.Claim) []*claims.Claim {
	out := slices.Clone(cs)
	slices.Reverse(out)
	return out
}

func rotated(cs []*claims.Claim, n int) []*claims.Claim {
	return append(slices.Clone(cs[n:]), cs[:n]...)
}

func TestEscalated(t *testing.T) {
	for _, tt := range []struct {
		sla  *claims.SLA
		want bool
	}{
		{nil, false},
		{&claims.SLA{}, false},
		{&claims.SLA{Warned: []string{"resolution"}}, false},
		{&claims.SLA{Breached: []string{"resolution"}}, true},
		{&claims.SLA{Level: 1}, true},
	} {
		if got := Escalated(&claims.Claim{SLA: tt.sla}); got != tt.want {
			t.Errorf("Escalated(%+v) = %v, want %v", tt.sla, got, tt.want)
		}
	}
}
