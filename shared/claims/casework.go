package claims

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
)

// Task is work on a claim: created by a stage on entry (the automation
// rules) or added to the claim's investigation plan by its manager.
type Task struct {
	ID       string    `json:"id"`
	Stage    Stage     `json:"stage,omitempty"`
	Title    string    `json:"title"`
	TitleEN  string    `json:"titleEn,omitempty"`
	Required bool      `json:"required"`
	Owner    string    `json:"owner"`
	Due      time.Time `json:"due"`
	DoneAt   time.Time `json:"doneAt,omitzero"`
	DoneBy   string    `json:"doneBy,omitempty"`
	Note     string    `json:"note,omitempty"`
	// Source is "stage" (created on stage entry) or "plan" (investigation plan).
	Source string `json:"source"`
}

// Open reports whether the task is not done.
func (t Task) Open() bool { return t.DoneAt.IsZero() }

// Resolution is what the decision does about the claim.
type Resolution string

// The resolutions.
const (
	ResolutionRepair        Resolution = "repair"
	ResolutionReplace       Resolution = "replace"
	ResolutionRefund        Resolution = "refund"
	ResolutionPartialRefund Resolution = "partial_refund"
	ResolutionReject        Resolution = "reject"
	ResolutionCarrierClaim  Resolution = "carrier_claim"
)

// Resolutions lists the valid resolutions.
var Resolutions = []Resolution{ResolutionRepair, ResolutionReplace, ResolutionRefund, ResolutionPartialRefund, ResolutionReject, ResolutionCarrierClaim}

// FaultParties are who can be at fault.
var FaultParties = []string{"company", "customer", "carrier", "supplier"}

// Money is an amount in a currency, in minor units (kopecks) to stay exact.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Decision is the outcome of the examination.
type Decision struct {
	// WarrantyCase: the company is at fault and pays.
	WarrantyCase      bool   `json:"warrantyCase"`
	FaultParty        string `json:"faultParty"`
	CulpritDepartment string `json:"culpritDepartment,omitempty"`
	CulpritEmployee   string `json:"culpritEmployee,omitempty"`
	// RootCause is an entry of the root cause catalog.
	RootCause  string     `json:"rootCause,omitempty"`
	Resolution Resolution `json:"resolution"`
	Cost       Money      `json:"cost"`
	// Instructions tell the customer what happens next.
	Instructions string `json:"instructions"`
	// SolvedWith is the knowledge base article the decision followed
	// ("solved with": a published article; internal).
	SolvedWith string `json:"solvedWith,omitempty"`
	// IncidentAnalysisRequired is set when the root cause is a manufacturing
	// defect: the claim then goes through incident analysis.
	IncidentAnalysisRequired bool      `json:"incidentAnalysisRequired,omitempty"`
	DecidedBy                string    `json:"decidedBy,omitempty"`
	DecidedAt                time.Time `json:"decidedAt"`
	// Revision counts changes after the first recording (supervisors only,
	// with a reason).
	Revision int `json:"revision"`
}

// ValidateDecision checks a decision against the root cause catalog; errors
// name the field.
func ValidateDecision(d *Decision, causes []catalog.RootCause) error {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	if !slices.Contains(FaultParties, d.FaultParty) {
		add("faultParty", "one of "+strings.Join(FaultParties, ", "))
	}
	if !slices.Contains(Resolutions, d.Resolution) {
		add("resolution", "one of repair, replace, refund, partial_refund, reject, carrier_claim")
	}
	if !slices.ContainsFunc(causes, func(c catalog.RootCause) bool { return c.ID == d.RootCause }) {
		add("rootCause", "not in the root cause catalog")
	}
	if d.WarrantyCase && d.FaultParty != "company" {
		add("warrantyCase", "a warranty case means the company is at fault")
	}
	if d.Resolution == ResolutionCarrierClaim && d.FaultParty != "carrier" {
		add("resolution", "a claim against the carrier needs the carrier at fault")
	}
	if d.Cost.Amount < 0 {
		add("cost.amount", "not negative")
	}
	if d.Cost.Amount > 0 && len(d.Cost.Currency) != 3 {
		add("cost.currency", "an ISO 4217 code, e.g. RUB")
	}
	d.Instructions = CleanText(d.Instructions)
	d.CulpritDepartment = cleanLine(d.CulpritDepartment)
	d.CulpritEmployee = cleanLine(d.CulpritEmployee)
	if n := len([]rune(d.Instructions)); n < 10 || n > 5000 {
		add("instructions", "10..5000 characters: what the customer should expect and do")
	}
	if len([]rune(d.CulpritDepartment)) > 120 || len([]rune(d.CulpritEmployee)) > 120 {
		add("culpritDepartment", "at most 120 characters")
	}
	return apperr.Validation(f)
}

// NewPlanTask validates a task for the investigation plan.
func NewPlanTask(id, title, owner, note string, due, now time.Time) (Task, error) {
	t := Task{ID: id, Title: cleanLine(title), Owner: cleanLine(owner), Note: CleanText(note), Due: due.UTC(), Source: "plan"}
	var f []apperr.FieldError
	if n := len([]rune(t.Title)); n < 3 || n > 200 {
		f = append(f, apperr.FieldError{Field: "title", Message: "3..200 characters"})
	}
	if t.Owner == "" {
		f = append(f, apperr.FieldError{Field: "owner", Message: "required: who does it"})
	}
	if due.IsZero() || due.Before(now.Add(-24*time.Hour)) {
		f = append(f, apperr.FieldError{Field: "due", Message: "a date, not in the past"})
	}
	if len([]rune(t.Note)) > 2000 {
		f = append(f, apperr.FieldError{Field: "note", Message: "at most 2000 characters"})
	}
	if err := apperr.Validation(f); err != nil {
		return Task{}, err
	}
	return t, nil
}

// TaskIndex returns the position of a task, or an apperr.NotFound error.
func (c *Claim) TaskIndex(id string) (int, error) {
	for i, t := range c.Tasks {
		if t.ID == id {
			return i, nil
		}
	}
	return 0, apperr.Errorf(apperr.NotFound, "no task %s on claim %s", id, c.ID)
}

// String names a money amount for people: "1234.50 RUB".
func (m Money) String() string {
	return fmt.Sprintf("%d.%02d %s", m.Amount/100, m.Amount%100, m.Currency)
}

// Message is one message of a claim's chat between the claimant (customer or
// dealer) and the claims manager.
type Message struct {
	ID          string       `json:"id"`
	Author      string       `json:"author"`
	AuthorRole  string       `json:"authorRole"` // claimant, dealer, manager, supervisor
	AuthorName  string       `json:"authorName,omitempty"`
	Body        string       `json:"body"`
	Attachments []Attachment `json:"attachments,omitempty"`
	At          time.Time    `json:"at"`
}
