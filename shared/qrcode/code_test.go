package qrcode

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
)

var (
	testKey  = bytes.Repeat([]byte("k"), MinKeyLength)
	otherKey = bytes.Repeat([]byte("o"), MinKeyLength)
)

// canonicalCodeRE matches a code in canonical form.
var canonicalCodeRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{20}$`)

func mustSigner(t testing.TB, key []byte) *Signer {
	t.Helper()
	s, err := NewSigner(key)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

// signID returns the canonical code for a canonical ID, bypassing New's
// randomness so tests have fixed inputs.
func signID(s *Signer, id string) string {
	return id + encode(uint64FromTag(s.tag(id)), TagLength)
}

// flipLowBit returns code with the lowest bit of the character at i flipped.
func flipLowBit(code string, i int) string {
	v := decodeTable[code[i]] ^ 1
	return code[:i] + string(crockford[v]) + code[i+1:]
}

func TestNewSigner(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr bool
	}{
		{"nil key", nil, true},
		{"31 bytes", bytes.Repeat([]byte{1}, 31), true},
		{"32 bytes", bytes.Repeat([]byte{1}, 32), false},
		{"64 bytes", bytes.Repeat([]byte{1}, 64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSigner(tt.key)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("NewSigner(%d bytes) error = %v, want error: %t", len(tt.key), err, tt.wantErr)
			}
			if err != nil {
				if got := apperr.CodeOf(err); got != apperr.Internal {
					t.Errorf("CodeOf(error) = %q, want %q", got, apperr.Internal)
				}
				return
			}
			code, err := s.New()
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if _, err := s.Verify(code); err != nil {
				t.Errorf("Verify(New()) = %v", err)
			}
		})
	}
}

func TestNewSignerCopiesKey(t *testing.T) {
	key := bytes.Clone(testKey)
	s := mustSigner(t, key)
	code := signID(s, "10ABCD01EFGH")
	key[0] ^= 0xff
	if _, err := s.Verify(code); err != nil {
		t.Errorf("Verify after the caller changed its key slice: %v", err)
	}
}

func TestNew(t *testing.T) {
	s := mustSigner(t, testKey)
	seen := make(map[string]bool)
	for range 1000 {
		code, err := s.New()
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if !canonicalCodeRE.MatchString(code) {
			t.Fatalf("New() = %q, want %d canonical base32 characters", code, CodeLength)
		}
		if seen[code] {
			t.Fatalf("New() returned %q twice", code)
		}
		seen[code] = true
		id, err := s.Verify(code)
		if err != nil {
			t.Fatalf("Verify(%q): %v", code, err)
		}
		if diff := cmp.Diff(code[:IDLength], id); diff != "" {
			t.Errorf("Verify(%q) ID mismatch (-want +got):\n%s", code, diff)
		}
	}
}

func TestVerifyAndCanonical(t *testing.T) {
	s := mustSigner(t, testKey)
	const id = "10ABCD01EFGH"
	valid := signID(s, id)
	other := signID(mustSigner(t, otherKey), id)
	if valid == other {
		t.Fatal("two keys produced the same code")
	}

	type result struct {
		ID        string
		Canonical string
		Code      apperr.Code
	}
	ok := result{ID: id, Canonical: valid}
	notFound := result{Code: apperr.NotFound}

	tests := []struct {
		name string
		code string
		want result
	}{
		{"canonical", valid, ok},
		{"lower case", strings.ToLower(valid), ok},
		{"mixed case", strings.ToLower(valid[:7]) + valid[7:], ok},
		{"O for 0", strings.ReplaceAll(valid, "0", "O"), ok},
		{"o for 0", strings.ReplaceAll(valid, "0", "o"), ok},
		{"I for 1", strings.ReplaceAll(valid, "1", "I"), ok},
		{"l for 1", strings.ReplaceAll(valid, "1", "l"), ok},
		{"L for 1", strings.ReplaceAll(valid, "1", "L"), ok},
		{"empty", "", notFound},
		{"too short", valid[:CodeLength-1], notFound},
		{"ID only", valid[:IDLength], notFound},
		{"too long", valid + "0", notFound},
		{"surrounding space", " " + valid[1:], notFound},
		{"hyphen", valid[:10] + "-" + valid[11:], notFound},
		{"U is not in the alphabet", "U" + valid[1:], notFound},
		{"non-ASCII of the same byte length", valid[:18] + "é", notFound},
		{"NUL byte", valid[:19] + "\x00", notFound},
		{"one flipped tag bit", flipLowBit(valid, CodeLength-1), notFound},
		{"one flipped ID bit", flipLowBit(valid, 0), notFound},
		{"tag swapped for zeros", id + "00000000", notFound},
		{"ID signed with another key", other, notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got result
			var verifyErr, canonErr error
			got.ID, verifyErr = s.Verify(tt.code)
			got.Canonical, canonErr = s.Canonical(tt.code)
			got.Code = apperr.CodeOf(verifyErr)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Verify/Canonical(%q) mismatch (-want +got):\n%s", tt.code, diff)
			}
			if diff := cmp.Diff(apperr.CodeOf(verifyErr), apperr.CodeOf(canonErr)); diff != "" {
				t.Errorf("Canonical and Verify disagree on %q (-verify +canonical):\n%s", tt.code, diff)
			}
			if verifyErr != nil && !strings.HasPrefix(verifyErr.Error(), "not_found: no such QR code: ") {
				t.Errorf("Verify(%q) error = %q, want a not_found \"no such QR code\" error", tt.code, verifyErr)
			}
		})
	}
}

func TestVerifyErrorMessages(t *testing.T) {
	s := mustSigner(t, testKey)
	valid := signID(s, "10ABCD01EFGH")
	tests := []struct {
		code string
		want string
	}{
		{valid[:5], "no such QR code: a code has 20 characters, got 5"},
		{valid[:3] + "U" + valid[4:], "no such QR code: character 4 is not allowed in a code"},
		{flipLowBit(valid, CodeLength-1), "no such QR code: the code's signature does not match"},
	}
	for _, tt := range tests {
		_, err := s.Verify(tt.code)
		e, ok := apperr.As(err)
		if !ok {
			t.Fatalf("Verify(%q) error = %v, want an *apperr.Error", tt.code, err)
		}
		if diff := cmp.Diff(tt.want, e.Message); diff != "" {
			t.Errorf("Verify(%q) message mismatch (-want +got):\n%s", tt.code, diff)
		}
	}
}

func FuzzVerify(f *testing.F) {
	s := mustSigner(f, testKey)
	valid := signID(s, "10ABCD01EFGH")
	for _, seed := range []string{
		valid,
		strings.ToLower(valid),
		strings.ReplaceAll(valid, "0", "o"),
		flipLowBit(valid, CodeLength-1),
		valid[:19],
		"",
		"ZZZZZZZZZZZZZZZZZZZZ",
		"\xff\xfe" + valid[2:],
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		id, verifyErr := s.Verify(code)
		canonical, canonErr := s.Canonical(code)
		if (verifyErr == nil) != (canonErr == nil) {
			t.Fatalf("Verify(%q) error = %v but Canonical error = %v", code, verifyErr, canonErr)
		}
		if verifyErr != nil {
			if id != "" || canonical != "" {
				t.Fatalf("rejected %q but returned ID %q, canonical %q", code, id, canonical)
			}
			if got := apperr.CodeOf(verifyErr); got != apperr.NotFound {
				t.Fatalf("Verify(%q) error code = %q, want %q", code, got, apperr.NotFound)
			}
		} else {
			if !canonicalCodeRE.MatchString(canonical) || canonical[:IDLength] != id {
				t.Fatalf("Verify(%q) = %q, Canonical = %q: not a canonical pair", code, id, canonical)
			}
			if !strings.EqualFold(strings.NewReplacer("o", "0", "O", "0", "i", "1", "I", "1", "l", "1", "L", "1").Replace(code), canonical) {
				t.Fatalf("Canonical(%q) = %q, not the same code", code, canonical)
			}
			if again, err := s.Canonical(canonical); err != nil || again != canonical {
				t.Fatalf("Canonical(%q) = %q, %v; want it unchanged", canonical, again, err)
			}
		}

		// Every issued code verifies, whatever else the fuzzer is doing.
		fresh, err := s.New()
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if got, err := s.Verify(fresh); err != nil || got != fresh[:IDLength] {
			t.Fatalf("Verify(New() = %q) = %q, %v", fresh, got, err)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	s := mustSigner(b, testKey)
	code, err := s.New()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(code); err != nil {
			b.Fatal(err)
		}
	}
}
