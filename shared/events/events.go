// Package events declares every event a change of a claim emits: the
// envelope every event shares and, for each event type, its payload. A
// change writes its events in the same DynamoDB transaction as itself (the
// transactional outbox); they are published to SQS after the commit and
// consumed by the notifier (mail, in-app notes, webhooks to the company's
// and dealers' systems) and the consumers to come. Producers (intake,
// casework, chat, the SLA check) build events with New; consumers read them
// with Decode and never import a producer.
//
// The envelope carries SchemaVersion. Within a version, payloads only gain
// optional fields; a field removed or changed in meaning is a new version,
// and consumers read every version still in flight. Webhook receivers get
// the same envelope (see the API description's WebhookEvent schema).
//
// It imports only the standard library.
//
// Layer: leaf.
package events

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"
)

// SchemaVersion is the version of the envelope and payloads New writes.
const SchemaVersion = 1

// The event types.
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
	// Rated: the claimant (or the dealer) rated a closed claim, or added
	// the comment to their rating; a low score calls the supervisors.
	Rated = "claim.rated"
	// SurgeDetected: claims of one type on one series rose above what its
	// units in service or its own history lead to expect (package quality);
	// the quality engineers are told. The envelope's claimId is the claim
	// whose count raised (or re-announced) the alert.
	SurgeDetected = "quality.surge_detected"
)

// Event is the envelope of every event.
type Event struct {
	// ID is unique and time-ordered; consumers recognise redeliveries by it.
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	ClaimID string    `json:"claimId"`
	At      time.Time `json:"at"`
	// Actor is who made the change ("public", "managers:<id>", "system").
	Actor string `json:"actor,omitempty"`
	// Version is the payload's schema version (0 for events written
	// before versions were recorded: read as 1).
	Version int `json:"version,omitempty"`
	// Data is the payload of the event's type.
	Data json.RawMessage `json:"data,omitempty"`
}

// Payload is the data of one event type.
type Payload interface {
	// EventType is the event type the payload belongs to.
	EventType() string
}

// New returns an event of p's type with a fresh ID.
func New(claimID, actor string, at time.Time, p Payload) (Event, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return Event{}, fmt.Errorf("encode %s event data: %w", p.EventType(), err)
	}
	return Event{ID: NewID(at), Type: p.EventType(), ClaimID: claimID, At: at.UTC(), Actor: actor, Version: SchemaVersion, Data: b}, nil
}

// NewID returns a time-ordered unique ID: 12 hex digits of milliseconds and 16
// random hex digits.
func NewID(at time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%012x%x", at.UnixMilli(), b)
}

