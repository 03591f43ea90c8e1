// Package orders are the orders claims are about and the orders claims
// create: source orders mirrored from the ERP (one order can be the source of
// many claims), and rework orders (at the company's cost, only for a warranty
// case) and additional orders (at the customer's cost) created from a claim,
// each with exactly one source claim. It validates what the ERP sends
// (upserts of source orders, status reports), numbers orders created from
// claims (RW-<claim>-<n>, AD-<claim>-<n>) and holds the rules for creating
// them (a decision first; rework only in a warranty case).
//
// It imports only the standard library and packages apperr, cleantext and
// lazyre (not claims, which imports it: contact normalisers are passed in).
//
// Layer: domain.
package orders

import (
	"time"
)

// Kind of order.
type Kind string

// The kinds.
const (
	// Source orders come from the ERP; claims name them as their source.
	Source Kind = "source"
	// Rework is made again at the company's cost (a warranty case).
	Rework Kind = "rework"
	// Additional is at the customer's cost.
	Additional Kind = "additional"
)

// Item is one line of an order.
type Item struct {
	SKU      string  `json:"sku"`
	Name     string  `json:"name,omitempty"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit,omitempty"`
	// Price is per unit, in minor units (kopecks).
	Price int64 `json:"price,omitempty"`
}

// Customer is who ordered.
type Customer struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Company string `json:"company,omitempty"`
	TaxID   string `json:"taxId,omitempty"`
}

// Order is an order as the claims system knows it.
type Order struct {
	Number   string   `json:"number"`
	Kind     Kind     `json:"kind"`
	Customer Customer `json:"customer"`
	DealerID string   `json:"dealerId,omitempty"`
	Items    []Item   `json:"items"`
	Currency string   `json:"currency,omitempty"`
	// Status is the ERP's status of the order (free text the ERP reports).
	Status string `json:"status"`
	// SourceClaim is the claim a rework or additional order was created from.
	SourceClaim string `json:"sourceClaim,omitempty"`
	// SalesManager is the customer's personal (sales) manager in the ERP.
	SalesManager string `json:"salesManager,omitempty"`
	Note         string `json:"note,omitempty"`
	// ERPVersion orders the ERP's updates: an update with a version not
	// newer than the stored one is a replay and is ignored.
	ERPVersion int64     `json:"erpVersion"`
	CreatedBy  string    `json:"createdBy"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Total is the order's value in minor units.
func (o *Order) Total() int64 {
	var t int64
	for _, it := range o.Items {
		t += int64(float64(it.Price) * it.Quantity)
	}
	return t
}
