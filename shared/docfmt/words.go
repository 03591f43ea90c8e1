package docfmt

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AmountInWords writes an amount of kopecks the way Russian forms and
// letters spell it out: the roubles in words with the noun agreeing with the
// number, the kopecks in two digits ("Одна тысяча двести тридцать четыре
// рубля 50 копеек", "Ноль рублей 00 копеек", "Двадцать один рубль 01
// копейка"). In English: "One thousand two hundred thirty-four roubles 50
// kopecks". A negative amount starts with "минус" ("minus").
func AmountInWords(kopecks int64, lang string) string {
	neg := kopecks < 0
	u := uint64(kopecks)
	if neg {
		u = uint64(-(kopecks + 1)) + 1
	}
	rub, kop := u/100, u%100
	kopDigits := string(rune('0'+kop/10)) + string(rune('0'+kop%10))
	var s string
	if English(lang) {
		s = englishNumber(rub) + " " + plural(rub == 1, "rouble", "roubles") +
			" " + kopDigits + " " + plural(kop == 1, "kopeck", "kopecks")
		if neg {
			s = "minus " + s
		}
	} else {
		s = RussianNumber(rub, false) + " " + russianPlural(rub, "рубль", "рубля", "рублей") +
			" " + kopDigits + " " + russianPlural(kop, "копейка", "копейки", "копеек")
		if neg {
			s = "минус " + s
		}
	}
	return capitalize(s)
}

func plural(one bool, singular, many string) string {
	if one {
		return singular
	}
	return many
}

// russianPlural picks the noun form that goes with n: one (1, 21, 101),
// few (2-4, 22-24) or many (0, 5-20, 25-30, 111-114).
func russianPlural(n uint64, one, few, many string) string {
	if n%100 >= 11 && n%100 <= 19 {
		return many
	}
	switch n % 10 {
	case 1:
		return one
	case 2, 3, 4:
		return few
	}
	return many
}

var (
	ruUnitsMasc = [...]string{"", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"}
	ruUnitsFem  = [...]string{"", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"}
	ruTeens     = [...]string{"десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"}
	ruTens      = [...]string{"", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"}
	ruHundreds  = [...]string{"", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"}
	// ruScales are the powers of a thousand: the noun's three forms and
	// whether it is feminine (only тысяча is).
	ruScales = [...]struct {
		one, few, many string
		feminine       bool
	}{
		{"", "", "", false},
		{"тысяча", "тысячи", "тысяч", true},
		{"миллион", "миллиона", "миллионов", false},
		{"миллиард", "миллиарда", "миллиардов", false},
		{"триллион", "триллиона", "триллионов", false},
		{"квадриллион", "квадриллиона", "квадриллионов", false},
		{"квинтиллион", "квинтиллиона", "квинтиллионов", false},
	}
)

// RussianNumber writes n in Russian words, in lower case, in the gender of
// the noun that follows it (feminine: "одна", "две"; masculine: "один",
// "два"): RussianNumber(2001, true) is "две тысячи одна". Zero is "ноль".
func RussianNumber(n uint64, feminine bool) string {
	if n == 0 {
		return "ноль"
	}
	groups := thousands(n)
	var words []string
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			continue
		}
		fem := ruScales[i].feminine || (i == 0 && feminine)
		words = append(words, russianTriple(g, fem)...)
		if i > 0 {
			words = append(words, russianPlural(g, ruScales[i].one, ruScales[i].few, ruScales[i].many))
		}
	}
	return strings.Join(words, " ")
}

// russianTriple writes 1..999 in words.
func russianTriple(n uint64, feminine bool) []string {
	var w []string
	if h := n / 100; h > 0 {
		w = append(w, ruHundreds[h])
	}
	rest := n % 100
	switch {
	case rest >= 10 && rest < 20:
		w = append(w, ruTeens[rest-10])
	default:
		if t := rest / 10; t > 0 {
			w = append(w, ruTens[t])
		}
		if u := rest % 10; u > 0 {
			if feminine {
				w = append(w, ruUnitsFem[u])
			} else {
				w = append(w, ruUnitsMasc[u])
			}
		}
	}
	return w
}

var (
	enOnes   = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	enTens   = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	enScales = [...]string{"", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion"}
)

// englishNumber writes n in English words, lower case, without "and"
// ("one thousand two hundred thirty-four"), as cheques and invoices do.
func englishNumber(n uint64) string {
	if n == 0 {
		return "zero"
	}
	groups := thousands(n)
	var words []string
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			continue
		}
		if h := g / 100; h > 0 {
			words = append(words, enOnes[h], "hundred")
		}
		switch rest := g % 100; {
		case rest == 0:
		case rest < 20:
			words = append(words, enOnes[rest])
		case rest%10 == 0:
			words = append(words, enTens[rest/10])
		default:
			words = append(words, enTens[rest/10]+"-"+enOnes[rest%10])
		}
		if i > 0 {
			words = append(words, enScales[i])
		}
	}
	return strings.Join(words, " ")
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// thousands splits n into its groups of three digits, least significant
// first: 1234567 is [567 234 1].
func thousands(n uint64) []uint64 {
	var groups []uint64
	for v := n; v > 0; v /= 1000 {
		groups = append(groups, v%1000)
	}
	return groups
}
