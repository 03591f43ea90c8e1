package claimdocs

import (
	"fmt"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cleantext"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/lazyre"
)

var (
	innPattern  = lazyre.New(`^\d{10}(\d{2})?$`)
	kppPattern  = lazyre.New(`^\d{9}$`)
	ogrnPattern = lazyre.New(`^\d{13}(\d{2})?$`)
	okpoPattern = lazyre.New(`^\d{8}(\d{2})?$`)
)

// ValidateCompany cleans the company's details in place and checks them:
// a name and a legal name, an address, and the registration codes in
// their formats (INN 10 or 12 digits, KPP 9, OGRN 13 or 15, OKPO 8 or 10).
// It returns an Invalid error naming every bad field.
func ValidateCompany(c *documents.Company) error {
	var f []apperr.FieldError
	field := func(name string, v *string, required bool, maxLen int) {
		*v = cleantext.Line(*v)
		switch n := utf8.RuneCountInString(*v); {
		case n == 0 && required:
			f = append(f, apperr.FieldError{Field: name, Message: "required"})
		case n > maxLen:
			f = append(f, apperr.FieldError{Field: name, Message: fmt.Sprintf("at most %d characters", maxLen)})
		}
	}
	code := func(name, v string, re *lazyre.Regexp, what string) {
		if v != "" && !re.MatchString(v) {
			f = append(f, apperr.FieldError{Field: name, Message: what})
		}
	}
	field("name", &c.Name, true, 120)
	field("legalName", &c.LegalName, true, 300)
	field("taxId", &c.TaxID, false, 12)
	field("kpp", &c.KPP, false, 9)
	field("ogrn", &c.OGRN, false, 15)
	field("okpo", &c.OKPO, false, 10)
	field("address", &c.Address, true, 300)
	field("phone", &c.Phone, false, 40)
	field("email", &c.Email, false, 254)
	field("website", &c.Website, false, 200)
	field("bank", &c.Bank, false, 400)
	field("signatoryPosition", &c.SignatoryPosition, false, 120)
	field("signatoryName", &c.SignatoryName, false, 120)
	code("taxId", c.TaxID, innPattern, "an INN has 10 or 12 digits")
	code("kpp", c.KPP, kppPattern, "a KPP has 9 digits")
	code("ogrn", c.OGRN, ogrnPattern, "an OGRN has 13 or 15 digits")
	code("okpo", c.OKPO, okpoPattern, "an OKPO code has 8 or 10 digits")
	return apperr.Validation(f)
}