// Decode reads the event's payload into p, which must be of the event's
// type.
func (e Event) Decode(p Payload) error {
	if p.EventType() != e.Type {
		return fmt.Errorf("event %s is a %s, not a %s", e.ID, e.Type, p.EventType())
	}
	if v := e.Version; v > SchemaVersion {
		return fmt.Errorf("event %s has schema version %d; this code reads up to %d", e.ID, v, SchemaVersion)
	}
	if len(e.Data) == 0 {
		return nil
	}
	if err := json.Unmarshal(e.Data, p); err != nil {
		return fmt.Errorf("decode %s event %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// Received is the payload of ClaimReceived: what the confirmation needs.
type Received struct {
	Number       string `json:"number"`
	Channel      string `json:"channel"`
	ClaimantName string `json:"claimantName"`
	Email        string `json:"email,omitempty"`
	Language     string `json:"language"`
	// BaseURL is the site the claim came through (for the tracking link).
	BaseURL      string `json:"baseUrl"`
	DealerID     string `json:"dealerId,omitempty"`
	CategoryID   string `json:"categoryId"`
	TypeID       string `json:"typeId"`
	ProductModel string `json:"productModel"`
	// Assignee is the manager the claim went to ("" when nobody could take
	// it: supervisors are to assign it).
	Assignee string `json:"assignee,omitempty"`
}

// EventType implements Payload.
func (Received) EventType() string { return ClaimReceived }

// StageChange is the payload of StageChanged.
type StageChange struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason,omitempty"`
	Number string `json:"number"`
	// Email and Language reach the claimant at the stages they hear of.
	Email    string `json:"email,omitempty"`
	Language string `json:"language"`
	Assignee string `json:"assignee,omitempty"`
	// Instructions carry the decision's instructions when the claim enters
	// implementation or closes.
	Instructions string `json:"instructions,omitempty"`
	// ClaimantName, Resolution and WarrantyCase are for the claimant's mail
	// (the decision's resolution and kind, set with Instructions).
	ClaimantName string `json:"claimantName,omitempty"`
	Resolution   string `json:"resolution,omitempty"`
	WarrantyCase bool   `json:"warrantyCase,omitempty"`
}

// EventType implements Payload.
func (StageChange) EventType() string { return StageChanged }

// Assignment is the payload of Assigned.
type Assignment struct {
	Number   string `json:"number"`
	Assignee string `json:"assignee"`
	Previous string `json:"previous,omitempty"`
	Reason   string `json:"reason"`
}

// EventType implements Payload.
func (Assignment) EventType() string { return Assigned }

// Decision is the payload of DecisionRecorded: what the claimant's side may
// know of it (the culprits and root cause stay in the claim).
type Decision struct {
	Number       string `json:"number"`
	WarrantyCase bool   `json:"warrantyCase"`
	Resolution   string `json:"resolution"`
	// Revision counts the decision's revisions (0: first recorded).
	Revision int `json:"revision"`
}

// EventType implements Payload.
func (Decision) EventType() string { return DecisionRecorded }

// OrderItem is a line of an order in an event.
type OrderItem struct {
	SKU      string  `json:"sku"`
	Name     string  `json:"name,omitempty"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit,omitempty"`
	// Price is per unit, in minor units (kopecks).
	Price int64 `json:"price,omitempty"`
}

// OrderCustomer is who an order is for, in an event.
type OrderCustomer struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Company string `json:"company,omitempty"`
	TaxID   string `json:"taxId,omitempty"`
}

// Order is the payload of OrderCreated: what the ERP needs to create the
// order on its side.
type Order struct {
	Number string `json:"number"`
	// Kind is "rework" (the company's cost) or "additional" (the
	// customer's).
	Kind         string        `json:"kind"`
	Claim        string        `json:"claim"`
	SourceOrder  string        `json:"sourceOrder,omitempty"`
	WarrantyCase bool          `json:"warrantyCase"`
	Customer     OrderCustomer `json:"customer"`
	DealerID     string        `json:"dealerId,omitempty"`
	Items        []OrderItem   `json:"items"`
	Currency     string        `json:"currency,omitempty"`
	Note         string        `json:"note,omitempty"`
	CreatedBy    string        `json:"createdBy"`
}

// EventType implements Payload.
func (Order) EventType() string { return OrderCreated }

// The roles a message's author has towards the claim.
const (
	AuthorClaimant   = "claimant"   // the customer, through the tracking link
	AuthorDealer     = "dealer"     // the claim's dealer, through the cabinet or the API
	AuthorManager    = "manager"    // the claim's assigned manager
	AuthorSupervisor = "supervisor" // a supervisor who is not its manager
)

// Message is the payload of MessagePosted.
type Message struct {
	Number    string `json:"number"`
	MessageID string `json:"messageId"`
	// AuthorRole is one of the Author... roles.
	AuthorRole  string `json:"authorRole"`
	AuthorName  string `json:"authorName,omitempty"`
	Length      int    `json:"length"`
	Attachments int    `json:"attachments"`
	Stage       string `json:"stage"`
	Assignee    string `json:"assignee,omitempty"`
	DealerID    string `json:"dealerId,omitempty"`
	// Email and Language reach the customer when the claims department
	// writes.
	Email    string `json:"email,omitempty"`
	Language string `json:"language"`
}

// EventType implements Payload.
func (Message) EventType() string { return MessagePosted }

// Update is the payload of Updated.
type Update struct {
	Number string `json:"number"`
	// Fields are the edited fields' names.
	Fields []string `json:"fields"`
}

// EventType implements Payload.
func (Update) EventType() string { return Updated }

// SLA is the payload of SLAWarning and Escalated (Escalation).
type SLA struct {
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

// EventType implements Payload.
func (SLA) EventType() string { return SLAWarning }

// Escalation is the payload of Escalated.
type Escalation SLA

// EventType implements Payload.
func (Escalation) EventType() string { return Escalated }

// Types lists every event type with an empty value of its payload: the
// catalogue the API description, the webhook targets and the tests read.
var Types = []Payload{
	Received{}, StageChange{}, Assignment{}, Decision{}, Order{}, Message{}, Update{}, SLA{}, Escalation{}, Rating{},
	Surge{},
}

// TypeNames lists the event types, in the order of Types.
func TypeNames() []string {
	out := make([]string, len(Types))
	for i, p := range Types {
		out[i] = p.EventType()
	}
	return out
}

// NewRaw returns an event of any type with data encoded as it is given: for
// tests and tools that replay recorded events. Producers use New, whose
// payload fixes the type.
func NewRaw(typ, claimID, actor string, at time.Time, data any) (Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("encode %s event data: %w", typ, err)
	}
	return Event{ID: NewID(at), Type: typ, ClaimID: claimID, At: at.UTC(), Actor: actor, Version: SchemaVersion, Data: b}, nil
}

// Rating is the payload of Rated.
type Rating struct {
	Number string `json:"number"`
	// Score is 1..5; Low marks a score that calls the supervisors (1-2).
	Score int  `json:"score"`
	Low   bool `json:"low"`
	// Comment is the rater's comment, when given (with a rating or after).
	Comment string `json:"comment,omitempty"`
	// Commented marks the event of a comment added to an earlier rating.
	Commented bool `json:"commented,omitempty"`
	// RatedBy is "claimant" or "dealers:<user>".
	RatedBy  string `json:"ratedBy"`
	DealerID string `json:"dealerId,omitempty"`
	Assignee string `json:"assignee,omitempty"`
}

// EventType implements Payload.
func (Rating) EventType() string { return Rated }

// Surge is the payload of SurgeDetected: the alert, what was counted and
// what was expected.
type Surge struct {
	AlertID string `json:"alertId"`
	Series  string `json:"series"`
	Model   string `json:"model"`
	TypeID  string `json:"typeId"`
	// Observed claims against Expected over the window's days, From to To
	// (company days, To the day of the claim that raised the alert).
	Observed int     `json:"observed"`
	Expected float64 `json:"expected"`
	Window   Window  `json:"window"`
	// Ratio is the rate ratio the detector's alarming chart watches for
	// (3: a sudden surge, 1.5: a gradual one).
	Ratio float64 `json:"ratio"`
	// UnitsInService is the series' units in service on To (0: no
	// shipments known; then Expected comes from the series' own history).
	UnitsInService int64 `json:"unitsInService,omitempty"`
	// Claims are the claims behind Observed (at most MaxSurgeClaims, the
	// latest).
	Claims []string `json:"claims"`
	// Announcement counts the alert's announcements (1: new; more: a
	// surge still going on when its mute ran out).
	Announcement int `json:"announcement"`
}

// Window is a range of company days.
type Window struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

// MaxSurgeClaims bounds the claims a Surge lists.
const MaxSurgeClaims = 200

// EventType implements Payload.
func (Surge) EventType() string { return SurgeDetected }

// ReportMailDue: a report subscription's mail for one period is built (its
// files are in the bucket); the notifier sends it to each recipient. It is
// about no claim (ClaimID is empty), goes to no webhook and is not in
// Types.
const ReportMailDue = "report.mail_due"

// ReportFile is a file of a report mail, stored in the bucket.
type ReportFile struct {
	Key         string `json:"key"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	// URL is a download link, set for a file sent as a link instead of an
	// attachment (the mail would pass SES's size limit).
	URL string `json:"url,omitempty"`
}

// ReportMail is the payload of ReportMailDue: the mail as built, the same
// for every recipient but for the unsubscribe link, which the notifier
// signs per recipient and puts where UnsubscribePlaceholder stands in Text
// and HTML.
type ReportMail struct {
	SubscriptionID string   `json:"subscriptionId"`
	Period         string   `json:"period"`
	Recipients     []string `json:"recipients"`
	Language       string   `json:"language"`
	Subject        string   `json:"subject"`
	Text           string   `json:"text"`
	HTML           string   `json:"html"`
	// Chart is the main chart (PNG), shown inline in the HTML as
	// cid:<ChartContentID>.
	Chart       *ReportFile  `json:"chart,omitempty"`
	Attachments []ReportFile `json:"attachments,omitempty"`
	// Links are files too large to attach, linked from the HTML and text.
	Links []ReportFile `json:"links,omitempty"`
}

// UnsubscribePlaceholder stands for a recipient's unsubscribe link in a
// ReportMail's Text and HTML.
const UnsubscribePlaceholder = "{{unsubscribe_url}}"

// ChartContentID is the Content-ID of a report mail's inline chart.
const ChartContentID = "chart@claimsdesk"

// EventType implements Payload.
func (ReportMail) EventType() string { return ReportMailDue }
