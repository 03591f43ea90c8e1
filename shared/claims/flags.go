package claims

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
)

// FlagKind is why intake flagged a claim as suspicious or a duplicate. A
// flag never refuses a claim: it tells the claims department to look.
type FlagKind string

// The flag kinds.
const (
	// FlagOpenSerial: another claim on the same serial number is still open.
	FlagOpenSerial FlagKind = "open_serial_duplicate"
	// FlagAfterWarranty: filed after the warranty period of the claim's
	// type, counted from the purchase date.
	FlagAfterWarranty FlagKind = "after_warranty"
	// FlagRepeatEssence: the same claimant (email or phone) filed a claim
	// with the same essence within RepeatWindow.
	FlagRepeatEssence FlagKind = "repeat_essence"
)

// EventFlagDismissed is the history entry of a dismissed flag (staff only).
const EventFlagDismissed = "flag.dismissed"

// FlagKinds lists the flag kinds.
var FlagKinds = []FlagKind{FlagOpenSerial, FlagAfterWarranty, FlagRepeatEssence}

// AnyFlag is the registry filter value of a claim with any active flag.
const AnyFlag = "any"

// RepeatWindow is how far back a claimant's earlier claim with the same
// essence makes a repeat.
const RepeatWindow = 180 * 24 * time.Hour

// MaxRelated bounds the related claims a flag links to (the newest).
const MaxRelated = 10

// Valid reports whether k is a known kind.
func (k FlagKind) Valid() bool { return slices.Contains(FlagKinds, k) }

// Flag is a warning on a claim, staff-only (package visibility leaves it
// out for dealers and claimants): its kind, the reason in Russian and
// English, the claims it relates to, when it was raised, and, once a
// member of staff looked and dismissed it, when, by whom and why. A
// dismissed flag stays on the claim but no longer lists it in the registry.
type Flag struct {
	Kind      FlagKind     `json:"kind"`
	Reason    catalog.Text `json:"reason"`
	Related   []string     `json:"related,omitempty"`
	FlaggedAt time.Time    `json:"flaggedAt"`
	// DismissedAt, DismissedBy and DismissNote are set when the flag was
	// dismissed.
	DismissedAt time.Time `json:"dismissedAt,omitzero"`
	DismissedBy string    `json:"dismissedBy,omitempty"`
	DismissNote string    `json:"dismissNote,omitempty"`
}

// Active reports whether the flag still stands (not dismissed).
func (f Flag) Active() bool { return f.DismissedAt.IsZero() }

// ActiveFlags returns the claim's flags that are not dismissed.
func (c *Claim) ActiveFlags() []Flag {
	var out []Flag
	for _, f := range c.Flags {
		if f.Active() {
			out = append(out, f)
		}
	}
	return out
}

// Flagged reports whether the claim has an active flag matching filter: a
// kind, or AnyFlag for any kind.
func (c *Claim) Flagged(filter string) bool {
	for _, f := range c.Flags {
		if f.Active() && (filter == AnyFlag || string(f.Kind) == filter) {
			return true
		}
	}
	return false
}

// FlagIndex returns the index of the claim's active flag of kind, or -1.
func (c *Claim) FlagIndex(kind FlagKind) int {
	for i, f := range c.Flags {
		if f.Kind == kind && f.Active() {
			return i
		}
	}
	return -1
}

// ParseFlagKind checks a flag kind named by a client; Invalid naming field
// otherwise.
func ParseFlagKind(field, s string) (FlagKind, error) {
	k := FlagKind(strings.TrimSpace(s))
	if !k.Valid() {
		return "", apperr.InvalidField(field, "one of open_serial_duplicate, after_warranty, repeat_essence")
	}
	return k, nil
}

// related keeps the first MaxRelated distinct IDs, in order (storage
// lists the newest first).
func related(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) && len(out) < MaxRelated {
			out = append(out, id)
		}
	}
	return out
}

// OpenSerialFlag is the flag of a claim on serial while the claims open
// lists (the newest MaxRelated) are still open.
func OpenSerialFlag(serial string, open []string, at time.Time) Flag {
	open = related(open)
	return Flag{Kind: FlagOpenSerial, Related: open, FlaggedAt: at.UTC(), Reason: catalog.Text{
		"ru": fmt.Sprintf("По серийному номеру %s уже есть открытая рекламация: %s.", serial, strings.Join(open, ", ")),
		"en": fmt.Sprintf("Serial number %s already has an open claim: %s.", serial, strings.Join(open, ", ")),
	}}
}

