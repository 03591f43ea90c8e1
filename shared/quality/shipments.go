package quality

import (
	"fmt"
	"math"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// Limits of the shipments of a series.
const (
	// MaxShipmentEntries bounds a series' shipments: three years of days.
	MaxShipmentEntries = 1100
	// MaxUnits bounds the units of one entry: more is a unit mix-up
	// (grams, kopecks), not a shipment.
	MaxUnits = 10_000_000
	// LagDays is how long a shipped unit takes to reach its user: units
	// count as in service LagDays days after the day they were shipped (a
	// month's units from its 15th). No unit leaves service: claims come
	// within the warranty period, which outlasts the horizon of the
	// detector's baseline.
	LagDays = 14
)

var (
	// seriesPattern is a claim's series (claims.Product.Series).
	seriesPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$`)
	modelPattern  = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,63}$`)
)

// ValidSeries reports whether s can be a series (as claims name it).
func ValidSeries(s string) bool { return seriesPattern.MatchString(s) }

// Shipment is what the ERP shipped of a series on a day (Date) or in a
// month (Month).
type Shipment struct {
	Date  string `json:"date,omitempty"`
	Month string `json:"month,omitempty"`
	// Units is a whole number of units, 0 to MaxUnits (float so that a
	// fraction is named, not refused as a type error).
	Units float64 `json:"units"`
}

// ERPShipments is the body of PUT /v1/erp/shipments/{series}: every
// shipment of the series so far (the call replaces what was stored).
type ERPShipments struct {
	Model     string     `json:"model"`
	Shipments []Shipment `json:"shipments"`
	// ERPVersion must grow with every change in the ERP; a call with a
	// version not above the stored one changes nothing (a replay).
	ERPVersion int64 `json:"erpVersion"`
}

// Shipments are a series' shipments as stored.
type Shipments struct {
	Series     string     `json:"series"`
	Model      string     `json:"model"`
	Shipments  []Shipment `json:"shipments"`
	ERPVersion int64      `json:"erpVersion"`
	// TotalUnits is the sum of the shipments.
	TotalUnits int64     `json:"totalUnits"`
	UpdatedAt  time.Time `json:"updatedAt"`
	UpdatedBy  string    `json:"updatedBy"`
}

// FromERP checks an ERP's shipments of series at now and returns them as
// stored. It returns an Invalid error naming every bad field
// (shipments[3].units, ...).
func FromERP(series string, body ERPShipments, actor string, now time.Time) (Shipments, error) {
	var fields []apperr.FieldError
	add := func(f, m string) { fields = append(fields, apperr.FieldError{Field: f, Message: m}) }
	if !ValidSeries(series) {
		add("series", "letters, digits and . / _ - only, up to 64 characters")
	}
	model := cleantext.Line(body.Model)
	if !modelPattern.MatchString(model) {
		add("model", "required: letters, digits, spaces and . / _ - only, up to 64 characters")
	}
	if body.ERPVersion < 1 {
		add("erpVersion", "a positive number that grows with every change")
	}
	if len(body.Shipments) > MaxShipmentEntries {
		add("shipments", fmt.Sprintf("at most %d entries (a month's total may stand for its days)", MaxShipmentEntries))
		body.Shipments = nil
	}
	today := now.UTC().Format(time.DateOnly)
	var total int64
	for i, s := range body.Shipments {
		p := fmt.Sprintf("shipments[%d]", i)
		switch {
		case s.Date != "" && s.Month != "":
			add(p+".date", "give either a date or a month")
		case s.Date != "":
			if d, err := time.Parse(time.DateOnly, s.Date); err != nil || d.Year() < 2000 {
				add(p+".date", "a date YYYY-MM-DD")
			} else if s.Date > today {
				add(p+".date", "not in the future")
			}
		case s.Month != "":
			if d, err := time.Parse("2006-01", s.Month); err != nil || d.Year() < 2000 {
				add(p+".month", "a month YYYY-MM")
			} else if s.Month > today[:7] {
				add(p+".month", "not in the future")
			}
		default:
			add(p+".date", "required (or a month)")
		}
		switch {
		case math.IsNaN(s.Units) || s.Units < 0:
			add(p+".units", "not negative")
		case s.Units != math.Trunc(s.Units):
			add(p+".units", "a whole number of units")
		case s.Units > MaxUnits:
			add(p+".units", fmt.Sprintf("at most %d units in one entry", MaxUnits))
		default:
			total += int64(s.Units)
		}
	}
	if err := apperr.Validation(fields); err != nil {
		return Shipments{}, err
	}
	ships := body.Shipments
	if ships == nil {
		ships = []Shipment{}
	}
	return Shipments{Series: series, Model: model, Shipments: ships, ERPVersion: body.ERPVersion, TotalUnits: total,
		UpdatedAt: now.UTC(), UpdatedBy: actor}, nil
}

// InService returns the units in service on a company day (YYYY-MM-DD):
// the units shipped LagDays or more days before it.
func (s *Shipments) InService(day string) int64 {
	if s == nil {
		return 0
	}
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0
	}
	cutoff := d.AddDate(0, 0, -LagDays).Format(time.DateOnly)
	var n int64
	for _, sh := range s.Shipments {
		at := sh.Date
		if sh.Month != "" {
			at = sh.Month + "-15"
		}
		if at <= cutoff {
			n += int64(sh.Units)
		}
	}
	return n
}

// First returns the first day units of the series were in service ("":
// none yet).
func (s *Shipments) First() string {
	if s == nil {
		return ""
	}
	first := ""
	for _, sh := range s.Shipments {
		at := sh.Date
		if sh.Month != "" {
			at = sh.Month + "-15"
		}
		if sh.Units > 0 && (first == "" || at < first) {
			first = at
		}
	}
	if first == "" {
		return ""
	}
	d, _ := time.Parse(time.DateOnly, first)
	return d.AddDate(0, 0, LagDays).Format(time.DateOnly)
}
