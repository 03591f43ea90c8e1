package docfmt

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAmountInWordsRussian(t *testing.T) {
	tests := []struct {
		kopecks int64
		want    string
	}{
		{0, "Ноль рублей 00 копеек"},
		{1, "Ноль рублей 01 копейка"},
		{2, "Ноль рублей 02 копейки"},
		{5, "Ноль рублей 05 копеек"},
		{11, "Ноль рублей 11 копеек"},
		{21, "Ноль рублей 21 копейка"},
		{100, "Один рубль 00 копеек"},
		{200, "Два рубля 00 копеек"},
		{500, "Пять рублей 00 копеек"},
		{1100, "Одиннадцать рублей 00 копеек"},
		{1200, "Двенадцать рублей 00 копеек"},
		{2100, "Двадцать один рубль 00 копеек"},
		{2200, "Двадцать два рубля 00 копеек"},
		{10100, "Сто один рубль 00 копеек"},
		{11100, "Сто одиннадцать рублей 00 копеек"},
		{100000, "Одна тысяча рублей 00 копеек"},
		{200000, "Две тысячи рублей 00 копеек"},
		{500000, "Пять тысяч рублей 00 копеек"},
		{1100000, "Одиннадцать тысяч рублей 00 копеек"},
		{2100000, "Двадцать одна тысяча рублей 00 копеек"},
		{2200000, "Двадцать две тысячи рублей 00 копеек"},
		{123450, "Одна тысяча двести тридцать четыре рубля 50 копеек"},
		{100000000, "Один миллион рублей 00 копеек"},
		{200000000, "Два миллиона рублей 00 копеек"},
		{500000000, "Пять миллионов рублей 00 копеек"},
		{100100100, "Один миллион одна тысяча один рубль 00 копеек"},
		{12345678901, "Сто двадцать три миллиона четыреста пятьдесят шесть тысяч семьсот восемьдесят девять рублей 01 копейка"},
		{200000000000, "Два миллиарда рублей 00 копеек"},
		{-150, "Минус один рубль 50 копеек"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, AmountInWords(tt.kopecks, "ru")); diff != "" {
			t.Errorf("AmountInWords(%d, ru) mismatch (-want +got):\n%s", tt.kopecks, diff)
		}
	}
	// The largest amount still spells out (no index out of range).
	if got := AmountInWords(math.MaxInt64, "ru"); !strings.HasPrefix(got, "Девяносто два квадриллиона") {
		t.Errorf("AmountInWords(MaxInt64) = %q", got)
	}
	if got := AmountInWords(math.MinInt64, "ru"); !strings.HasPrefix(got, "Минус девяносто два квадриллиона") {
		t.Errorf("AmountInWords(MinInt64) = %q", got)
	}
}

func TestAmountInWordsEnglish(t *testing.T) {
	tests := []struct {
		kopecks int64
		want    string
	}{
		{0, "Zero roubles 00 kopecks"},
		{1, "Zero roubles 01 kopeck"},
		{100, "One rouble 00 kopecks"},
		{2100, "Twenty-one roubles 00 kopecks"},
		{123450, "One thousand two hundred thirty-four roubles 50 kopecks"},
		{200000000, "Two million roubles 00 kopecks"},
		{12345678901, "One hundred twenty-three million four hundred fifty-six thousand seven hundred eighty-nine roubles 01 kopeck"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, AmountInWords(tt.kopecks, "en")); diff != "" {
			t.Errorf("AmountInWords(%d, en) mismatch (-want +got):\n%s", tt.kopecks, diff)
		}
	}
}

