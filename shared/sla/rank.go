package sla

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
)

// The worklist's ranking rule: a manager's open claims, most urgent first.
//
//  1. Breached and escalated claims (a clock ran out: SLA.Breached, or the
//     escalation level above 0) before the others.
//  2. Then by the stage's due time, to the minute; claims without one
//     (waiting for the customer) last.
//  3. Then by priority: critical, high, normal, low (claims due within the
//     same minute, e.g. all filed overnight, are told apart by importance).
//  4. Then by the exact due time.
//
// UrgencyKey encodes the rule as a string that sorts the same way, for the
// worklist index; CompareUrgency is the rule itself.

// Escalated reports whether a claim is breached or escalated: one of its
// clocks ran out, or its escalation level is above 0.
func Escalated(c *claims.Claim) bool {
	return c.SLA != nil && (len(c.SLA.Breached) > 0 || c.SLA.Level > 0)
}

// priorityRank orders priorities most important first (unknown as normal).
func priorityRank(p catalog.Priority) int {
	switch p {
	case catalog.Critical:
		return 0
	case catalog.High:
		return 1
	case catalog.Low:
		return 3
	}
	return 2
}

// CompareUrgency compares two claims by the worklist's rule: negative when
// a is more urgent than b, positive when less, 0 when the rule does not
// tell them apart (the worklist then orders them by ID).
func CompareUrgency(a, b *claims.Claim) int {
	ea, eb := Escalated(a), Escalated(b)
	if ea != eb {
		if ea {
			return -1
		}
		return 1
	}
	if a.DueAt.IsZero() != b.DueAt.IsZero() {
		if a.DueAt.IsZero() {
			return 1
		}
		return -1
	}
	ma, mb := a.DueAt.UTC().Truncate(time.Minute), b.DueAt.UTC().Truncate(time.Minute)
	return cmp.Or(ma.Compare(mb), cmp.Compare(priorityRank(a.Priority), priorityRank(b.Priority)), a.DueAt.Compare(b.DueAt))
}

// UrgencyKey is the claim's place by CompareUrgency as a string: keys sort
// (byte-wise) as CompareUrgency orders the claims. The worklist index keys
// a claim by it (followed by its ID); every change of a claim rewrites it.
//
//	["0#"] (due minute "2006-01-02T15:04" | "9999") "#" priority rank "#" [exact due]
//
// Keys without the "0#" of breached claims start like the keys written
// before the rule (the due time), so an index holding both still orders
// them by due time.
func UrgencyKey(c *claims.Claim) string {
	var b strings.Builder
	if Escalated(c) {
		b.WriteString("0#")
	}
	if c.DueAt.IsZero() {
		b.WriteString("9999#")
		b.WriteString(strconv.Itoa(priorityRank(c.Priority)))
		return b.String()
	}
	due := c.DueAt.UTC()
	b.WriteString(due.Truncate(time.Minute).Format("2006-01-02T15:04"))
	b.WriteString("#")
	b.WriteString(strconv.Itoa(priorityRank(c.Priority)))
	b.WriteString("#")
	b.WriteString(due.Format("2006-01-02T15:04:05.000000Z"))
	return b.String()
}
