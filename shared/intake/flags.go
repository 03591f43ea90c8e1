package intake

import (
	"context"
	"time"

	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claims"
)

// flags are the warnings a new claim gets (package claims, Flag): filed
// after its type's warranty (the purchase date plus the type's warranty
// period, against the filing date in the company's time zone); on a serial
// with an open claim; the same essence from the same claimant (email or
// phone) within claims.RepeatWindow. They never refuse the claim: when the
// lookup fails the claim is taken without the flags it would have needed,
// and the failure is logged. Two claims filed at the same moment may miss
// each other (neither is stored when the other looks): the flags are a
// help to staff, not a lock.
func (s *Service) flags(ctx context.Context, d claims.Draft, typ *catalog.Type, now time.Time) []claims.Flag {
	var out []claims.Flag
	if end, on, after := claims.AfterWarranty(d.Product.PurchaseDate, typ.WarrantyMonths, now, s.cfg.Location); after {
		out = append(out, claims.AfterWarrantyFlag(d.Product.PurchaseDate, typ.WarrantyMonths, end, on, now))
	}
	q := FlagQuery{Serial: d.Product.Serial, EssenceKeys: claims.EssenceIndexKeys(d.Claimant, d.Essence), Since: now.Add(-claims.RepeatWindow)}
	if q.Serial == "" && len(q.EssenceKeys) == 0 {
		return out
	}
	found, err := s.cfg.Store.FlagLookup(ctx, q)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "duplicate checks failed; the claim is taken without them", "error", err.Error())
		return out
	}
	if len(found.OpenOnSerial) > 0 {
		out = append(out, claims.OpenSerialFlag(d.Product.Serial, found.OpenOnSerial, now))
	}
	if len(found.SameEssence) > 0 {
		out = append(out, claims.RepeatEssenceFlag(found.SameEssence, now))
	}
	return out
}
