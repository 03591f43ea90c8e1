// Package outbox defines the domain events a state change emits. They are
// written in the same DynamoDB transaction as the change (the transactional
// outbox), published to SQS after the commit, and re-published by a relay if
// the publish was lost; consumers recognise redeliveries by the event ID.
//
// It imports only the standard library.
//
// Layer: leaf.
package outbox

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"
)

// Event types.
const (
	// ClaimReceived: a claim was filed; the claimant gets a confirmation.
	ClaimReceived = "claim.received"
	// StageChanged: the claim moved to another stage.
	StageChanged = "claim.stage_changed"
	// Assigned: the claim got a (new) manager.
	Assigned = "claim.assigned"
	// DecisionRecorded: the decision was recorded or revised.
	DecisionRecorded = "claim.decision_recorded"
	// OrderCreated: a rework or additional order was created from the claim.
	OrderCreated = "claim.order_created"
	// MessagePosted: a chat message was posted.
	MessagePosted = "claim.message_posted"
	// Updated: the claim's fields were edited.
	Updated = "claim.updated"
	// SLAWarning: a clock of the claim is close to its due time (the
	// assignee is warned).
	SLAWarning = "claim.sla_warning"
	// Escalated: a clock of the claim ran out; its escalation level rose
	// (the supervisors are notified).
	Escalated = "claim.escalated"
)

// Event is one domain event.
type Event struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	ClaimID string          `json:"claimId"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// New returns an event with a fresh ID and data encoded as JSON.
func New(typ, claimID, actor string, at time.Time, data any) (Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("encode %s event data: %w", typ, err)
	}
	return Event{ID: NewID(at), Type: typ, ClaimID: claimID, At: at.UTC(), Actor: actor, Data: b}, nil
}

// NewID returns a time-ordered unique ID: 12 hex digits of milliseconds and 16
// random hex digits.
func NewID(at time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%012x%x", at.UnixMilli(), b)
}

// Received is the data of a ClaimReceived event: what the confirmation needs.
type Received struct {
	Number       string `json:"number"`
	Channel      string `json:"channel"`
	ClaimantName string `json:"claimantName"`
	Email        string `json:"email,omitempty"`
	Language     string `json:"language"`
	BaseURL      string `json:"baseUrl"`
	DealerID     string `json:"dealerId,omitempty"`
	CategoryID   string `json:"categoryId"`
	TypeID       string `json:"typeId"`
	ProductModel string `json:"productModel"`
	// Assignee is the manager the claim went to ("" when nobody could take
	// it: supervisors are to assign it).
	Assignee string `json:"assignee,omitempty"`
}

// SLAData is the data of SLAWarning and Escalated events.
type SLAData struct {
	Number string `json:"number"`
	// Clock is "firstResponse", "stage:<stage>", "resolution" or "statutory".
	Clock string    `json:"clock"`
	Due   time.Time `json:"due"`
	// Level is the claim's escalation level after the event.
	Level    int    `json:"level"`
	Assignee string `json:"assignee,omitempty"`
	Stage    string `json:"stage"`
	Priority string `json:"priority"`
}
