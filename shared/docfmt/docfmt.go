// Package docfmt writes the numbers and dates of the claims documents the
// way each language prints them: amounts in roubles with kopecks ("1 234,50 ₽",
// "RUB 1,234.50"), the amount in words as Russian forms require it ("Одна
// тысяча двести тридцать четыре рубля 50 копеек"), quantities, and dates in
// the document's language and time zone ("5 декабря 2026 г.", "5 December
// 2026").
//
// Every function takes the language as "ru" or "en"; anything but "en" is
// Russian, the documents' default. Amounts are integers of minor units
// (kopecks), so no rounding happens here.
//
// It imports only the standard library.
//
// Layer: leaf.
package docfmt

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// NBSP is the no-break space: the Russian thousands separator and the space
// between an amount and its currency sign, so that neither is broken across
// lines.
const NBSP = "\u00a0"

// English reports whether lang names English; anything else is Russian.
func English(lang string) bool { return lang == "en" }

// Sum formats an amount of minor units without a currency: "1 234,50" in
// Russian (no-break spaces between thousands), "1,234.50" in English.
func Sum(minor int64, lang string) string {
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign = "-"
		u = uint64(-(minor + 1)) + 1 // math.MinInt64 too
	}
	sep, dec := NBSP, ","
	if English(lang) {
		sep, dec = ",", "."
	}
	kop := u % 100
	return sign + group(strconv.FormatUint(u/100, 10), sep) + dec + string(rune('0'+kop/10)) + string(rune('0'+kop%10))
}

// Money formats an amount of minor units with its currency: roubles as
// "1 234,50 ₽" in Russian and "RUB 1,234.50" in English; another ISO code
// follows the amount in Russian ("10,00 EUR") and precedes it in English
// ("EUR 10.00"). An empty currency is roubles.
func Money(minor int64, currency, lang string) string {
	if currency == "" {
		currency = "RUB"
	}
	if English(lang) {
		return currency + " " + Sum(minor, lang)
	}
	if currency == "RUB" {
		currency = "₽"
	}
	return Sum(minor, lang) + NBSP + currency
}

// group inserts sep between groups of three digits of an unsigned decimal.
func group(digits, sep string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// Quantity formats a quantity: whole numbers without decimals ("12",
// "1 200"), others with up to three decimals and no trailing zeros ("1,5"
// in Russian, "1.5" in English). NaN and infinities, which no valid input
// holds, print as "—" rather than as Go's spelling.
func Quantity(q float64, lang string) string {
	if math.IsNaN(q) || math.IsInf(q, 0) {
		return "—"
	}
	sep, dec := NBSP, ","
	if English(lang) {
		sep, dec = ",", "."
	}
	s := strconv.FormatFloat(math.Abs(q), 'f', 3, 64)
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	sign := ""
	if q < 0 && (whole != "0" || frac != "") {
		sign = "-"
	}
	out := sign + group(whole, sep)
	if frac != "" {
		out += dec + frac
	}
	return out
}

var ruMonthsGenitive = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}

// in returns t in loc (UTC when loc is nil).
func in(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc)
}

// Date formats the calendar date of t in loc (UTC when nil): "5 декабря
// 2026 г." in Russian, "5 December 2026" in English; "" for a zero time.
func Date(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = in(t, loc)
	if English(lang) {
		return t.Format("2 January 2006")
	}
	return strconv.Itoa(t.Day()) + " " + ruMonthsGenitive[t.Month()-1] + " " + strconv.Itoa(t.Year()) + " г."
}

// DateTime formats the date and the time of day of t in loc (UTC when
// nil): "5 декабря 2026 г., 14:05" or "5 December 2026, 14:05"; "" for a
// zero time.
func DateTime(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return ""
	}
	return Date(t, loc, lang) + ", " + in(t, loc).Format("15:04")
}

// NumericDate formats the date of t in loc (UTC when nil) in digits, as
// forms print it: "05.12.2026" in Russian, "2026-12-05" in English. A zero
// time gives "", so that an unknown date leaves the field blank.
func NumericDate(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return ""
	}
	if English(lang) {
		return in(t, loc).Format("2006-01-02")
	}
	return in(t, loc).Format("02.01.2006")
}

// Clock formats the time of day of t in loc (UTC when nil): "14:05"; "" for
// a zero time.
func Clock(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return in(t, loc).Format("15:04")
}

// FileSize formats a size in bytes: "850 Б", "12,3 КБ", "4,5 МБ" in
// Russian, "850 B", "12.3 KB", "4.5 MB" in English (1 KB = 1024 bytes).
func FileSize(n int64, lang string) string {
	units := []string{"Б", "КБ", "МБ", "ГБ"}
	if English(lang) {
		units = []string{"B", "KB", "MB", "GB"}
	}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + NBSP + units[0]
	}
	v := float64(n)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	if !English(lang) {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + NBSP + units[i]
}

// Decimal formats a number with a fixed number of decimal places (0 to 6),
// grouped by thousands: "1 234,5" in Russian, "1,234.5" in English.
// NaN and infinities print as "—", like Quantity.
func Decimal(v float64, places int, lang string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	places = min(max(places, 0), 6)
	sep, dec := NBSP, ","
	if English(lang) {
		sep, dec = ",", "."
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', places, 64)
	whole, frac, _ := strings.Cut(s, ".")
	sign := ""
	if v < 0 && strings.Trim(whole+frac, "0") != "" {
		sign = "-"
	}
	out := sign + group(whole, sep)
	if frac != "" {
		out += dec + frac
	}
	return out
}
