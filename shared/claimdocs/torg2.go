package claimdocs

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/workflow"
)

// Torg2Request is what only the receiving side knows of an acceptance: the
// body of POST /v1/claims/{id}/documents/torg-2. The rest of the act comes
// from the claim and its source order.
type Torg2Request struct {
	ActNumber string `json:"actNumber"`
	// ActDate, ContractDate and the transport documents' dates are
	// YYYY-MM-DD.
	ActDate        string `json:"actDate"`
	Department     string `json:"department,omitempty"`
	ContractNumber string `json:"contractNumber,omitempty"`
	ContractDate   string `json:"contractDate,omitempty"`
	Place          string `json:"place"`
	// AcceptanceStarted and AcceptanceEnded are times, in RFC 3339 or as
	// YYYY-MM-DDTHH:MM in the company's time zone.
	AcceptanceStarted  string              `json:"acceptanceStarted"`
	AcceptanceEnded    string              `json:"acceptanceEnded"`
	TransportDocuments []TransportDocument `json:"transportDocuments,omitempty"`
	Commission         []CommissionMember  `json:"commission"`
	Lines              []Torg2Line         `json:"lines"`
	Conclusion         string              `json:"conclusion,omitempty"`
}

// TransportDocument is a document the goods came with.
type TransportDocument struct {
	Kind   string `json:"kind"`
	Number string `json:"number"`
	Date   string `json:"date"`
}

// CommissionMember is a member of the acceptance commission.
type CommissionMember struct {
	Position string `json:"position"`
	Name     string `json:"name"`
}

// The discrepancies a line of the act records.
const (
	Shortage = "shortage"
	Surplus  = "surplus"
	Defect   = "defect"
)

// Torg2Line is a line of the source order found in discrepancy: what
// actually arrived, how many of those are defective, and which discrepancy
// is claimed.
type Torg2Line struct {
	SKU            string   `json:"sku"`
	ActualQuantity Quantity `json:"actualQuantity"`
	DefectQuantity Quantity `json:"defectQuantity"`
	Discrepancy    string   `json:"discrepancy"`
	// Description says what the discrepancy is (the defect seen).
	Description string `json:"description,omitempty"`
}

// Quantity is a quantity as sent: a JSON number, or something else, which
// validation names (so that every bad line is named at once, not only the
// first the decoder meets).
type Quantity struct {
	Value float64
	Set   bool
	// Bad holds what was sent instead of a number.
	Bad string
}

// UnmarshalJSON implements json.Unmarshaler: anything decodes, and
// validation judges it.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	*q = Quantity{}
	if string(b) == "null" {
		return nil
	}
	q.Set = true
	if err := json.Unmarshal(b, &q.Value); err != nil {
		q.Bad = string(b)
		if len(q.Bad) > 40 {
			q.Bad = q.Bad[:40] + "…"
		}
	}
	return nil
}

// MarshalJSON implements json.Marshaler: null when not sent.
func (q Quantity) MarshalJSON() ([]byte, error) {
	if !q.Set || q.Bad != "" {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(q.Value, 'f', -1, 64)), nil
}

// Limits of the TORG-2 request.
const (
	MaxTorg2Lines       = 500
	MaxCommission       = 10
	MaxTransportDocs    = 10
	MaxTorg2Conclusion  = 2000
	MaxTorg2Description = 300
	MaxQuantity         = 1e6
)

// Torg2 fills the TORG-2 act of a claim from its source order and the
// receiving side's request, renders it and keeps it with the claim (a new
// version each time). The claim's dealer, its manager and supervisors may;
// others get NotFound, as for the claim. Errors: Invalid naming every bad
// field (a line not in the order, a quantity that is not a non-negative
// number, a discrepancy the quantities do not show, a field over its
// length), Conflict when the claim is finished or has no source order the
// system knows, and the store's errors.
func (s *Service) Torg2(ctx context.Context, p *auth.Principal, claimID string, req Torg2Request) (*claims.Document, error) {
	detail, err := s.visible(ctx, p, claimID)
	if err != nil {
		return nil, err
	}
	c := &detail.Claim
	if err := workflow.Finished(c); err != nil {
		return nil, err
	}
	order, err := s.sourceOrder(ctx, c)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	act, err := s.fillTorg2(ctx, c, order, &req, now)
	if err != nil {
		return nil, err
	}
	pdf, err := documents.RenderTorg2(*act)
	if err != nil {
		return nil, fmt.Errorf("render the TORG-2 act of claim %s: %w", c.ID, err)
	}
	values, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode the TORG-2 request of claim %s: %w", c.ID, err)
	}
	id := events.NewID(now) + "-" + string(claims.DocTorg2)
	d := claims.Document{
		ID: id, Kind: claims.DocTorg2, Title: fmt.Sprintf("Акт ТОРГ-2 № %s от %s", req.ActNumber, act.ActDate.Format("02.01.2006")),
		Language: "ru", Audience: claims.ForClaimant, ContentType: ContentType, Size: int64(len(pdf)), Pages: pages(pdf),
		Key: documentKey(c.ID, id), CreatedAt: now, CreatedBy: actorID(p), Source: "request", Values: values,
	}
	return s.keep(ctx, detail, d, pdf)
}