// RepeatEssenceFlag is the flag of a claim whose claimant filed the claims
// earlier (the newest MaxRelated) with the same essence within RepeatWindow.
func RepeatEssenceFlag(earlier []string, at time.Time) Flag {
	earlier = related(earlier)
	days := int(RepeatWindow / (24 * time.Hour))
	return Flag{Kind: FlagRepeatEssence, Related: earlier, FlaggedAt: at.UTC(), Reason: catalog.Text{
		"ru": fmt.Sprintf("Тот же заявитель уже подавал рекламацию с той же сутью за последние %d дней: %s.", days, strings.Join(earlier, ", ")),
		"en": fmt.Sprintf("The same claimant filed a claim with the same essence in the last %d days: %s.", days, strings.Join(earlier, ", ")),
	}}
}

// AfterWarrantyFlag is the flag of a claim filed on filed (a date) after
// the warranty that ended on ended (purchase + months).
func AfterWarrantyFlag(purchase string, months int, ended, filed string, at time.Time) Flag {
	return Flag{Kind: FlagAfterWarranty, FlaggedAt: at.UTC(), Reason: catalog.Text{
		"ru": fmt.Sprintf("Подана %s, после окончания гарантии %s (покупка %s, гарантия %d мес.).", filed, ended, purchase, months),
		"en": fmt.Sprintf("Filed on %s, after the warranty ended on %s (purchased %s, %d-month warranty).", filed, ended, purchase, months),
	}}
}

// WarrantyEnd returns the last day of a warranty of months from purchase
// (YYYY-MM-DD), as YYYY-MM-DD: the same day of the month months later, or
// the last day of that month when it has no such day (Civil Code of the
// Russian Federation, art. 192: a period in months ends on the
// corresponding day of the last month, and on the month's last day when
// there is no corresponding day). false when purchase is not a date or
// months is not positive.
func WarrantyEnd(purchase string, months int) (string, bool) {
	p, err := time.Parse("2006-01-02", purchase)
	if err != nil || months <= 0 {
		return "", false
	}
	first := time.Date(p.Year(), p.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, months, 0)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(p.Day(), last), 0, 0, 0, 0, time.UTC).Format("2006-01-02"), true
}

// AfterWarranty reports whether a claim filed at filed (read as a date in
// loc, the company's time zone) comes after the warranty of months from
// purchase: the warranty still covers its last day. It returns the
// warranty's last day and the filing date; false (never after) without a
// purchase date or a warranty period.
func AfterWarranty(purchase string, months int, filed time.Time, loc *time.Location) (ended, on string, after bool) {
	end, ok := WarrantyEnd(purchase, months)
	if !ok {
		return "", "", false
	}
	on = filed.In(loc).Format("2006-01-02")
	return end, on, on > end
}

// EssenceKey is the fingerprint of a claim's essence for finding repeats:
// the text lower-cased, "ё" read as "е", every run of characters that are
// not letters or digits (punctuation, symbols, white space) read as one
// space, trimmed; then hashed (SHA-256, hex). Two essences are the same
// when their fingerprints are: a repeat differs from the first at most in
// case, spacing and punctuation. "" for an essence with no letter or digit.
func EssenceKey(essence string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(essence) {
		switch {
		case r == 'ё':
			r = 'е'
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return ""
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// EssenceIndexKeys are the keys under which a claim's essence is indexed
// for its claimant: one per contact (the normalised email and phone), each
// a hash of the contact and EssenceKey, so a repeat is found by either
// contact and the index names neither. None without an essence key.
func EssenceIndexKeys(cl Claimant, essence string) []string {
	k := EssenceKey(essence)
	if k == "" {
		return nil
	}
	var out []string
	for _, c := range []string{"email:" + cl.Email, "phone:" + cl.Phone} {
		if strings.HasSuffix(c, ":") {
			continue
		}
		sum := sha256.Sum256([]byte(c + "\n" + k))
		out = append(out, hex.EncodeToString(sum[:16]))
	}
	return out
}
