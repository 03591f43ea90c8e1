// Package claims is the claim itself: what it carries (claimant, dealer,
// product, source order, category and type, the essence, the desired result,
// attachments by photo zone, priority, stage, version) and the rules for
// accepting one: normalisation of contacts, field validation against the
// catalog, numbering.
//
// It imports no AWS package; storage, files and transport live elsewhere.
//
// Layer: domain.
package claims

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/contact"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// Channel is where a claim came from.
type Channel string

// The intake channels.
const (
	ChannelQR         Channel = "qr"
	ChannelDealerForm Channel = "dealer_form"
	ChannelAPI        Channel = "api"
	ChannelPhone      Channel = "phone"
)

// DesiredResult is what the claimant asks for.
type DesiredResult string

// The desired results.
const (
	Repair         DesiredResult = "repair"
	Replacement    DesiredResult = "replacement"
	Refund         DesiredResult = "refund"
	PriceReduction DesiredResult = "price_reduction"
	OtherResult    DesiredResult = "other"
)

// DesiredResults lists the valid desired results.
var DesiredResults = []DesiredResult{Repair, Replacement, Refund, PriceReduction, OtherResult}

// Stage is where a claim is in its process. The workflow package owns the
// transitions; intake creates claims in StageNew.
type Stage string

// StageNew is the stage of a claim just received.
const StageNew Stage = "new"

// Claimant is who filed the claim, or on whose behalf it was filed.
type Claimant struct {
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Company string `json:"company,omitempty"`
	// TaxID is the company's INN when given.
	TaxID string `json:"taxId,omitempty"`
}

// Product identifies the item the claim is about.
type Product struct {
	Model        string `json:"model"`
	Name         string `json:"name,omitempty"`
	Category     string `json:"category,omitempty"`
	Series       string `json:"series,omitempty"`
	Serial       string `json:"serial,omitempty"`
	PurchaseDate string `json:"purchaseDate,omitempty"` // YYYY-MM-DD
}

// OrderItem is one line of the source order the claim concerns.
type OrderItem struct {
	SKU      string  `json:"sku"`
	Name     string  `json:"name,omitempty"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit,omitempty"`
}

// Order is the customer's source order the claim is about.
type Order struct {
	Reference string      `json:"reference,omitempty"`
	Items     []OrderItem `json:"items,omitempty"`
}

// Attachment is a file attached to a claim, in a photo zone of its type.
type Attachment struct {
	ID          string    `json:"id"`
	Zone        string    `json:"zone"`
	Key         string    `json:"-"`
	FileName    string    `json:"fileName"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	UploadedAt  time.Time `json:"uploadedAt"`
	UploadedBy  string    `json:"uploadedBy"`
}

// Claim is a claim as stored.
type Claim struct {
	// ID is the claim number, e.g. "RC-2026-000123".
	ID            string           `json:"id"`
	Channel       Channel          `json:"channel"`
	Claimant      Claimant         `json:"claimant"`
	CustomerID    string           `json:"customerId"`
	DealerID      string           `json:"dealerId,omitempty"`
	Product       Product          `json:"product"`
	Order         Order            `json:"order"`
	CategoryID    string           `json:"categoryId"`
	TypeID        string           `json:"typeId"`
	Essence       string           `json:"essence"`
	DesiredResult DesiredResult    `json:"desiredResult"`
	DesiredFix    string           `json:"desiredFix,omitempty"`
	Priority      catalog.Priority `json:"priority"`
	Stage         Stage            `json:"stage"`
	Assignee      string           `json:"assignee,omitempty"`
	// Language is the claimant's language for messages ("ru" or "en").
	Language string `json:"language"`
	// QRCode is the code the claim was filed from (channel qr).
	QRCode string `json:"qrCode,omitempty"`
	// MissingZones lists photo zones still short of files (a claim filed
	// without JavaScript asks for its photos afterwards).
	MissingZones []string `json:"missingZones,omitempty"`
	// PreviousStage is where the claim returns after a pause for the
	// customer or a rework.
	PreviousStage  Stage     `json:"previousStage,omitempty"`
	StageEnteredAt time.Time `json:"stageEnteredAt"`
	// DueAt is when the current stage should be done (zero when finished or
	// paused): the SLA's stage clock, also in SLA.
	DueAt time.Time `json:"dueAt,omitzero"`
	// SLA is the claim's service-level state (nil before a policy applies).
	SLA      *SLA      `json:"sla,omitempty"`
	Tasks    []Task    `json:"tasks,omitempty"`
	Decision *Decision `json:"decision,omitempty"`
	// Orders are the orders created from this claim (rework, additional).
	Orders []string `json:"orders,omitempty"`
	// Satisfaction is the claimant's (or the dealer's) rating of how the
	// claim was handled, given once it is closed (nil before).
	Satisfaction *Satisfaction `json:"satisfaction,omitempty"`
	// Flags are intake's warnings about the claim (a duplicate, filed
	// after the warranty): staff only.
	Flags []Flag `json:"flags,omitempty"`
	// HistoryHash is the hash of the latest history entry: the head of the
	// claim's audit chain.
	HistoryHash string `json:"historyHash,omitempty"`
	// HistorySeq is the sequence number of the latest history entry (0 on
	// claims stored before it was kept: then Version, which it equalled).
	// Records that change nothing of the claim itself (a generated
	// document) add history entries without moving Version, so nobody's
	// edit goes stale for them.
	HistorySeq int       `json:"-"`
	CreatedBy  string    `json:"createdBy"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	Version    int       `json:"version"`
}