func TestRussianNumberGender(t *testing.T) {
	tests := []struct {
		n        uint64
		feminine bool
		want     string
	}{
		{1, false, "один"},
		{1, true, "одна"},
		{2, true, "две"},
		{2001, true, "две тысячи одна"},
		{1000, false, "одна тысяча"},
		{40, false, "сорок"},
		{990, false, "девятьсот девяносто"},
	}
	for _, tt := range tests {
		if got := RussianNumber(tt.n, tt.feminine); got != tt.want {
			t.Errorf("RussianNumber(%d, %v) = %q, want %q", tt.n, tt.feminine, got, tt.want)
		}
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		minor          int64
		currency, lang string
		want           string
	}{
		{123450, "RUB", "ru", "1\u00a0234,50\u00a0₽"},
		{123450, "", "en", "RUB 1,234.50"},
		{0, "RUB", "ru", "0,00\u00a0₽"},
		{5, "RUB", "en", "RUB 0.05"},
		{123456789, "RUB", "ru", "1\u00a0234\u00a0567,89\u00a0₽"},
		{100000, "EUR", "ru", "1\u00a0000,00\u00a0EUR"},
		{100000, "EUR", "en", "EUR 1,000.00"},
		{-99950, "RUB", "ru", "-999,50\u00a0₽"},
		{math.MinInt64, "RUB", "en", "RUB -92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Money(tt.minor, tt.currency, tt.lang)); diff != "" {
			t.Errorf("Money(%d, %q, %q) mismatch (-want +got):\n%s", tt.minor, tt.currency, tt.lang, diff)
		}
	}
}

func TestQuantity(t *testing.T) {
	tests := []struct {
		q    float64
		lang string
		want string
	}{
		{12, "ru", "12"},
		{1200, "ru", "1\u00a0200"},
		{1200, "en", "1,200"},
		{1.5, "ru", "1,5"},
		{1.5, "en", "1.5"},
		{0.125, "ru", "0,125"},
		{2.0004, "ru", "2"},
		{2.3456, "en", "2.346"},
		{-3, "ru", "-3"},
		{-0.0001, "ru", "0"},
		{math.NaN(), "ru", "—"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Quantity(tt.q, tt.lang)); diff != "" {
			t.Errorf("Quantity(%v, %q) mismatch (-want +got):\n%s", tt.q, tt.lang, diff)
		}
	}
}

func TestDates(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*3600)
	// 21:30 UTC on 4 December is already 5 December in Moscow.
	at := time.Date(2026, 12, 4, 21, 30, 0, 0, time.UTC)
	got := []string{
		Date(at, moscow, "ru"),
		Date(at, moscow, "en"),
		Date(at, nil, "ru"),
		DateTime(at, moscow, "ru"),
		DateTime(at, moscow, "en"),
		NumericDate(at, moscow, "ru"),
		NumericDate(at, moscow, "en"),
		NumericDate(time.Time{}, moscow, "ru"),
		Date(time.Time{}, moscow, "ru") + DateTime(time.Time{}, nil, "en"),
		Clock(at, moscow),
		Date(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), nil, "ru"),
	}
	want := []string{
		"5 декабря 2026 г.",
		"5 December 2026",
		"4 декабря 2026 г.",
		"5 декабря 2026 г., 00:30",
		"5 December 2026, 00:30",
		"05.12.2026",
		"2026-12-05",
		"",
		"",
		"00:30",
		"1 мая 2026 г.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dates mismatch (-want +got):\n%s", diff)
	}
}

func TestFileSize(t *testing.T) {
	got := []string{FileSize(850, "ru"), FileSize(12600, "ru"), FileSize(12600, "en"), FileSize(4718592, "en"), FileSize(0, "en")}
	want := []string{"850\u00a0Б", "12,3\u00a0КБ", "12.3\u00a0KB", "4.5\u00a0MB", "0\u00a0B"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FileSize mismatch (-want +got):\n%s", diff)
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		v      float64
		places int
		lang   string
		want   string
	}{
		{1234.56, 1, "ru", "1" + NBSP + "234,6"},
		{1234.56, 1, "en", "1,234.6"},
		{0.126, 2, "en", "0.13"},
		{1234567, 0, "ru", "1" + NBSP + "234" + NBSP + "567"},
		{-0.004, 2, "en", "0.00"},
		{-12.5, 1, "ru", "-12,5"},
		{3, 9, "en", "3.000000"},
		{math.NaN(), 2, "ru", "—"},
		{math.Inf(-1), 2, "en", "—"},
	}
	for _, tt := range tests {
		if got := Decimal(tt.v, tt.places, tt.lang); got != tt.want {
			t.Errorf("Decimal(%v, %d, %s) = %q, want %q", tt.v, tt.places, tt.lang, got, tt.want)
		}
	}
}