// Torg2Values returns the request the claim's latest TORG-2 act was filled
// from, to correct and generate again. NotFound when the caller cannot see
// the claim or it has no act yet.
func (s *Service) Torg2Values(ctx context.Context, p *auth.Principal, claimID string) (*Torg2Request, *claims.Document, error) {
	detail, err := s.visible(ctx, p, claimID)
	if err != nil {
		return nil, nil, err
	}
	for i := len(detail.Documents) - 1; i >= 0; i-- {
		d := detail.Documents[i]
		if d.Kind != claims.DocTorg2 || len(d.Values) == 0 {
			continue
		}
		var r Torg2Request
		if err := json.Unmarshal(d.Values, &r); err != nil {
			return nil, nil, fmt.Errorf("TORG-2 values of claim %s: %w", claimID, err)
		}
		return &r, &d, nil
	}
	return nil, nil, apperr.Errorf(apperr.NotFound, "claim %s has no TORG-2 act yet", claimID)
}

// visible reads a claim the caller may work on documents of: its dealer
// (or the dealer's system), its manager, supervisors and admins.
func (s *Service) visible(ctx context.Context, p *auth.Principal, claimID string) (*registry.Detail, error) {
	if err := auth.Require(p, auth.Dealer, auth.Manager, auth.Supervisor, auth.Admin, auth.Integration); err != nil {
		return nil, err
	}
	if !claims.ValidNumber(claimID) {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	detail, err := s.cfg.Store.ClaimDetail(ctx, claimID)
	if err != nil {
		return nil, err
	}
	if !registry.CanSee(p, &detail.Claim) {
		return nil, apperr.Errorf(apperr.NotFound, "claim not found")
	}
	return detail, nil
}

// sourceOrder returns the claim's source order; Conflict with the reason
// when it has none the system knows.
func (s *Service) sourceOrder(ctx context.Context, c *claims.Claim) (*orders.Order, error) {
	if c.Order.Reference == "" {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("claim %s names no source order: the TORG-2 act is filled from the order's lines", c.ID),
			Details: map[string]any{"reason": "no_source_order"}}
	}
	o, err := s.cfg.Store.Order(ctx, c.Order.Reference)
	if apperr.Is(err, apperr.NotFound) {
		return nil, &apperr.Error{Code: apperr.Conflict,
			Message: fmt.Sprintf("the source order %s of claim %s has not come from the ERP yet: the TORG-2 act is filled from its lines and prices", c.Order.Reference, c.ID),
			Details: map[string]any{"reason": "source_order_unknown", "order": c.Order.Reference}}
	}
	if err != nil {
		return nil, fmt.Errorf("TORG-2 of claim %s: %w", c.ID, err)
	}
	return o, nil
}

