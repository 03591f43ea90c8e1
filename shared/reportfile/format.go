package reportfile

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/docfmt"
)

// display formats a cell as people read it in the report's language
// ("1 234,5", "12,5 %", "31.01.2026"); blanks are "".
func display(r Report, k Kind, v Value) string {
	lang := r.lang()
	switch v.kind {
	case textValue:
		return v.text
	case timeValue:
		if k == KindDate {
			return docfmt.NumericDate(v.t, r.loc(), lang)
		}
		return docfmt.NumericDate(v.t, r.loc(), lang) + " " + docfmt.Clock(v.t, r.loc())
	case intValue, numberValue:
		f, _ := v.Float()
		switch k {
		case KindMoney:
			kop, _ := v.kopecks()
			return docfmt.Sum(kop, lang)
		case KindDecimal:
			return docfmt.Decimal(f, 2, lang)
		case KindPercent:
			s := docfmt.Decimal(f*100, 1, lang)
			if docfmt.English(lang) {
				return s + "%"
			}
			return s + docfmt.NBSP + "%"
		case KindHours, KindDays:
			if v.kind == intValue {
				return docfmt.Decimal(f, 0, lang)
			}
			return docfmt.Decimal(f, 1, lang)
		}
		if v.kind == intValue {
			return docfmt.Decimal(f, 0, lang)
		}
		return docfmt.Quantity(f, lang)
	}
	return ""
}

// axisNumber formats a chart's axis label in the report's language,
// without decimals past the third.
func axisNumber(f float64, lang string) string { return docfmt.Quantity(f, lang) }

// cut shortens s to at most n runes, ending it with "…" when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return strings.TrimSpace(string(runes[:max(n-1, 0)])) + "…"
}

// sheetName makes a valid, unique-by-prefix worksheet name: at most 31
// characters, none of []:*?/\ and no apostrophe at either end.
func sheetName(prefix string, n int, title string) string {
	name := prefix + " " + strconv.Itoa(n)
	if title != "" {
		name += ". " + title
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`[]:*?/\`, r) || r < ' ':
			return ' '
		case r > 0xFFFF: // two UTF-16 units: Excel counts them twice
			return '\uFFFD'
		}
		return r
	}, name)
	name = strings.Trim(cut(name, 31), "' ")
	return name
}