// NumberPrefix starts every claim number.
const NumberPrefix = "RC"

// Number formats the n-th claim number of year: RC-2026-000123.
func Number(year int, n int64) string {
	return fmt.Sprintf("%s-%04d-%06d", NumberPrefix, year, n)
}

var numberPattern = lazyre.New(`^RC-\d{4}-\d{6,}$`)

// ValidNumber reports whether s looks like a claim number.
func ValidNumber(s string) bool { return numberPattern.MatchString(s) }

// Limits on free text, in characters.
const (
	MaxName    = 200
	MaxEssence = 5000
	MinEssence = 10
	MaxShort   = 120
	MaxItems   = 100
)

// CleanText trims s, normalises line breaks and drops control, invisible and
// bidirectional formatting characters (keeping newlines and tabs): the one
// rule of package cleantext. Markup is kept as text: every place that shows
// it escapes it.
func CleanText(s string) string { return cleantext.Text(s) }

// cleanLine is CleanText for single-line fields: runs of white space,
// newlines included, become one space.
func cleanLine(s string) string { return cleantext.Line(s) }

var (
	serialPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$`)
	codePattern   = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,63}$`)
	taxIDPattern  = lazyre.New(`^\d{10}(\d{2})?$`)
)

// Draft is a claim as submitted, before it has a number.
type Draft struct {
	Channel       Channel
	Claimant      Claimant
	DealerID      string
	Product       Product
	Order         Order
	CategoryID    string
	TypeID        string
	Essence       string
	DesiredResult DesiredResult
	DesiredFix    string
	Priority      catalog.Priority // optional override (staff only)
	Language      string
	QRCode        string
}

// Normalize cleans every text field and normalises contacts in place. It
// returns field errors for contacts that cannot be normalised.
func (d *Draft) Normalize() []apperr.FieldError {
	var f []apperr.FieldError
	d.Claimant.Name = cleanLine(d.Claimant.Name)
	d.Claimant.Company = cleanLine(d.Claimant.Company)
	d.Claimant.TaxID = cleanLine(d.Claimant.TaxID)
	if e, ok := contact.Email(d.Claimant.Email); ok {
		d.Claimant.Email = e
	} else {
		f = append(f, apperr.FieldError{Field: "claimant.email", Message: "not a valid email address"})
	}
	if p, ok := contact.Phone(d.Claimant.Phone); ok {
		d.Claimant.Phone = p
	} else {
		f = append(f, apperr.FieldError{Field: "claimant.phone", Message: "not a valid phone number (10-15 digits, e.g. +7 916 123-45-67)"})
	}
	d.DealerID = cleanLine(d.DealerID)
	d.Product.Model = cleanLine(d.Product.Model)
	d.Product.Name = cleanLine(d.Product.Name)
	d.Product.Category = cleanLine(d.Product.Category)
	d.Product.Series = cleanLine(d.Product.Series)
	d.Product.Serial = cleanLine(d.Product.Serial)
	d.Product.PurchaseDate = cleanLine(d.Product.PurchaseDate)
	d.Order.Reference = cleanLine(d.Order.Reference)
	for i := range d.Order.Items {
		d.Order.Items[i].SKU = cleanLine(d.Order.Items[i].SKU)
		d.Order.Items[i].Name = cleanLine(d.Order.Items[i].Name)
		d.Order.Items[i].Unit = cleanLine(d.Order.Items[i].Unit)
	}
	d.CategoryID = strings.TrimSpace(d.CategoryID)
	d.TypeID = strings.TrimSpace(d.TypeID)
	d.Essence = CleanText(d.Essence)
	d.DesiredFix = CleanText(d.DesiredFix)
	d.Language = strings.ToLower(strings.TrimSpace(d.Language))
	switch d.Language {
	case "":
		d.Language = "ru"
	case "ru", "en":
	default:
		f = append(f, apperr.FieldError{Field: "language", Message: "ru or en"})
	}
	return f
}