// fillTorg2 checks the request against the order (cleaning its text in
// place) and fills the act: every failing field at once, as an Invalid
// error.
func (s *Service) fillTorg2(ctx context.Context, c *claims.Claim, o *orders.Order, r *Torg2Request, now time.Time) (*documents.Torg2, error) {
	loc := s.cfg.Location
	var f []apperr.FieldError
	add := func(field, msg string) { f = append(f, apperr.FieldError{Field: field, Message: msg}) }
	line := func(field string, v *string, minLen, maxLen int) {
		*v = cleantext.Line(*v)
		switch n := utf8.RuneCountInString(*v); {
		case n == 0 && minLen > 0:
			add(field, "required")
		case n < minLen:
			add(field, fmt.Sprintf("at least %d characters", minLen))
		case n > maxLen:
			add(field, fmt.Sprintf("at most %d characters", maxLen))
		}
	}
	date := func(field, v string, required bool) time.Time {
		if v == "" {
			if required {
				add(field, "required: a date as YYYY-MM-DD")
			}
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, loc)
		switch {
		case err != nil:
			add(field, "a date as YYYY-MM-DD")
		case t.After(now.Add(24 * time.Hour)):
			add(field, "cannot be in the future")
		case t.Year() < 2000:
			add(field, "too far in the past")
		default:
			return t
		}
		return time.Time{}
	}
	instant := func(field, v string) time.Time {
		if v == "" {
			add(field, "required: a time as YYYY-MM-DDTHH:MM")
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02T15:04", v, loc)
		}
		switch {
		case err != nil:
			add(field, "a time as YYYY-MM-DDTHH:MM (the company's time zone) or RFC 3339")
		case t.After(now.Add(24 * time.Hour)):
			add(field, "cannot be in the future")
		case t.Year() < 2000:
			add(field, "too far in the past")
		default:
			return t
		}
		return time.Time{}
	}
	line("actNumber", &r.ActNumber, 1, 32)
	actDate := date("actDate", r.ActDate, true)
	line("department", &r.Department, 0, 120)
	line("contractNumber", &r.ContractNumber, 0, 64)
	contractDate := date("contractDate", r.ContractDate, false)
	line("place", &r.Place, 1, 200)
	started := instant("acceptanceStarted", r.AcceptanceStarted)
	ended := instant("acceptanceEnded", r.AcceptanceEnded)
	if !started.IsZero() && !ended.IsZero() {
		switch {
		case ended.Before(started):
			add("acceptanceEnded", "before the acceptance started")
		case ended.Sub(started) > 31*24*time.Hour:
			add("acceptanceEnded", "more than 31 days after the acceptance started")
		}
	}
	if len(r.TransportDocuments) > MaxTransportDocs {
		add("transportDocuments", fmt.Sprintf("at most %d documents", MaxTransportDocs))
	}
	act := &documents.Torg2{ClaimNumber: c.ID, Location: loc}
	for i := range r.TransportDocuments {
		if i >= MaxTransportDocs {
			break
		}
		td := &r.TransportDocuments[i]
		p := fmt.Sprintf("transportDocuments[%d]", i)
		line(p+".kind", &td.Kind, 1, 40)
		line(p+".number", &td.Number, 1, 64)
		act.TransportDocs = append(act.TransportDocs, documents.TransportDoc{Kind: td.Kind, Number: td.Number, Date: date(p+".date", td.Date, true)})
	}
	switch n := len(r.Commission); {
	case n == 0:
		add("commission", "required: who accepted the goods (position and name of each member)")
	case n > MaxCommission:
		add("commission", fmt.Sprintf("at most %d members", MaxCommission))
	}
	for i := range r.Commission {
		if i >= MaxCommission {
			break
		}
		m := &r.Commission[i]
		p := fmt.Sprintf("commission[%d]", i)
		line(p+".position", &m.Position, 1, 120)
		line(p+".name", &m.Name, 2, 120)
		act.Commission = append(act.Commission, documents.Member{Position: m.Position, Name: m.Name})
	}
	r.Conclusion = cleantext.Text(r.Conclusion)
	if utf8.RuneCountInString(r.Conclusion) > MaxTorg2Conclusion {
		add("conclusion", fmt.Sprintf("at most %d characters", MaxTorg2Conclusion))
	}
	items := map[string]orders.Item{}
	for _, it := range o.Items {
		items[it.SKU] = it
	}
	switch n := len(r.Lines); {
	case n == 0:
		add("lines", "required: the order's lines found in discrepancy")
	case n > MaxTorg2Lines:
		add("lines", fmt.Sprintf("at most %d lines", MaxTorg2Lines))
	}
	seen := map[string]int{}
	for i := range r.Lines {
		if len(r.Lines) > MaxTorg2Lines {
			break // named as a whole above
		}
		l := &r.Lines[i]
		p := fmt.Sprintf("lines[%d]", i)
		l.SKU = cleantext.Line(l.SKU)
		l.Description = cleantext.Line(l.Description)
		if utf8.RuneCountInString(l.Description) > MaxTorg2Description {
			add(p+".description", fmt.Sprintf("at most %d characters", MaxTorg2Description))
		}
		it, inOrder := items[l.SKU]
		switch {
		case l.SKU == "":
			add(p+".sku", "required: the code of a line of order "+o.Number)
		case utf8.RuneCountInString(l.SKU) > 64:
			add(p+".sku", "at most 64 characters")
		case !inOrder:
			add(p+".sku", fmt.Sprintf("%s is not a line of order %s", l.SKU, o.Number))
		case seen[l.SKU] > 0:
			add(p+".sku", fmt.Sprintf("%s is already lines[%d]", l.SKU, seen[l.SKU]-1))
		}
		if l.SKU != "" && seen[l.SKU] == 0 {
			seen[l.SKU] = i + 1
		}
		actual, okActual := quantity(add, p+".actualQuantity", l.ActualQuantity, true)
		defect, okDefect := quantity(add, p+".defectQuantity", l.DefectQuantity, false)
		if okActual && okDefect && defect > actual {
			add(p+".defectQuantity", fmt.Sprintf("more than the %s actually received", formatQuantity(actual)))
			okDefect = false
		}
		switch l.Discrepancy {
		case Shortage, Surplus, Defect:
		case "":
			add(p+".discrepancy", "required: shortage, surplus or defect")
		default:
			add(p+".discrepancy", "one of shortage, surplus, defect")
		}
		if !inOrder || !okActual || !okDefect {
			continue
		}
		documented := it.Quantity
		switch {
		case l.Discrepancy == Shortage && actual >= documented:
			add(p+".actualQuantity", fmt.Sprintf("a shortage needs less than the documented %s; %s arrived", formatQuantity(documented), formatQuantity(actual)))
		case l.Discrepancy == Surplus && actual <= documented:
			add(p+".actualQuantity", fmt.Sprintf("a surplus needs more than the documented %s; %s arrived", formatQuantity(documented), formatQuantity(actual)))
		case l.Discrepancy == Defect && defect <= 0:
			add(p+".defectQuantity", "a defect needs how many of the received are defective (more than 0)")
		}
		tl := documents.Torg2Line{
			No: len(act.Lines) + 1, Name: it.Name, SKU: it.SKU, Unit: it.Unit, Price: it.Price,
			DocQuantity: documented, ActualQuantity: actual, DefectQuantity: defect, Note: l.Description,
		}
		if tl.Unit == "" {
			tl.Unit = "шт"
		}
		if tl.Name == "" {
			tl.Name = it.SKU
		}
		tl.ShortQuantity = max(documented-actual, 0)
		tl.SurplusQuantity = max(actual-documented, 0)
		tl.DocSum, tl.ActualSum = sum(it.Price, documented), sum(it.Price, actual)
		tl.ShortSum, tl.SurplusSum, tl.DefectSum = sum(it.Price, tl.ShortQuantity), sum(it.Price, tl.SurplusQuantity), sum(it.Price, defect)
		act.Lines = append(act.Lines, tl)
		act.Totals.Add(tl)
	}
	if err := apperr.Validation(f); err != nil {
		return nil, err
	}
	company, err := s.company(ctx)
	if err != nil {
		return nil, err
	}
	act.ActNumber, act.ActDate = r.ActNumber, actDate
	act.Department, act.Place, act.Conclusion = r.Department, r.Place, r.Conclusion
	act.ContractNumber, act.ContractDate = r.ContractNumber, contractDate
	act.OrderNumber, act.OrderDate = o.Number, o.CreatedAt
	act.AcceptanceStarted, act.AcceptanceEnded = started, ended
	act.Supplier = documents.Party{Name: company.LegalName, Company: company.LegalName, TaxID: company.TaxID, KPP: company.KPP, OKPO: company.OKPO,
		Address: company.Address, Phone: company.Phone, Email: company.Email}
	if act.Supplier.Name == "" {
		act.Supplier.Name = company.Name
	}
	act.Consignee = documents.Party{
		Name: first(o.Customer.Company, c.Claimant.Company, o.Customer.Name, c.Claimant.Name), Company: first(o.Customer.Company, c.Claimant.Company),
		TaxID: first(o.Customer.TaxID, c.Claimant.TaxID), Email: first(o.Customer.Email, c.Claimant.Email), Phone: first(o.Customer.Phone, c.Claimant.Phone),
	}
	return act, nil
}

