package claimdocs

import (
	"context"
	"fmt"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/visibility"
	"github.com/claimsdesk/backend/shared/workflow"
)

// claimSheet fills the claim's PDF of a claim as it is now.
func (s *Service) claimSheet(ctx context.Context, d *registry.Detail, internal bool, base string, v int) (*documents.ClaimSheet, error) {
	c := &d.Claim
	lang := c.Language
	company, err := s.company(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := s.cfg.Catalog.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim sheet of %s: %w", c.ID, err)
	}
	sheet := &documents.ClaimSheet{
		Language: lang, Internal: internal, Company: company, Number: c.ID, FiledAt: c.CreatedAt, Location: s.cfg.Location, Version: v,
		Channel: channelTitle(lang, c.Channel),
		Claimant: documents.Party{Name: c.Claimant.Name, Company: c.Claimant.Company, TaxID: c.Claimant.TaxID, Email: c.Claimant.Email,
			Phone: c.Claimant.Phone},
		Dealer: c.DealerID,
		Product: documents.Product{Model: c.Product.Model, Name: c.Product.Name, Series: c.Product.Series, Serial: c.Product.Serial,
			PurchaseDate: c.Product.PurchaseDate},
		OrderRef: c.Order.Reference, Essence: c.Essence, DesiredResult: desiredTitle(lang, c.DesiredResult), DesiredFix: c.DesiredFix,
	}
	if !internal {
		sheet.TrackingURL = s.trackingURL(base, c.ID)
	}
	if k, ok := cat.Category(c.CategoryID); ok {
		sheet.Category = k.Name.In(lang)
	}
	t, hasType := cat.Type(c.TypeID)
	if hasType {
		sheet.Type = t.Name.In(lang)
	}
	sheet.Lines = s.orderLines(ctx, c)
	thumbs := 0
	for _, a := range d.Attachments {
		f := documents.File{Zone: a.Zone, FileName: a.FileName, ContentType: a.ContentType, Size: a.Size, UploadedAt: a.UploadedAt}
		if hasType {
			if z, ok := t.Zone(a.Zone); ok {
				f.Zone = z.Title.In(lang)
			}
		}
		if thumbs < MaxThumbnails && thumbnailable(a) {
			if img, err := s.thumbnail(ctx, a); err != nil {
				s.cfg.Logger.WarnContext(ctx, "no thumbnail for a photo", "claimId", c.ID, "file", a.ID, "error", err.Error())
			} else {
				f.Thumbnail = img
				thumbs++
			}
		}
		sheet.Files = append(sheet.Files, f)
	}
	return sheet, nil
}

// orderLines are the claim's order lines, priced from the source order
// when the ERP sent it (a line of the order the claim does not name is
// left out: the claim is about its own lines).
func (s *Service) orderLines(ctx context.Context, c *claims.Claim) []documents.Line {
	prices := map[string]int64{}
	if c.Order.Reference != "" {
		if o, err := s.cfg.Store.Order(ctx, c.Order.Reference); err == nil {
			for _, it := range o.Items {
				prices[it.SKU] = it.Price
			}
		} else if !apperr.Is(err, apperr.NotFound) {
			s.cfg.Logger.WarnContext(ctx, "source order not read: lines without prices", "claimId", c.ID, "order", c.Order.Reference, "error", err.Error())
		}
	}
	var out []documents.Line
	for _, it := range c.Order.Items {
		out = append(out, documents.Line{SKU: it.SKU, Name: it.Name, Unit: it.Unit, Quantity: it.Quantity, Price: prices[it.SKU]})
	}
	return out
}

func sheetTitle(s *documents.ClaimSheet) string {
	t := text(s.Language, "Рекламация ", "Claim ") + s.Number
	if s.Internal {
		t += text(s.Language, " (внутренний экземпляр)", " (internal copy)")
	}
	return t
}

// letter fills the decision letter of a claim, dated at: its decision,
// or, for a claim rejected before any decision (at the information check),
// the rejection and its reason.
func (s *Service) letter(ctx context.Context, d *registry.Detail, at time.Time, reason string) (*documents.DecisionLetter, error) {
	c := &d.Claim
	if c.Decision == nil {
		if c.Stage != workflow.Rejected {
			return nil, apperr.Errorf(apperr.Conflict, "claim %s has no decision: no decision letter", c.ID)
		}
		// What the claimant is told of the rejection (visibility's rule).
		c.Decision = &claims.Decision{Resolution: claims.ResolutionReject, Instructions: visibility.StageReason(visibility.Claimant, string(c.Stage), reason),
			DecidedAt: at}
	}
	company, err := s.company(ctx)
	if err != nil {
		return nil, err
	}
	dec := c.Decision
	lang := c.Language
	l := &documents.DecisionLetter{
		Language: lang, Company: company, Location: s.cfg.Location, Date: at.UTC(), Number: c.ID, FiledAt: c.CreatedAt,
		Claimant: documents.Party{Name: c.Claimant.Name, Company: c.Claimant.Company, Email: c.Claimant.Email, Phone: c.Claimant.Phone},
		Product: documents.Product{Model: c.Product.Model, Name: c.Product.Name, Series: c.Product.Series, Serial: c.Product.Serial,
			PurchaseDate: c.Product.PurchaseDate},
		Rejected:     c.Stage == workflow.Rejected || dec.Resolution == claims.ResolutionReject,
		WarrantyCase: dec.WarrantyCase, Resolution: string(dec.Resolution), Amount: dec.Cost.Amount, Currency: dec.Cost.Currency,
		Instructions: dec.Instructions, TrackingURL: s.trackingURL("", c.ID),
	}
	decided := dec.DecidedAt
	if decided.IsZero() {
		decided = at
	}
	l.Deadlines = documents.StatutoryDeadlines(string(dec.Resolution), decided, lang)
	if c.SLA != nil && !c.SLA.StatutoryDue.IsZero() && !l.Rejected {
		l.Deadlines = append(l.Deadlines, documents.Deadline{
			What: text(lang, "Срок рассмотрения претензии по закону", "The statutory deadline of the claim"), By: c.SLA.StatutoryDue,
			Statutory: true, Law: text(lang, "Закон РФ «О защите прав потребителей»", "Russian Consumer Protection Law"),
		})
	}
	if s.cfg.Managers != nil && c.Assignee != "" {
		if m, err := s.cfg.Managers.ManagerByID(ctx, c.Assignee); err == nil && m != nil {
			l.Manager = m.Name
		}
	}
	return l, nil
}

// channelTitle names an intake channel.
func channelTitle(lang string, ch claims.Channel) string {
	t := map[claims.Channel][2]string{
		claims.ChannelQR:         {"QR-код в документации изделия", "QR code in the product's documents"},
		claims.ChannelDealerForm: {"Кабинет дилера", "Dealer's cabinet"},
		claims.ChannelAPI:        {"API", "API"},
		claims.ChannelPhone:      {"Телефон", "Phone"},
	}[ch]
	if t[0] == "" {
		return string(ch)
	}
	return text(lang, t[0], t[1])
}

// desiredTitle names a desired result.
func desiredTitle(lang string, r claims.DesiredResult) string {
	t := map[claims.DesiredResult][2]string{
		claims.Repair:         {"Ремонт", "Repair"},
		claims.Replacement:    {"Замена", "Replacement"},
		claims.Refund:         {"Возврат денег", "Refund"},
		claims.PriceReduction: {"Уменьшение цены", "Price reduction"},
		claims.OtherResult:    {"Другое", "Other"},
	}[r]
	if t[0] == "" {
		return string(r)
	}
	return text(lang, t[0], t[1])
}
