package contact

import "testing"

func TestPhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"+7 916 123-45-67", "+79161234567", true},
		{"8 (916) 123-45-67", "+79161234567", true},
		{"9161234567", "+79161234567", true},
		{"+49 30 1234567", "+49301234567", true},
		{"+7-916-123-45-67 ", "+79161234567", true},
		{"call me", "", false},
		{"12345", "", false},
		{"+0 123 456 7890", "", false},
		{"+7 916 123 45 67 ext 5", "", false},
		{"7+9161234567", "", false},
	}
	for _, tt := range tests {
		got, ok := Phone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Phone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{" Ivan@Example.COM ", "ivan@example.com", true},
		{"ivan@localhost", "", false},
		{"Ivan <ivan@example.com>", "", false},
		{"not an email", "", false},
		{"a@b.c", "a@b.c", true},
	}
	for _, tt := range tests {
		got, ok := Email(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Email(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"+7 916 123-45-67", "8(916)1234567", "", "+", "++7", "9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := Phone(s)
		if !ok {
			return
		}
		if got == "" {
			return
		}
		if again, ok2 := Phone(got); !ok2 || again != got {
			t.Errorf("NormalizePhone is not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
