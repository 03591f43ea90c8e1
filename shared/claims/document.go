package claims

import "time"

// DocumentKind is what a generated document is.
type DocumentKind string

// The kinds of documents generated for a claim.
const (
	// DocClaim is the claim's PDF, the claimant's copy (with a QR code of
	// the tracking page).
	DocClaim DocumentKind = "claim"
	// DocClaimInternal is the claim's PDF, the claims department's copy.
	DocClaimInternal DocumentKind = "claim-internal"
	// DocTorg2 is the TORG-2 act of a discrepancy found on acceptance,
	// filled from the claim, its source order and the receiving side's
	// request.
	DocTorg2 DocumentKind = "torg-2"
	// DocDecisionLetter is the letter to the claimant with the decision.
	DocDecisionLetter DocumentKind = "decision-letter"
)

// DocumentKinds lists the kinds.
var DocumentKinds = []DocumentKind{DocClaim, DocClaimInternal, DocTorg2, DocDecisionLetter}

// The audiences a document is shown to, beyond the claims department,
// which sees every document.
const (
	// ForStaff: the claims department only.
	ForStaff = "staff"
	// ForClaimant: the claimant (tracking page, mail), the claim's dealer
	// and their systems, and staff.
	ForClaimant = "claimant"
	// ForDealer: the claim's dealer and their systems, and staff.
	ForDealer = "dealer"
)

// Document is a file the system generated for a claim and keeps with it
// (in the private bucket, next to the uploads). Each generation is a new
// document; the older ones stay.
type Document struct {
	// ID is unique within the claim and time-ordered.
	ID       string       `json:"id"`
	Kind     DocumentKind `json:"kind"`
	Title    string       `json:"title"`
	Language string       `json:"language"`
	// Audience is ForStaff, ForClaimant or ForDealer.
	Audience    string    `json:"audience"`
	FileName    string    `json:"fileName"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	Pages       int       `json:"pages,omitempty"`
	Key         string    `json:"-"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatedBy   string    `json:"createdBy,omitempty"`
	// Version counts the documents of the kind for the claim (1: first).
	Version int `json:"version"`
	// Source is what it was generated from: an event ID, or "request".
	Source string `json:"source,omitempty"`
	// Values are the request a document was filled from (the TORG-2 act's
	// receiving side), as JSON, to correct and generate again.
	Values []byte `json:"-"`
}

// EventDocumentGenerated is the history entry of a generated document.
const EventDocumentGenerated = "document.generated"
