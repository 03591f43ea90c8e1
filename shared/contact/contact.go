// Package contact is the one rule for the contacts people give (a claimant,
// an ERP customer, a manager of the roster): how an email address and a
// phone number are checked and written, so that the same person is always
// recognised by the same key.
//
// It imports only the standard library.
//
// Layer: leaf.
package contact

import (
	"net/mail"
	"strings"
)

// Email lower-cases and trims an address; it returns "" and false
// when the address is not valid.
func Email(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@'):], ".") {
		return "", false
	}
	return strings.ToLower(a.Address), true
}

// Phone returns a phone number in E.164 (+79161234567); Russian
// numbers written with a leading 8 or without the country code are
// recognised. It returns "" and false when s is not a phone number.
func Phone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	d := digits.String()
	plus := strings.HasPrefix(s, "+")
	switch {
	case !plus && len(d) == 11 && d[0] == '8':
		d = "7" + d[1:]
	case !plus && len(d) == 10 && d[0] == '9':
		d = "7" + d
	}
	if len(d) < 10 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	return "+" + d, true
}
