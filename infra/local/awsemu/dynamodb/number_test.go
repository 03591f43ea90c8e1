package dynamodb

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCanonicalNumber(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "1.50", want: "1.5"},
		{in: "007", want: "7"},
		{in: "-0", want: "0"},
		{in: "0.000", want: "0"},
		{in: "1e2", want: "100"},
		{in: "1.2E-3", want: "0.0012"},
		{in: "+42", want: "42"},
		{in: "-12.3400", want: "-12.34"},
		{in: ".5", want: "0.5"},
		{in: "12345678901234567890123456789012345678", want: "12345678901234567890123456789012345678"},
		{in: "123456789012345678901234567890123456789", err: "Attempting to store more than 38 significant digits in a Number"},
		{in: "1e126", err: "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{in: "1e-131", err: "Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{in: "1e-130", want: "0." + zeros(129) + "1"},
		{in: "abc", err: "A value provided cannot be converted into a number"},
		{in: "1.2.3", err: "A value provided cannot be converted into a number"},
		{in: "", err: "A value provided cannot be converted into a number"},
		{in: "1e", err: "A value provided cannot be converted into a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, msg := canonicalNumber(tt.in)
			if diff := cmp.Diff(tt.err, msg); diff != "" {
				t.Fatalf("error mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("canonical mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// TestNumberOrderedKey checks that byte order of the key encoding equals
// numeric order, which the B-trees rely on.
func TestNumberOrderedKey(t *testing.T) {
	sorted := []string{"-1e100", "-1000", "-100.5", "-100", "-99.99", "-1.23", "-1.2", "-1", "-0.5", "-1e-100", "0",
		"1e-100", "0.5", "1", "1.2", "1.23", "9", "10", "99.99", "100", "100.5", "1000", "12345678901234567890", "12345678901234567891", "1e100"}
	shuffled := slices.Clone(sorted)
	rand.New(rand.NewSource(1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	slices.SortFunc(shuffled, func(a, b string) int {
		da, _ := parseDecimal(a)
		db, _ := parseDecimal(b)
		ka, kb := da.orderedKey(), db.orderedKey()
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	if diff := cmp.Diff(sorted, shuffled); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}
	for i := 1; i < len(sorted); i++ {
		a, _ := parseDecimal(sorted[i-1])
		b, _ := parseDecimal(sorted[i])
		if compareDecimal(a, b) != -1 || compareDecimal(b, a) != 1 {
			t.Errorf("compareDecimal(%s, %s) not ordered", sorted[i-1], sorted[i])
		}
	}
}

func TestItemSize(t *testing.T) {
	tests := []struct {
		name string
		it   item
		want int
	}{
		{"string", item{"ab": {kind: kindS, s: "xyz"}}, 5},
		{"number", item{"n": {kind: kindN, s: "12345"}}, 1 + 4},
		{"bool and null", item{"a": {kind: kindBOOL}, "b": {kind: kindNULL}}, 4},
		{"list", item{"l": {kind: kindL, l: []*attrValue{{kind: kindS, s: "ab"}}}}, 1 + 3 + 1 + 2},
		{"map", item{"m": {kind: kindM, m: map[string]*attrValue{"k": {kind: kindS, s: "v"}}}}, 1 + 3 + 1 + 1 + 1},
		{"string set", item{"s": {kind: kindSS, ss: []string{"a", "bc"}}}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.it.size()); diff != "" {
				t.Errorf("size mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
