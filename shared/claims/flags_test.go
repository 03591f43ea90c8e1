package claims_test

import (
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/claims"
)

func TestWarrantyEnd(t *testing.T) {
	tests := []struct {
		purchase string
		months   int
		want     string
		ok       bool
	}{
		{"2024-03-15", 24, "2026-03-15", true},
		{"2024-03-15", 1, "2024-04-15", true},
		// No such day in the last month: its last day (Civil Code art. 192).
		{"2024-01-31", 1, "2024-02-29", true},
		{"2023-01-31", 1, "2023-02-28", true},
		{"2024-08-31", 1, "2024-09-30", true},
		{"2024-02-29", 12, "2025-02-28", true},
		{"2024-12-31", 12, "2025-12-31", true},
		{"2024-11-30", 3, "2025-02-28", true},
		{"", 12, "", false},
		{"2024-13-01", 12, "", false},
		{"2024-03-15", 0, "", false},
	}
	for _, tc := range tests {
		got, ok := claims.WarrantyEnd(tc.purchase, tc.months)
		if got != tc.want || ok != tc.ok {
			t.Errorf("WarrantyEnd(%q, %d) = %q, %v; want %q, %v", tc.purchase, tc.months, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAfterWarranty(t *testing.T) {
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		purchase string
		months   int
		filed    time.Time
		loc      *time.Location
		wantOn   string
		after    bool
	}{
		{"the warranty's last day is covered", "2024-03-15", 24, time.Date(2026, 3, 15, 20, 59, 59, 0, time.UTC), moscow, "2026-03-15", false},
		// 21:00 UTC on the 15th is already the 16th in Moscow.
		{"the day after, in the company's time zone", "2024-03-15", 24, time.Date(2026, 3, 15, 21, 0, 0, 0, time.UTC), moscow, "2026-03-16", true},
		{"the same instant read in UTC", "2024-03-15", 24, time.Date(2026, 3, 15, 21, 0, 0, 0, time.UTC), time.UTC, "2026-03-15", false},
		{"a month without the day", "2024-01-31", 1, time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC), time.UTC, "2024-03-01", true},
		{"its last day", "2024-01-31", 1, time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC), time.UTC, "2024-02-29", false},
		{"no warranty applies", "2010-01-01", 0, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC, "", false},
		{"no purchase date", "", 12, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC, "", false},
	}
	for _, tc := range tests {
		_, on, after := claims.AfterWarranty(tc.purchase, tc.months, tc.filed, tc.loc)
		if on != tc.wantOn || after != tc.after {
			t.Errorf("%s: AfterWarranty = %q, %v; want %q, %v", tc.name, on, after, tc.wantOn, tc.after)
		}
	}
}

func TestEssenceKey(t *testing.T) {
	base := "Чайник не включается, индикатор мигает красным."
	same := []string{
		"чайник не включается индикатор мигает красным",
		"  ЧАЙНИК   не включается!!! Индикатор — мигает красным…  ",
		"Чайник\nне включается;\tиндикатор мигает «красным».",
	}
	for _, s := range same {
		if claims.EssenceKey(s) != claims.EssenceKey(base) {
			t.Errorf("EssenceKey(%q) differs from EssenceKey(%q)", s, base)
		}
	}
	if claims.EssenceKey("Ещё раз сломался") != claims.EssenceKey("еще раз сломался") {
		t.Error("ё and е differ")
	}
	different := []string{
		"Чайник не включается, индикатор мигает зелёным.",
		"Чайник не включается, индикатор не мигает красным.",
		"Чайник не включается 2, индикатор мигает красным.",
		"Чайникне включается, индикатор мигает красным.",
	}
	for _, s := range different {
		if claims.EssenceKey(s) == claims.EssenceKey(base) {
			t.Errorf("EssenceKey(%q) equals EssenceKey(%q)", s, base)
		}
	}
	if k := claims.EssenceKey(" ... !!! "); k != "" {
		t.Errorf("EssenceKey of punctuation only = %q, want empty", k)
	}
}

func TestEssenceIndexKeys(t *testing.T) {
	both := claims.EssenceIndexKeys(claims.Claimant{Email: "anna@example.com", Phone: "+79031112233"}, "Не греет.")
	if len(both) != 2 || both[0] == both[1] {
		t.Fatalf("keys for email and phone = %v, want two distinct", both)
	}
	phone := claims.EssenceIndexKeys(claims.Claimant{Phone: "+79031112233"}, "не греет")
	if len(phone) != 1 || phone[0] != both[1] {
		t.Errorf("phone-only keys = %v, want [%s] (the same claimant by phone)", phone, both[1])
	}
	other := claims.EssenceIndexKeys(claims.Claimant{Email: "boris@example.com"}, "Не греет.")
	if len(other) != 1 || other[0] == both[0] {
		t.Errorf("another claimant's key = %v, want one differing from %s", other, both[0])
	}
	if k := claims.EssenceIndexKeys(claims.Claimant{Email: "anna@example.com"}, "!!!"); k != nil {
		t.Errorf("keys of an essence without words = %v, want none", k)
	}
}

func TestFlagsActiveAndFiltered(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := claims.Claim{Flags: []claims.Flag{
		claims.OpenSerialFlag("SN-1", []string{"RC-2026-000002", "RC-2026-000001", "RC-2026-000002"}, at),
		claims.RepeatEssenceFlag([]string{"RC-2026-000001"}, at),
	}}
	if got := c.Flags[0].Related; len(got) != 2 || got[0] != "RC-2026-000002" {
		t.Errorf("related = %v, want the distinct IDs in order", got)
	}
	c.Flags[1].DismissedAt = at.Add(time.Hour)
	for filter, want := range map[string]bool{claims.AnyFlag: true, "open_serial_duplicate": true, "repeat_essence": false, "after_warranty": false} {
		if got := c.Flagged(filter); got != want {
			t.Errorf("Flagged(%q) = %v, want %v", filter, got, want)
		}
	}
	if i := c.FlagIndex(claims.FlagRepeatEssence); i != -1 {
		t.Errorf("FlagIndex of a dismissed flag = %d, want -1", i)
	}
	if _, err := claims.ParseFlagKind("kind", "nonsense"); err == nil {
		t.Error("ParseFlagKind accepted an unknown kind")
	}
}
