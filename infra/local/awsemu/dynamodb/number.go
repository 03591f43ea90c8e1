package dynamodb

import (
	"math/big"
	"strconv"
	"strings"
)

// DynamoDB numbers carry up to 38 significant digits and a magnitude between
// 1E-130 and 9.99...E+125; they are stored and compared as decimals because
// float64 would reorder keys such as 12345678901234567890 and ...891.
const (
	maxNumberDigits = 38
	maxNumberExp    = 126  // 0.d x 10^126 is the first overflowing value
	minNumberExp    = -129 // 0.1 x 10^-129 == 1E-130
)

// decimal is a DynamoDB number in canonical form:
// value = (-1)^neg x 0.digits x 10^exp, digits without leading or trailing
// zeros; zero has empty digits.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// parseDecimal parses the wire form of a number and reports DynamoDB's
// validation message when it is not a valid DynamoDB number.
func parseDecimal(s string) (decimal, string) {
	const notANumber = "A value provided cannot be converted into a number"
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	var mant []byte
	point := -1
	sawDigit := false
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			mant = append(mant, c)
			sawDigit = true
			continue
		}
		if c == '.' && point < 0 {
			point = len(mant)
			continue
		}
		break
	}
	if !sawDigit {
		return decimal{}, notANumber
	}
	if point < 0 {
		point = len(mant)
	}
	expAdj := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return decimal{}, notANumber
		}
		i++
		expNeg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			expNeg = s[i] == '-'
			i++
		}
		if i >= len(s) {
			return decimal{}, notANumber
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return decimal{}, notANumber
			}
			if expAdj < 1_000_000 { // saturate: anything this large is out of range anyway
				expAdj = expAdj*10 + int(c-'0')
			}
		}
		if expNeg {
			expAdj = -expAdj
		}
	}
	lead := 0
	for lead < len(mant) && mant[lead] == '0' {
		lead++
	}
	digits := mant[lead:]
	end := len(digits)
	for end > 0 && digits[end-1] == '0' {
		end--
	}
	digits = digits[:end]
	if len(digits) == 0 {
		return decimal{}, ""
	}
	d.digits = string(digits)
	d.exp = point - lead + expAdj
	if len(d.digits) > maxNumberDigits {
		return decimal{}, "Attempting to store more than 38 significant digits in a Number"
	}
	if d.exp > maxNumberExp {
		return decimal{}, "Number overflow. Attempting to store a number with magnitude larger than supported range"
	}
	if d.exp < minNumberExp {
		return decimal{}, "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	}
	return d, ""
}

// isZero reports whether d is zero.
func (d decimal) isZero() bool { return d.digits == "" }

// String renders d the way DynamoDB returns numbers: plain notation, no
// exponent, no superfluous zeros ("1.50" -> "1.5", "007" -> "7", "1e2" -> "100").
func (d decimal) String() string {
	if d.isZero() {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	n := len(d.digits)
	switch {
	case d.exp <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -d.exp))
		b.WriteString(d.digits)
	case d.exp < n:
		b.WriteString(d.digits[:d.exp])
		b.WriteByte('.')
		b.WriteString(d.digits[d.exp:])
	default:
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", d.exp-n))
	}
	return b.String()
}

func (d decimal) sign() int {
	switch {
	case d.isZero():
		return 0
	case d.neg:
		return -1
	default:
		return 1
	}
}

// compareDecimal returns -1, 0 or +1 as a is less than, equal to or greater than b.
func compareDecimal(a, b decimal) int {
	sa, sb := a.sign(), b.sign()
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	c := 0
	switch {
	case a.exp != b.exp:
		c = 1
		if a.exp < b.exp {
			c = -1
		}
	default:
		c = strings.Compare(a.digits, b.digits)
	}
	if sa < 0 {
		c = -c
	}
	return c
}

// orderedKey encodes d into a string whose byte order equals numeric order,
// so number keys sort correctly in the B-trees without parsing.
func (d decimal) orderedKey() string {
	switch d.sign() {
	case 0:
		return "\x02"
	case 1:
		buf := make([]byte, 0, 3+len(d.digits))
		e := uint16(d.exp + 0x8000)
		buf = append(buf, 0x03, byte(e>>8), byte(e))
		buf = append(buf, d.digits...)
		return string(buf)
	default:
		// Negative numbers: invert the magnitude encoding so larger magnitudes
		// sort first, and terminate with 0xFF so that a shorter digit string
		// (a smaller magnitude) sorts after its extensions.
		buf := make([]byte, 0, 4+len(d.digits))
		e := uint16(d.exp + 0x8000)
		buf = append(buf, 0x01, ^byte(e>>8), ^byte(e))
		for i := 0; i < len(d.digits); i++ {
			buf = append(buf, ^d.digits[i])
		}
		buf = append(buf, 0xFF)
		return string(buf)
	}
}

// canonicalNumber validates a wire number and returns its canonical text.
func canonicalNumber(s string) (string, string) {
	d, msg := parseDecimal(s)
	if msg != "" {
		return "", msg
	}
	return d.String(), ""
}

// numberSize is DynamoDB's storage size of a number: roughly one byte per two
// significant digits plus one.
func numberSize(canonical string) int {
	digits := 0
	lead := true
	trailingZeros := 0
	for i := 0; i < len(canonical); i++ {
		c := canonical[i]
		if c < '0' || c > '9' {
			continue
		}
		if lead && c == '0' {
			continue
		}
		lead = false
		digits++
		if c == '0' {
			trailingZeros++
		} else {
			trailingZeros = 0
		}
	}
	digits -= trailingZeros
	if digits == 0 {
		return 1
	}
	return (digits+1)/2 + 1
}

// addDecimals returns a+b (or a-b) computed exactly, in canonical text, or
// DynamoDB's message when the result is not a valid number.
func addDecimals(a, b string, subtract bool) (string, string) {
	da, msg := parseDecimal(a)
	if msg != "" {
		return "", msg
	}
	db, msg := parseDecimal(b)
	if msg != "" {
		return "", msg
	}
	ma, sa := da.scaled()
	mb, sb := db.scaled()
	scale := min(sa, sb)
	ma.Mul(ma, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sa-scale)), nil))
	mb.Mul(mb, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sb-scale)), nil))
	if subtract {
		ma.Sub(ma, mb)
	} else {
		ma.Add(ma, mb)
	}
	return canonicalNumber(ma.String() + "e" + strconv.Itoa(scale))
}

// scaled returns d as mantissa x 10^scale with an integer mantissa.
func (d decimal) scaled() (*big.Int, int) {
	if d.isZero() {
		return new(big.Int), 0
	}
	m, _ := new(big.Int).SetString(d.digits, 10)
	if d.neg {
		m.Neg(m)
	}
	return m, d.exp - len(d.digits)
}