// Validate checks a normalised draft against the catalog and returns every
// failing field. now bounds the purchase date.
func (d *Draft) Validate(cat *catalog.Catalog, now time.Time) []apperr.FieldError {
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	length := func(field, v string, minLen, maxLen int, required bool) {
		n := utf8.RuneCountInString(v)
		switch {
		case n == 0 && required:
			add(field, "required")
		case n > 0 && n < minLen:
			add(field, fmt.Sprintf("at least %d characters", minLen))
		case n > maxLen:
			add(field, fmt.Sprintf("at most %d characters", maxLen))
		}
	}
	switch d.Channel {
	case ChannelQR, ChannelDealerForm, ChannelAPI, ChannelPhone:
	default:
		add("channel", "one of qr, dealer_form, api, phone")
	}
	length("claimant.name", d.Claimant.Name, 2, MaxName, true)
	length("claimant.company", d.Claimant.Company, 0, MaxName, false)
	if d.Claimant.TaxID != "" && !taxIDPattern.MatchString(d.Claimant.TaxID) {
		add("claimant.taxId", "an INN has 10 or 12 digits")
	}
	if d.Claimant.Email == "" && d.Claimant.Phone == "" {
		add("claimant.email", "an email or a phone is required to reach the claimant")
	}
	length("product.model", d.Product.Model, 1, 64, true)
	if d.Product.Model != "" && !codePattern.MatchString(d.Product.Model) {
		add("product.model", "letters, digits, spaces and . / _ - only")
	}
	length("product.name", d.Product.Name, 0, MaxName, false)
	if d.Product.Series != "" && !serialPattern.MatchString(d.Product.Series) {
		add("product.series", "1-64 letters, digits and . / _ - (no spaces)")
	}
	if d.Product.Serial != "" && !serialPattern.MatchString(d.Product.Serial) {
		add("product.serial", "1-64 letters, digits and . / _ - (no spaces)")
	}
	if d.Product.PurchaseDate != "" {
		t, err := time.Parse("2006-01-02", d.Product.PurchaseDate)
		switch {
		case err != nil:
			add("product.purchaseDate", "a date as YYYY-MM-DD")
		case t.After(now.Add(24 * time.Hour)):
			add("product.purchaseDate", "cannot be in the future")
		case t.Year() < 1990:
			add("product.purchaseDate", "too far in the past")
		}
	}
	length("order.reference", d.Order.Reference, 0, 64, false)
	if len(d.Order.Items) > MaxItems {
		add("order.items", fmt.Sprintf("at most %d items", MaxItems))
	}
	for i, it := range d.Order.Items {
		p := fmt.Sprintf("order.items[%d]", i)
		length(p+".sku", it.SKU, 1, 64, true)
		length(p+".name", it.Name, 0, MaxName, false)
		if it.Quantity <= 0 || it.Quantity > 1e6 {
			add(p+".quantity", "a positive number")
		}
		length(p+".unit", it.Unit, 0, 16, false)
	}
	length("essence", d.Essence, MinEssence, MaxEssence, true)
	length("desiredFix", d.DesiredFix, 0, 2000, false)
	if !slices.Contains(DesiredResults, d.DesiredResult) {
		add("desiredResult", "one of repair, replacement, refund, price_reduction, other")
	}
	if d.Priority != "" && !d.Priority.Valid() {
		add("priority", "one of low, normal, high, critical")
	}
	cat = cat.Active()
	if _, ok := cat.Category(d.CategoryID); !ok {
		add("categoryId", "unknown category")
		return f
	}
	t, ok := cat.Type(d.TypeID)
	if !ok || t.CategoryID != d.CategoryID {
		add("typeId", "unknown type for this category")
		return f
	}
	for _, field := range t.RequiredFields {
		if d.empty(field) {
			add(field, "required for this type of claim")
		}
	}
	return f
}

func (d *Draft) empty(field string) bool {
	switch field {
	case "claimant.phone":
		return d.Claimant.Phone == ""
	case "claimant.email":
		return d.Claimant.Email == ""
	case "claimant.company":
		return d.Claimant.Company == ""
	case "product.serial":
		return d.Product.Serial == ""
	case "product.series":
		return d.Product.Series == ""
	case "product.purchaseDate":
		return d.Product.PurchaseDate == ""
	case "order.reference":
		return d.Order.Reference == ""
	case "order.items":
		return len(d.Order.Items) == 0
	case "desiredFix":
		return d.DesiredFix == ""
	}
	return false
}

// CustomerKey is the stable identity of a claimant: the normalised email when
// given, else the normalised phone.
func (c Claimant) CustomerKey() string {
	if c.Email != "" {
		return "email:" + c.Email
	}
	if c.Phone != "" {
		return "phone:" + c.Phone
	}
	return ""
}
