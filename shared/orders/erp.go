package orders

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/contact"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// Limits of an order.
const (
	MaxItems     = 500
	MaxStatus    = 64
	MaxNote      = 2000
	MaxText      = 200
	MaxQuantity  = 1e6
	maxCode      = 64
	maxUnit      = 16
	maxReference = 128
)

// ValidNumber reports whether s can be an order number as it travels in a
// URL path: up to 64 letters (1C numbers often carry Cyrillic prefixes),
// digits and . _ -, starting with a letter or digit.
func ValidNumber(s string) bool { return validCode(s, "._-", maxCode) }

// validSKU reports whether s is an article code: letters, digits and
// " ./_:@-", starting with a letter or digit.
func validSKU(s string) bool { return validCode(s, " ./_:@-", 0) }

// validCode reports whether s is letters and digits (any script) with the
// punctuation allowed after the first character, at most max characters
// (0: any number). A hand-written scan: Unicode-class regular expressions
// cost milliseconds of every cold start to compile.
func validCode(s, punct string, max int) bool {
	n := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r):
		case n > 0 && strings.ContainsRune(punct, r):
		default:
			return false
		}
		n++
	}
	return n > 0 && (max == 0 || n <= max)
}

var (
	currencyPattern = lazyre.New(`^[A-Z]{3}$`)
	taxIDPattern    = lazyre.New(`^\d{10}(\d{2})?$`)
)

// ERPOrder is a source order as the ERP upserts it.
type ERPOrder struct {
	// Number is optional in the body; when given it must match the URL.
	Number   string   `json:"number,omitempty"`
	Customer Customer `json:"customer"`
	DealerID string   `json:"dealerId,omitempty"`
	Items    []Item   `json:"items"`
	Currency string   `json:"currency,omitempty"`
	// Status is the ERP's own status text.
	Status       string `json:"status"`
	SalesManager string `json:"salesManager,omitempty"`
	Note         string `json:"note,omitempty"`
	// ERPVersion must grow with every change of the order in the ERP.
	ERPVersion int64 `json:"erpVersion"`
}

// StatusReport is the ERP's report of an order's status.
type StatusReport struct {
	Status     string `json:"status"`
	ERPVersion int64  `json:"erpVersion"`
}

// fieldErrors collects validation failures.
type fieldErrors []apperr.FieldError

func (f *fieldErrors) add(field, msg string) {
	*f = append(*f, apperr.FieldError{Field: field, Message: msg})
}

func (f *fieldErrors) length(field, v string, maxLen int, required bool) {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0 && required:
		f.add(field, "required")
	case n > maxLen:
		f.add(field, fmt.Sprintf("at most %d characters", maxLen))
	}
}

// line cleans a single-line field (package cleantext: control, invisible
// and bidirectional characters dropped, white space collapsed).
func line(s string) string { return cleantext.Line(s) }

// text cleans a multi-line field (package cleantext).
func text(s string) string { return cleantext.Text(s) }

// items cleans items in place and checks them; minItems is the least number
// of items.
func (f *fieldErrors) items(items []Item, minItems int) {
	switch {
	case len(items) < minItems:
		f.add("items", fmt.Sprintf("at least %d item", minItems))
	case len(items) > MaxItems:
		f.add("items", fmt.Sprintf("at most %d items", MaxItems))
		return
	}
	for i := range items {
		it := &items[i]
		p := fmt.Sprintf("items[%d]", i)
		it.SKU, it.Name, it.Unit = line(it.SKU), line(it.Name), line(it.Unit)
		f.length(p+".sku", it.SKU, maxCode, true)
		if it.SKU != "" && !validSKU(it.SKU) {
			f.add(p+".sku", "letters, digits, spaces and . / _ : @ - only")
		}
		f.length(p+".name", it.Name, MaxText, false)
		f.length(p+".unit", it.Unit, maxUnit, false)
		if !(it.Quantity > 0 && it.Quantity <= MaxQuantity) {
			f.add(p+".quantity", "a positive number up to 1000000")
		}
		if it.Price < 0 {
			f.add(p+".price", "not negative (minor units, e.g. kopecks)")
		}
	}
}

func (f *fieldErrors) customer(c *Customer) {
	c.Name, c.Company, c.TaxID = line(c.Name), line(c.Company), line(c.TaxID)
	f.length("customer.name", c.Name, MaxText, false)
	f.length("customer.company", c.Company, MaxText, false)
	if c.TaxID != "" && !taxIDPattern.MatchString(c.TaxID) {
		f.add("customer.taxId", "an INN has 10 or 12 digits")
	}
	if e, ok := contact.Email(c.Email); ok {
		c.Email = e
	} else {
		f.add("customer.email", "not a valid email address")
	}
	if p, ok := contact.Phone(c.Phone); ok {
		c.Phone = p
	} else {
		f.add("customer.phone", "not a valid phone number (10-15 digits, e.g. +7 916 123-45-67)")
	}
}

func (f *fieldErrors) status(s *string) {
	*s = line(*s)
	f.length("status", *s, MaxStatus, true)
}

func (f *fieldErrors) erpVersion(v int64) {
	if v <= 0 {
		f.add("erpVersion", "a positive number that grows with every change in the ERP")
	}
}

// FromERP validates an ERP upsert of order number and returns the source
// order it describes, with contacts normalised, created and updated by by at
// now. It returns an apperr.Invalid error naming every failing field.
func FromERP(number string, in ERPOrder, by string, now time.Time) (Order, error) {
	var f fieldErrors
	if !ValidNumber(number) {
		f.add("number", "1-64 letters, digits and . _ - (starting with a letter or digit)")
	}
	if in.Number != "" && in.Number != number {
		f.add("number", "must match the URL")
	}
	f.customer(&in.Customer)
	in.DealerID = line(in.DealerID)
	f.length("dealerId", in.DealerID, maxCode, false)
	f.items(in.Items, 1)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	switch {
	case in.Currency != "" && !currencyPattern.MatchString(in.Currency):
		f.add("currency", "an ISO 4217 code, e.g. RUB")
	case in.Currency == "" && hasPrice(in.Items):
		f.add("currency", "required when items have prices")
	}
	f.status(&in.Status)
	in.SalesManager = line(in.SalesManager)
	f.length("salesManager", in.SalesManager, maxReference, false)
	if in.SalesManager != "" && in.Customer.Email == "" && in.Customer.Phone == "" {
		f.add("salesManager", "the customer's email or phone is needed to record their personal manager")
	}
	in.Note = text(in.Note)
	f.length("note", in.Note, MaxNote, false)
	f.erpVersion(in.ERPVersion)
	if err := apperr.Validation(f); err != nil {
		return Order{}, err
	}
	now = now.UTC()
	return Order{
		Number: number, Kind: Source, Customer: in.Customer, DealerID: in.DealerID, Items: in.Items,
		Currency: in.Currency, Status: in.Status, SalesManager: in.SalesManager, Note: in.Note,
		ERPVersion: in.ERPVersion, CreatedBy: by, CreatedAt: now, UpdatedAt: now,
	}, nil
}

func hasPrice(items []Item) bool {
	for _, it := range items {
		if it.Price > 0 {
			return true
		}
	}
	return false
}

// Validate cleans a status report and checks it; it returns an
// apperr.Invalid error naming the failing fields.
func (r *StatusReport) Validate() error {
	var f fieldErrors
	f.status(&r.Status)
	f.erpVersion(r.ERPVersion)
	return apperr.Validation(f)
}
