// Package qrcode issues and checks the signed short codes printed as QR codes
// in product documentation (a code's claim form is https://<host>/q/{code}),
// and describes the records issued codes are stored as. Drawing them (PNG,
// SVG, label sheets) is package qrimage's, so that what stores records does
// not link the rendering libraries.
//
// A code only names a QR record; storing and looking up records (and building
// the URL) is the caller's job. The signature lets the HTTP edge turn away
// guessed or mistyped codes without a database read.
//
// It imports only the standard library and packages apperr, cleantext and
// lazyre; it must not import any AWS package or a rendering library.
//
// Layer: domain.
package qrcode

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/claimsdesk/backend/shared/apperr"
)

// Code layout: a 60-bit random ID and a 40-bit truncated HMAC-SHA256 tag over
// it, each in Crockford base32 (5 bits a character, no padding).
const (
	// IDLength is the length of a code's canonical ID (60 bits).
	IDLength = 12
	// TagLength is the length of a code's signature tag (40 bits).
	TagLength = 8
	// CodeLength is the length of a whole code: ID then tag.
	CodeLength = IDLength + TagLength

	// MinKeyLength is the shortest signing key NewSigner accepts, in bytes.
	MinKeyLength = 32

	tagBytes = TagLength * 5 / 8
	idMask   = 1<<(IDLength*5) - 1
)

// tagContext separates this use of the key from any other HMAC computed with
// it, and versions the code format.
const tagContext = "claimsdesk/qrcode/v1\x00"

// crockford is the Crockford base32 alphabet: digits and upper-case letters
// without I, L, O and U.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// decodeTable maps an input byte to its 5-bit value, or -1. Lower case is
// accepted, and the letters a customer may confuse with digits (O for 0,
// I and L for 1) decode to those digits, as Crockford's spec recommends.
var decodeTable = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(crockford); i++ {
		c := crockford[i]
		t[c] = int8(i)
		if c >= 'A' && c <= 'Z' {
			t[c+'a'-'A'] = int8(i)
		}
	}
	for _, c := range "oO" {
		t[c] = 0
	}
	for _, c := range "iIlL" {
		t[c] = 1
	}
	return t
}()

// Signer issues and verifies codes with one secret key. It is safe for
// concurrent use.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer that signs with key (copied). The key must be at
// least MinKeyLength (32) random bytes; a shorter key is a configuration
// mistake and yields an error with no apperr code (so apperr.CodeOf reports
// Internal).
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < MinKeyLength {
		return nil, fmt.Errorf("qrcode signer: key is %d bytes, want at least %d", len(key), MinKeyLength)
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// New returns a fresh code in canonical form: a random 60-bit ID from
// crypto/rand followed by its tag. It fails (with no apperr code, so
// Internal) only when the system's random source does.
func (s *Signer) New() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new qr code: read random ID: %w", err)
	}
	id := encode(binary.BigEndian.Uint64(b[:])&idMask, IDLength)
	tag := s.tag(id)
	return id + encode(uint64FromTag(tag), TagLength), nil
}

// Verify checks code and returns its canonical ID (IDLength upper-case
// characters), the key under which the caller stores the QR record. Lower
// case and the confusable letters O, I and L are accepted.
//
// A code of the wrong length, with a character outside the alphabet, or whose
// tag does not match (forged, mistyped, or from another key) yields an
// apperr.NotFound error: to a customer all of them mean "there is no such
// code", and the HTTP edge answers them like an unknown record. The tag is
// compared in constant time.
func (s *Signer) Verify(code string) (id string, err error) {
	id, _, err = s.parse(code)
	return id, err
}

// Canonical checks code like Verify and returns it in canonical form
// (CodeLength upper-case characters, confusables replaced by digits), the form
// to put in URLs and compare against. It returns the same apperr.NotFound
// errors as Verify.
func (s *Signer) Canonical(code string) (string, error) {
	id, tag, err := s.parse(code)
	if err != nil {
		return "", err
	}
	return id + tag, nil
}

// parse decodes and verifies code, returning its canonical ID and tag.
func (s *Signer) parse(code string) (id, tag string, err error) {
	if len(code) != CodeLength {
		return "", "", notFound(fmt.Sprintf("a code has %d characters, got %d", CodeLength, len(code)))
	}
	var idValue, tagValue uint64
	for i := 0; i < CodeLength; i++ {
		v := decodeTable[code[i]]
		if v < 0 {
			return "", "", notFound(fmt.Sprintf("character %d is not allowed in a code", i+1))
		}
		if i < IDLength {
			idValue = idValue<<5 | uint64(v)
		} else {
			tagValue = tagValue<<5 | uint64(v)
		}
	}
	id = encode(idValue, IDLength)
	var got [tagBytes]byte
	putTag(got[:], tagValue)
	if !hmac.Equal(got[:], s.tag(id)) {
		return "", "", notFound("the code's signature does not match")
	}
	return id, encode(tagValue, TagLength), nil
}

// tag returns the truncated HMAC of a canonical ID.
func (s *Signer) tag(id string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(tagContext))
	m.Write([]byte(id))
	return m.Sum(nil)[:tagBytes]
}

// notFound returns the error for a rejected code. Every rejection starts with
// the same words so that clients see one kind of answer; the reason follows
// for the customer retyping a label.
func notFound(reason string) error {
	return apperr.Errorf(apperr.NotFound, "no such QR code: %s", reason)
}

// encode writes the low 5*n bits of v as n base32 characters, most
// significant first.
func encode(v uint64, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = crockford[v&31]
		v >>= 5
	}
	return string(b)
}

// uint64FromTag reads a tag's bytes as a big-endian number.
func uint64FromTag(tag []byte) uint64 {
	var v uint64
	for _, b := range tag {
		v = v<<8 | uint64(b)
	}
	return v
}

// putTag writes the low bits of v into tag, big-endian.
func putTag(tag []byte, v uint64) {
	for i := len(tag) - 1; i >= 0; i-- {
		tag[i] = byte(v)
		v >>= 8
	}
}
