package quality

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/events"
)

// Status is where an alert stands.
type Status string

// The statuses of an alert. Open, acknowledged and muted alerts (until
// their mute runs out) keep their (series, type) from being announced
// again; a closed one does not: the next surge raises a new alert.
const (
	Open         Status = "open"
	Acknowledged Status = "acknowledged"
	Muted        Status = "muted"
	Closed       Status = "closed"
)

// Statuses lists the statuses.
var Statuses = []Status{Open, Acknowledged, Muted, Closed}

// Limits of the alerts' actions.
const (
	MaxMuteDays = 365
	MaxNote     = 2000
)

// Alert is a surge of claims of one type on one series, as the detector
// found it, and what the quality engineers did with it.
type Alert struct {
	ID     string `json:"id"`
	Series string `json:"series"`
	Model  string `json:"model"`
	TypeID string `json:"typeId"`
	Status Status `json:"status"`
	// Finding is the detector's verdict when the alert was last announced.
	Finding Finding `json:"finding"`
	// Window is the days the observed claims were counted over.
	Window events.Window `json:"window"`
	// UnitsInService on the window's last day (0: no shipments known).
	UnitsInService int64 `json:"unitsInService,omitempty"`
	// Claims are the claims behind the finding (the latest
	// events.MaxSurgeClaims).
	Claims []string `json:"claims"`
	// Announcements counts the alert's announcements (its events).
	Announcements int       `json:"announcements"`
	RaisedAt      time.Time `json:"raisedAt"`
	// AnnouncedAt is the last announcement.
	AnnouncedAt    time.Time `json:"announcedAt"`
	AcknowledgedAt time.Time `json:"acknowledgedAt,omitzero"`
	AcknowledgedBy string    `json:"acknowledgedBy,omitempty"`
	// MutedUntil is the end of a mute (status muted).
	MutedUntil time.Time `json:"mutedUntil,omitzero"`
	MutedBy    string    `json:"mutedBy,omitempty"`
	ClosedAt   time.Time `json:"closedAt,omitzero"`
	ClosedBy   string    `json:"closedBy,omitempty"`
	// Note is the closing note.
	Note string `json:"note,omitempty"`
	// Rev counts the alert's changes (optimistic locking in storage).
	Rev int `json:"rev"`
}

// Silences reports whether a stays in the way of announcing its (series,
// type) again at now: open, acknowledged, or muted until after now.
func (a *Alert) Silences(now time.Time) bool {
	if a == nil {
		return false
	}
	switch a.Status {
	case Open, Acknowledged:
		return true
	case Muted:
		return now.Before(a.MutedUntil)
	}
	return false
}

// ValidAlertID reports whether s can be an alert's ID.
func ValidAlertID(s string) bool {
	if !strings.HasPrefix(s, "QA-") || len(s) != 3+28 {
		return false
	}
	for _, r := range s[3:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// NewAlertID returns a fresh, time-ordered alert ID.
func NewAlertID(at time.Time) string { return "QA-" + events.NewID(at) }

func closedConflict(a *Alert) error {
	return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("alert %s is closed", a.ID), Details: map[string]any{"status": string(Closed)}}
}

// Acknowledge records that by has seen the alert. It returns Conflict for
// a closed alert; acknowledging again changes nothing but the time.
func (a *Alert) Acknowledge(by string, at time.Time) error {
	if a.Status == Closed {
		return closedConflict(a)
	}
	a.Status, a.AcknowledgedAt, a.AcknowledgedBy, a.MutedUntil, a.MutedBy = Acknowledged, at.UTC(), by, time.Time{}, ""
	return nil
}

// Mute keeps the alert from being announced again for days days (1 to
// MaxMuteDays). It returns an Invalid error naming "days", Conflict for a
// closed alert.
func (a *Alert) Mute(days int, by string, at time.Time) error {
	if days < 1 || days > MaxMuteDays {
		return apperr.InvalidField("days", fmt.Sprintf("a whole number of days, 1 to %d", MaxMuteDays))
	}
	if a.Status == Closed {
		return closedConflict(a)
	}
	a.Status, a.MutedUntil, a.MutedBy = Muted, at.UTC().AddDate(0, 0, days), by
	return nil
}

// Close ends the alert with a note (what was found, what was done). It
// returns an Invalid error naming "note" (required, up to MaxNote
// characters), Conflict for a closed alert.
func (a *Alert) Close(note, by string, at time.Time) error {
	note = cleantext.Text(note)
	switch n := utf8.RuneCountInString(note); {
	case n == 0:
		return apperr.InvalidField("note", "required: what was found and done")
	case n > MaxNote:
		return apperr.InvalidField("note", fmt.Sprintf("at most %d characters", MaxNote))
	}
	if a.Status == Closed {
		return closedConflict(a)
	}
	a.Status, a.Note, a.ClosedAt, a.ClosedBy, a.MutedUntil, a.MutedBy = Closed, note, at.UTC(), by, time.Time{}, ""
	return nil
}

// Ref is what a claim's detail shows of the alert of its series and type.
type Ref struct {
	ID     string `json:"id"`
	Status Status `json:"status"`
	// Series and TypeID are the alert's (the claim's).
	Series   string    `json:"series"`
	TypeID   string    `json:"typeId"`
	RaisedAt time.Time `json:"raisedAt"`
}

// RefOf returns a's Ref.
func RefOf(a *Alert) *Ref {
	return &Ref{ID: a.ID, Status: a.Status, Series: a.Series, TypeID: a.TypeID, RaisedAt: a.RaisedAt}
}
