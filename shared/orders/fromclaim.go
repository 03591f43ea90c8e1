package orders

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// Prefix is the number prefix of orders of kind k created from claims ("" for
// source orders, which the ERP numbers).
func Prefix(k Kind) string {
	switch k {
	case Rework:
		return "RW"
	case Additional:
		return "AD"
	}
	return ""
}

// NumberFor formats the n-th order of kind k created from claim:
// RW-RC-2026-000123-1, AD-RC-2026-000123-2.
func NumberFor(k Kind, claim string, n int) string {
	return fmt.Sprintf("%s-%s-%d", Prefix(k), claim, n)
}

var createdPattern = lazyre.New(`^(RW|AD)-(RC-\d{4}-\d{6,})-([1-9]\d*)$`)

// ParseCreated reports whether number is the number of an order created
// from a claim, and returns its kind and source claim.
func ParseCreated(number string) (Kind, string, bool) {
	m := createdPattern.FindStringSubmatch(number)
	if m == nil {
		return "", "", false
	}
	if m[1] == "RW" {
		return Rework, m[2], true
	}
	return Additional, m[2], true
}

// NextNumber is the number of the next order of kind k created from claim,
// given the numbers of the orders already created from it: n is one more
// than how many of that kind there are.
func NextNumber(k Kind, claim string, existing []string) string {
	n := 1
	prefix := Prefix(k) + "-" + claim + "-"
	for _, e := range existing {
		if rest, ok := strings.CutPrefix(e, prefix); ok {
			if _, err := strconv.Atoi(rest); err == nil {
				n++
			}
		}
	}
	return NumberFor(k, claim, n)
}

// CreateRequest is a manager's request to create an order from a claim.
type CreateRequest struct {
	Kind Kind `json:"kind"`
	// Items default to the source order's items the claim names.
	Items []Item `json:"items"`
	Note  string `json:"note"`
}

// Validate cleans the request and checks its fields; it returns an
// apperr.Invalid error naming every failing field. Items may be empty here:
// FromClaim falls back to the claim's items.
func (r *CreateRequest) Validate() error {
	var f fieldErrors
	if r.Kind != Rework && r.Kind != Additional {
		f.add("kind", "rework or additional")
	}
	f.items(r.Items, 0)
	r.Note = text(r.Note)
	f.length("note", r.Note, MaxNote, false)
	return apperr.Validation(f)
}

// Origin is what the rules need to know of the claim an order is created
// from (this package cannot import claims, which imports it).
type Origin struct {
	Claim string
	// Orders are the numbers of the orders already created from the claim.
	Orders []string
	// Decided: the claim's decision is recorded.
	Decided      bool
	WarrantyCase bool
	Customer     Customer
	DealerID     string
	// Items are the source order's lines the claim names.
	Items []Item
}

// FromClaim returns the order r creates from the claim o, numbered after the
// claim's existing orders, created by by at now. Errors: apperr.Conflict
// without a decision or for a rework order when the decision is not a
// warranty case (a rework is at the company's cost); apperr.Invalid when
// neither the request nor the claim names items.
func FromClaim(r CreateRequest, o Origin, by string, now time.Time) (Order, error) {
	if r.Kind != Rework && r.Kind != Additional {
		return Order{}, apperr.InvalidField("kind", "rework or additional")
	}
	if !o.Decided {
		return Order{}, apperr.Errorf(apperr.Conflict, "claim %s has no decision yet: an order is created after the decision", o.Claim)
	}
	if r.Kind == Rework && !o.WarrantyCase {
		return Order{}, apperr.Errorf(apperr.Conflict, "claim %s is not a warranty case: a rework order is at the company's cost only in a warranty case; create an additional order", o.Claim)
	}
	items := r.Items
	if len(items) == 0 {
		items = append([]Item(nil), o.Items...)
	}
	if len(items) == 0 {
		return Order{}, apperr.InvalidField("items", "required: the claim names no items of its source order")
	}
	now = now.UTC()
	return Order{
		Number: NextNumber(r.Kind, o.Claim, o.Orders), Kind: r.Kind, Customer: o.Customer, DealerID: o.DealerID,
		Items: items, Status: StatusCreated, SourceClaim: o.Claim, Note: r.Note,
		CreatedBy: by, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// StatusCreated is the status of an order created from a claim until the
// ERP reports one.
const StatusCreated = "created"