// quantity checks a quantity: a number (required or not), not negative,
// at most MaxQuantity, with at most three decimals.
func quantity(add func(field, msg string), field string, q Quantity, required bool) (float64, bool) {
	switch {
	case !q.Set:
		if required {
			add(field, "required: a number")
			return 0, false
		}
		return 0, true
	case q.Bad != "":
		add(field, "a number, not "+q.Bad)
	case q.Value < 0:
		add(field, "not negative")
	case q.Value > MaxQuantity || math.IsNaN(q.Value):
		add(field, fmt.Sprintf("at most %.0f", MaxQuantity))
	case math.Abs(q.Value*1000-math.Round(q.Value*1000)) > 1e-6:
		add(field, "at most three decimals")
	default:
		return q.Value, true
	}
	return 0, false
}

// sum is price × quantity in kopecks, rounded half away from zero.
func sum(price int64, q float64) int64 {
	return int64(math.Round(float64(price) * q))
}

func formatQuantity(q float64) string { return strconv.FormatFloat(q, 'f', -1, 64) }

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// actorID names who generated a document, as the history names actors.
func actorID(p *auth.Principal) string {
	for _, r := range []auth.Role{auth.Supervisor, auth.Manager, auth.Dealer, auth.Integration, auth.Admin} {
		if p.Has(r) {
			return string(r) + ":" + p.UserID
		}
	}
	return "users:" + p.UserID
}
