package qrcode

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// What a code is issued for.
const (
	KindModel  = "model"  // every item of a product model
	KindSeries = "series" // one production series (batch) of a model
	KindSerial = "serial" // one item, by serial number
)

// MaxSerialsPerBatch bounds one issue request.
const MaxSerialsPerBatch = 1000

// Record is an issued code as stored: what it pre-fills on the claim form.
type Record struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	Kind        string    `json:"kind"`
	Model       string    `json:"model"`
	ProductName string    `json:"productName,omitempty"`
	Series      string    `json:"series,omitempty"`
	Serial      string    `json:"serial,omitempty"`
	BatchID     string    `json:"batchId"`
	Note        string    `json:"note,omitempty"`
	IssuedBy    string    `json:"issuedBy"`
	IssuedAt    time.Time `json:"issuedAt"`
	// Revoked codes no longer open the claim form (it answers "withdrawn");
	// RevokedAt, RevokedBy and Reason say when, by whom and why.
	Revoked   bool      `json:"revoked"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	RevokedBy string    `json:"revokedBy,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

// MaxReason bounds a revocation's reason, in characters.
const MaxReason = 500

// Revocation withdraws codes: the first revocation of a code is kept
// (revoking again changes nothing).
type Revocation struct {
	Reason string    `json:"reason"`
	By     string    `json:"-"`
	At     time.Time `json:"-"`
}

// Validate cleans the reason (package cleantext) and checks it: 3 to
// MaxReason characters. It returns apperr.Invalid naming "reason".
func (r *Revocation) Validate() error {
	r.Reason = cleantext.Text(r.Reason)
	if n := utf8.RuneCountInString(r.Reason); n < 3 || n > MaxReason {
		return apperr.InvalidField("reason", fmt.Sprintf("why the code is withdrawn, 3..%d characters", MaxReason))
	}
	return nil
}

// IssueRequest asks for codes: one for a model or a series, or one per serial.
type IssueRequest struct {
	Kind        string   `json:"kind"`
	Model       string   `json:"model"`
	ProductName string   `json:"productName"`
	Series      string   `json:"series"`
	Serials     []string `json:"serials"`
	Note        string   `json:"note"`
}

var (
	modelPattern  = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,63}$`)
	serialPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$`)
)

// Targets validates r and returns one record per code to issue (without the
// codes), or an Invalid error naming every bad field.
func (r *IssueRequest) Targets() ([]Record, error) {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	r.Model = strings.TrimSpace(r.Model)
	r.Series = strings.TrimSpace(r.Series)
	r.ProductName = cleantext.Line(r.ProductName)
	r.Note = cleantext.Text(r.Note)
	if !modelPattern.MatchString(r.Model) {
		add("model", "1-64 letters, digits, spaces and . / _ -")
	}
	if utf8.RuneCountInString(r.ProductName) > 200 {
		add("productName", "at most 200 characters")
	}
	if utf8.RuneCountInString(r.Note) > 500 {
		add("note", "at most 500 characters")
	}
	if r.Series != "" && !serialPattern.MatchString(r.Series) {
		add("series", "1-64 letters, digits and . / _ -")
	}
	base := Record{Kind: r.Kind, Model: r.Model, ProductName: r.ProductName, Series: r.Series, Note: r.Note}
	var out []Record
	switch r.Kind {
	case KindModel:
		if r.Series != "" || len(r.Serials) > 0 {
			add("kind", "a model code has no series or serials (use kind series or serial)")
		}
		out = append(out, base)
	case KindSeries:
		if r.Series == "" {
			add("series", "required for a series code")
		}
		if len(r.Serials) > 0 {
			add("serials", "a series code has no serials")
		}
		out = append(out, base)
	case KindSerial:
		if len(r.Serials) == 0 {
			add("serials", "at least one serial number")
		}
		if len(r.Serials) > MaxSerialsPerBatch {
			add("serials", fmt.Sprintf("at most %d per request", MaxSerialsPerBatch))
		}
		seen := map[string]bool{}
		for i, s := range r.Serials {
			s = strings.TrimSpace(s)
			switch {
			case !serialPattern.MatchString(s):
				add(fmt.Sprintf("serials[%d]", i), "1-64 letters, digits and . / _ - (no spaces)")
			case seen[s]:
				add(fmt.Sprintf("serials[%d]", i), "duplicate serial "+s)
			}
			seen[s] = true
			rec := base
			rec.Serial = s
			out = append(out, rec)
		}
	default:
		add("kind", "one of model, series, serial")
	}
	if err := apperr.Validation(f); err != nil {
		return nil, err
	}
	return out, nil
}
