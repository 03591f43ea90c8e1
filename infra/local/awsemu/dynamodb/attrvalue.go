package dynamodb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/truora/minidyn/interpreter/language"
	mdtypes "github.com/truora/minidyn/types"
)

// avKind is the DynamoDB data type of an attribute value.
type avKind uint8

const (
	kindS avKind = iota + 1
	kindN
	kindB
	kindBOOL
	kindNULL
	kindL
	kindM
	kindSS
	kindNS
	kindBS
)

var kindNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"}

func (k avKind) String() string { return kindNames[k] }

// attrValue is one DynamoDB attribute value. Values are immutable once built:
// stored items share them freely between versions and with readers that
// already released the store lock.
type attrValue struct {
	kind avKind
	s    string // S, or N in canonical text
	b    []byte // B
	bl   bool   // BOOL
	l    []*attrValue
	m    map[string]*attrValue
	ss   []string // SS, or NS in canonical text
	bs   [][]byte
}

// item is a DynamoDB item (or key, or attribute map).
type item map[string]*attrValue

const (
	msgEmptyAV    = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	msgMultipleAV = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
)

// UnmarshalJSON decodes DynamoDB's wire form ({"S":"x"}, {"N":"1"}, ...),
// canonicalising numbers and rejecting the value shapes DynamoDB rejects.
func (v *attrValue) UnmarshalJSON(data []byte) error {
	var w struct {
		S    *string
		N    *string
		B    *[]byte
		BOOL *bool
		NULL *bool
		L    *[]*attrValue
		M    *map[string]*attrValue
		SS   *[]string
		NS   *[]string
		BS   *[][]byte
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	n := 0
	for _, set := range []bool{w.S != nil, w.N != nil, w.B != nil, w.BOOL != nil, w.NULL != nil, w.L != nil, w.M != nil, w.SS != nil, w.NS != nil, w.BS != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return validationErr(msgEmptyAV)
	case n > 1:
		return validationErr(msgMultipleAV)
	}
	switch {
	case w.S != nil:
		*v = attrValue{kind: kindS, s: *w.S}
	case w.N != nil:
		c, msg := canonicalNumber(*w.N)
		if msg != "" {
			return validationErr("%s", msg)
		}
		*v = attrValue{kind: kindN, s: c}
	case w.B != nil:
		b := *w.B
		if b == nil {
			b = []byte{}
		}
		*v = attrValue{kind: kindB, b: b}
	case w.BOOL != nil:
		*v = attrValue{kind: kindBOOL, bl: *w.BOOL}
	case w.NULL != nil:
		if !*w.NULL {
			return validationErr("One or more parameter values were invalid: Null attribute value types must have the value of true")
		}
		*v = attrValue{kind: kindNULL}
	case w.L != nil:
		l := *w.L
		if l == nil {
			l = []*attrValue{}
		}
		for _, e := range l {
			if e == nil {
				return validationErr(msgEmptyAV)
			}
		}
		*v = attrValue{kind: kindL, l: l}
	case w.M != nil:
		m := *w.M
		if m == nil {
			m = map[string]*attrValue{}
		}
		for _, e := range m {
			if e == nil {
				return validationErr(msgEmptyAV)
			}
		}
		*v = attrValue{kind: kindM, m: m}
	case w.SS != nil:
		if err := checkSet("string", *w.SS); err != nil {
			return err
		}
		*v = attrValue{kind: kindSS, ss: *w.SS}
	case w.NS != nil:
		ns := make([]string, len(*w.NS))
		for i, s := range *w.NS {
			c, msg := canonicalNumber(s)
			if msg != "" {
				return validationErr("%s", msg)
			}
			ns[i] = c
		}
		if err := checkSet("number", ns); err != nil {
			return err
		}
		*v = attrValue{kind: kindNS, ss: ns}
	case w.BS != nil:
		strs := make([]string, len(*w.BS))
		for i, b := range *w.BS {
			strs[i] = base64.StdEncoding.EncodeToString(b)
		}
		if err := checkSet("binary", strs); err != nil {
			return err
		}
		*v = attrValue{kind: kindBS, bs: *w.BS}
	}
	return nil
}

// checkSet applies DynamoDB's set rules: non-empty and without duplicates.
func checkSet(typ string, members []string) error {
	if len(members) == 0 {
		return validationErr("One or more parameter values were invalid: An %s set  may not be empty", typ)
	}
	seen := make(map[string]struct{}, len(members))
	for _, m := range members {
		if _, dup := seen[m]; dup {
			return validationErr("One or more parameter values were invalid: Input collection [%s] contains duplicates.", strings.Join(members, ", "))
		}
		seen[m] = struct{}{}
	}
	return nil
}

// MarshalJSON encodes the value in DynamoDB's wire form.
func (v *attrValue) MarshalJSON() ([]byte, error) {
	return v.appendJSON(nil), nil
}

// MarshalJSON encodes the item as a DynamoDB attribute map.
func (it item) MarshalJSON() ([]byte, error) {
	return it.appendJSON(nil), nil
}

func (it item) appendJSON(b []byte) []byte {
	b = append(b, '{')
	first := true
	for k, v := range it {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = v.appendJSON(b)
	}
	return append(b, '}')
}

func (v *attrValue) appendJSON(b []byte) []byte {
	switch v.kind {
	case kindS:
		b = append(b, `{"S":`...)
		b = appendJSONString(b, v.s)
	case kindN:
		b = append(b, `{"N":"`...)
		b = append(b, v.s...)
		b = append(b, '"')
	case kindB:
		b = append(b, `{"B":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.b)
		b = append(b, '"')
	case kindBOOL:
		b = append(b, `{"BOOL":`...)
		b = strconv.AppendBool(b, v.bl)
	case kindNULL:
		b = append(b, `{"NULL":true`...)
	case kindL:
		b = append(b, `{"L":[`...)
		for i, e := range v.l {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendJSON(b)
		}
		b = append(b, ']')
	case kindM:
		b = append(b, `{"M":`...)
		b = item(v.m).appendJSON(b)
	case kindSS, kindNS:
		b = append(b, `{"`...)
		b = append(b, v.kind.String()...)
		b = append(b, `":[`...)
		for i, s := range v.ss {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	case kindBS:
		b = append(b, `{"BS":[`...)
		for i, e := range v.bs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, e)
			b = append(b, '"')
		}
		b = append(b, ']')
	default:
		b = append(b, `{"NULL":true`...)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// size is the value's storage size following DynamoDB's documented rules.
func (v *attrValue) size() int {
	switch v.kind {
	case kindS:
		return len(v.s)
	case kindN:
		return numberSize(v.s)
	case kindB:
		return len(v.b)
	case kindBOOL, kindNULL:
		return 1
	case kindL:
		n := 3
		for _, e := range v.l {
			n += 1 + e.size()
		}
		return n
	case kindM:
		n := 3
		for k, e := range v.m {
			n += 1 + len(k) + e.size()
		}
		return n
	case kindSS:
		n := 0
		for _, s := range v.ss {
			n += len(s)
		}
		return n
	case kindNS:
		n := 0
		for _, s := range v.ss {
			n += numberSize(s)
		}
		return n
	case kindBS:
		n := 0
		for _, b := range v.bs {
			n += len(b)
		}
		return n
	}
	return 0
}

// size is the item's storage size: attribute name lengths plus value sizes.
func (it item) size() int {
	n := 0
	for k, v := range it {
		n += len(k) + v.size()
	}
	return n
}

// clone returns a shallow copy; values are immutable so sharing them is safe.
func (it item) clone() item {
	out := make(item, len(it))
	for k, v := range it {
		out[k] = v
	}
	return out
}

// equal reports deep equality; sets compare as sets.
func (v *attrValue) equal(o *attrValue) bool {
	if v == o {
		return true
	}
	if v == nil || o == nil || v.kind != o.kind {
		return false
	}
	switch v.kind {
	case kindS, kindN:
		return v.s == o.s
	case kindB:
		return bytes.Equal(v.b, o.b)
	case kindBOOL:
		return v.bl == o.bl
	case kindNULL:
		return true
	case kindL:
		if len(v.l) != len(o.l) {
			return false
		}
		for i := range v.l {
			if !v.l[i].equal(o.l[i]) {
				return false
			}
		}
		return true
	case kindM:
		return item(v.m).equal(item(o.m))
	case kindSS, kindNS:
		if len(v.ss) != len(o.ss) {
			return false
		}
		a, b := slices.Clone(v.ss), slices.Clone(o.ss)
		slices.Sort(a)
		slices.Sort(b)
		return slices.Equal(a, b)
	case kindBS:
		if len(v.bs) != len(o.bs) {
			return false
		}
		for _, x := range v.bs {
			if !slices.ContainsFunc(o.bs, func(y []byte) bool { return bytes.Equal(x, y) }) {
				return false
			}
		}
		return true
	}
	return false
}

func (it item) equal(o item) bool {
	if len(it) != len(o) {
		return false
	}
	for k, v := range it {
		if !v.equal(o[k]) {
			return false
		}
	}
	return true
}

// keyPart encodes a scalar key value so that byte order equals DynamoDB's
// order: strings and binaries by bytes, numbers numerically.
func (v *attrValue) keyPart() string {
	switch v.kind {
	case kindN:
		d, _ := parseDecimal(v.s)
		return d.orderedKey()
	case kindB:
		return string(v.b)
	default:
		return v.s
	}
}

// isEmptyScalar reports an empty string or binary, which keys may not hold.
func (v *attrValue) isEmptyScalar() bool {
	return (v.kind == kindS && v.s == "") || (v.kind == kindB && len(v.b) == 0)
}

// toObject converts the value straight into minidyn's evaluator objects.
// Going through minidyn's MapToObject would reject empty binaries, which
// DynamoDB allows outside keys.
func (v *attrValue) toObject() language.Object {
	switch v.kind {
	case kindS:
		return &language.String{Value: v.s}
	case kindN:
		f, _ := strconv.ParseFloat(v.s, 64)
		return &language.Number{Value: f}
	case kindB:
		return &language.Binary{Value: v.b}
	case kindBOOL:
		if v.bl {
			return language.TRUE
		}
		return language.FALSE
	case kindL:
		l := make([]language.Object, len(v.l))
		for i, e := range v.l {
			l[i] = e.toObject()
		}
		return &language.List{Value: l}
	case kindM:
		m := make(map[string]language.Object, len(v.m))
		for k, e := range v.m {
			m[k] = e.toObject()
		}
		return &language.Map{Value: m}
	case kindSS:
		set := make(map[string]bool, len(v.ss))
		for _, e := range v.ss {
			set[e] = true
		}
		return &language.StringSet{Value: set}
	case kindNS:
		set := make(map[float64]bool, len(v.ss))
		for _, e := range v.ss {
			f, _ := strconv.ParseFloat(e, 64)
			set[f] = true
		}
		return &language.NumberSet{Value: set}
	case kindBS:
		return &language.BinarySet{Value: slices.Clone(v.bs)}
	}
	return &language.Null{}
}

// collectNumbers records the exact text of every number inside v, keyed by
// its float64 value; fromMinidyn uses it to undo the interpreter's float64
// round trip for numbers an update did not compute.
func (v *attrValue) collectNumbers(into map[float64]string) {
	switch v.kind {
	case kindN:
		if f, err := strconv.ParseFloat(v.s, 64); err == nil {
			into[f] = v.s
		}
	case kindNS:
		for _, s := range v.ss {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				into[f] = s
			}
		}
	case kindL:
		for _, e := range v.l {
			e.collectNumbers(into)
		}
	case kindM:
		for _, e := range v.m {
			e.collectNumbers(into)
		}
	}
}

// fromMinidyn converts an interpreter result back. It returns nil for an
// empty set, which DynamoDB represents by removing the attribute.
func fromMinidyn(t *mdtypes.Item, numbers map[float64]string) (*attrValue, error) {
	num := func(s string) (string, error) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			if exact, ok := numbers[f]; ok {
				return exact, nil
			}
		}
		c, msg := canonicalNumber(s)
		if msg != "" {
			return "", validationErr("%s", msg)
		}
		return c, nil
	}
	switch {
	case t.S != nil:
		return &attrValue{kind: kindS, s: *t.S}, nil
	case t.N != nil:
		c, err := num(*t.N)
		if err != nil {
			return nil, err
		}
		return &attrValue{kind: kindN, s: c}, nil
	case t.BOOL != nil:
		return &attrValue{kind: kindBOOL, bl: *t.BOOL}, nil
	case t.NULL != nil:
		return &attrValue{kind: kindNULL}, nil
	case t.L != nil:
		l := make([]*attrValue, 0, len(t.L))
		for _, e := range t.L {
			if e == nil {
				continue
			}
			c, err := fromMinidyn(e, numbers)
			if err != nil {
				return nil, err
			}
			if c != nil {
				l = append(l, c)
			}
		}
		return &attrValue{kind: kindL, l: l}, nil
	case t.M != nil:
		m := make(map[string]*attrValue, len(t.M))
		for k, e := range t.M {
			c, err := fromMinidyn(e, numbers)
			if err != nil {
				return nil, err
			}
			if c != nil {
				m[k] = c
			}
		}
		return &attrValue{kind: kindM, m: m}, nil
	case t.SS != nil:
		if len(t.SS) == 0 {
			return nil, nil
		}
		ss := make([]string, len(t.SS))
		for i, s := range t.SS {
			ss[i] = *s
		}
		slices.Sort(ss)
		return &attrValue{kind: kindSS, ss: ss}, nil
	case t.NS != nil:
		if len(t.NS) == 0 {
			return nil, nil
		}
		ds := make([]decimal, len(t.NS))
		for i, s := range t.NS {
			c, err := num(*s)
			if err != nil {
				return nil, err
			}
			ds[i], _ = parseDecimal(c)
		}
		slices.SortFunc(ds, compareDecimal)
		ns := make([]string, len(ds))
		for i, d := range ds {
			ns[i] = d.String()
		}
		return &attrValue{kind: kindNS, ss: ns}, nil
	case t.BS != nil:
		if len(t.BS) == 0 {
			return nil, nil
		}
		return &attrValue{kind: kindBS, bs: t.BS}, nil
	case t.B != nil:
		return &attrValue{kind: kindB, b: t.B}, nil
	}
	return &attrValue{kind: kindB, b: []byte{}}, nil
}
