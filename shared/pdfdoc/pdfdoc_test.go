package pdfdoc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/pdfdoc/popplertest"
)

func newDoc(t *testing.T, cfg Config) *Doc {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

func render(t *testing.T, d *Doc) []byte {
	t.Helper()
	b, err := d.Bytes()
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("output starts with %q, want %%PDF-", b[:min(len(b), 8)])
	}
	return b
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain Cyrillic", "Рекламация № 5 «срочно» — да…", "Рекламация № 5 «срочно» — да…"},
		{"control characters become spaces", "a\tb\x00c\x1bd", "a b c d"},
		{"line ends", "a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"emoji and CJK become placeholders", "ok 😀 中", "ok \uFFFD \uFFFD"},
		{"emoji with a variation selector and joiners", "x❤️y", "x\uFFFDy"},
		{"rouble sign spelt out", "10\u00a0₽", "10\u00a0руб."},
		{"thin spaces become no-break spaces", "1\u2009234", "1\u00a0234"},
		{"HTML is text", "<b>bold</b> &amp;", "<b>bold</b> &amp;"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, clean(tt.in, regular)); diff != "" {
				t.Errorf("clean mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	d := newDoc(t, Config{})
	st := Style{Size: 10}
	const width = 40.0
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"short", "Одна строка", []string{"Одна строка"}},
		{"by words", "Холодильник не морозит после доставки, дверца перекошена",
			[]string{"Холодильник не", "морозит после", "доставки, дверца", "перекошена"}},
		{"paragraphs and an empty line", "раз\n\nдва", []string{"раз", "", "два"}},
		{"spaces collapse", "a    b", []string{"a b"}},
		{"no-break space holds", "на сумму 1\u00a0234\u00a0567,00\u00a0руб. итого", []string{"на сумму", "1\u00a0234\u00a0567,00\u00a0руб. итого"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Wrap(tt.in, st, width)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Wrap mismatch (-want +got):\n%s", diff)
			}
			for _, l := range got {
				if w := d.Measure(l, st); w > width {
					t.Errorf("line %q is %.1f mm, wider than %.0f", l, w, width)
				}
			}
		})
	}

	t.Run("a word longer than the line is broken", func(t *testing.T) {
		long := strings.Repeat("Щ", 200)
		got := d.Wrap("до "+long+" после", st, width)
		if len(got) < 5 {
			t.Fatalf("got %d lines, want the word broken over several: %q", len(got), got)
		}
		if got[0] != "до" || got[len(got)-1] == "" {
			t.Errorf("lines = %q", got)
		}
		joined := strings.Join(got, "")
		if strings.Count(joined, "Щ") != 200 || !strings.Contains(joined, "после") {
			t.Errorf("text lost in breaking: %q", got)
		}
		for _, l := range got {
			if w := d.Measure(l, st); w > width {
				t.Errorf("line %q is %.1f mm, wider than %.0f", l, w, width)
			}
		}
	})
	t.Run("narrower than one character", func(t *testing.T) {
		got := d.Wrap("абв", st, 0.1)
		if diff := cmp.Diff([]string{"а", "б", "в"}, got); diff != "" {
			t.Errorf("Wrap mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestMeasureMatchesGopdf(t *testing.T) {
	d := newDoc(t, Config{})
	for _, st := range []Style{{Size: 10}, {Size: 7.5, Bold: true}} {
		for _, s := range []string{"Рекламация № RC-2026-000123", "Wide WWW mmm", "1\u00a0234,50"} {
			d.setFont(st.font(), st.size())
			want, err := d.pdf.MeasureTextWidth(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Measure(s, st); fmt.Sprintf("%.3f", got) != fmt.Sprintf("%.3f", want) {
				t.Errorf("Measure(%q, %+v) = %.3f, gopdf says %.3f", s, st, got, want)
			}
		}
	}
}

func TestFit(t *testing.T) {
	d := newDoc(t, Config{})
	st := Style{Size: 8}
	if got := d.Fit("short", 50, st); got != "short" {
		t.Errorf("Fit(short) = %q", got)
	}
	got := d.Fit("Очень длинная строка текста, которая никак не помещается", 30, st)
	if !strings.HasSuffix(got, "…") || d.Measure(got, st) > 30 || !strings.HasPrefix(got, "Очень") {
		t.Errorf("Fit = %q (%.1f mm)", got, d.Measure(got, st))
	}
}

// tableDoc renders a table of n rows with page totals and a grand total.
func tableDoc(t *testing.T, n int, orientation Orientation) []byte {
	t.Helper()
	d := newDoc(t, Config{Orientation: orientation, Language: "ru", PageNumbers: true, Footer: "Тестовый документ",
		Created: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)})
	d.Title("Таблица на много страниц")
	d.Text("Вступление перед таблицей.", Style{})
	rows := make([]Row, n)
	for i := range rows {
		name := fmt.Sprintf("Товар номер %d", i+1)
		if i%7 == 3 {
			name += " с очень длинным названием, которое переносится на вторую и даже третью строку ячейки"
		}
		rows[i] = TextRow(strconv.Itoa(i+1), name, strconv.Itoa(i+1))
	}
	sum := func(first, end int) int {
		s := 0
		for i := first; i < end; i++ {
			s += i + 1
		}
		return s
	}
	d.Table(Table{
		Columns: []Column{{Width: 10, Align: AlignRight}, {Width: 60}, {Width: 20, Align: AlignRight}},
		Header: [][]HeaderCell{
			{{Text: "№", RowSpan: 2}, {Text: "Наименование", RowSpan: 2}, {Text: "Количество"}},
			{{Text: "шт."}},
		},
		Rows: rows,
		PageFooter: func(first, end int) []Row {
			return []Row{{Bold: true, Cells: []Cell{{Text: "Итого по странице", Span: 2}, {Text: "=" + strconv.Itoa(sum(first, end))}}}}
		},
		Footer: []Row{{Bold: true, Cells: []Cell{{Text: "Всего", Span: 2}, {Text: "=" + strconv.Itoa(sum(0, n))}}}},
	})
	d.Text("После таблицы.", Style{})
	return render(t, d)
}

func TestTableBreaksAcrossPages(t *testing.T) {
	const n = 120
	pdf := tableDoc(t, n, Portrait)
	pages := popplertest.Pages(t, pdf)
	if got := popplertest.PageCount(t, pdf); got != len(pages) || got < 3 {
		t.Fatalf("pdfinfo says %d pages, pdftotext %d; want the same, at least 3", got, len(pages))
	}
	pageTotalRE := regexp.MustCompile(`Итого по странице\s+=(\d+)`)
	rowRE := regexp.MustCompile(`(?m)^\s*(\d+)\s+Товар номер (\d+)`)
	seen, total := 0, 0
	for i, p := range pages {
		if !strings.Contains(p, "Наименование") || !strings.Contains(p, "Количество") {
			t.Errorf("page %d lacks the header row:\n%s", i+1, p)
		}
		want := fmt.Sprintf("стр. %d из %d", i+1, len(pages))
		if !strings.Contains(p, want) || !strings.Contains(p, "Тестовый документ") {
			t.Errorf("page %d lacks %q and the footer", i+1, want)
		}
		m := pageTotalRE.FindAllStringSubmatch(p, -1)
		if len(m) != 1 {
			t.Fatalf("page %d has %d page totals, want 1:\n%s", i+1, len(m), p)
		}
		pageSum := 0
		for _, r := range rowRE.FindAllStringSubmatch(p, -1) {
			no, _ := strconv.Atoi(r[1])
			if no != seen+1 {
				t.Errorf("page %d: row %d follows row %d", i+1, no, seen)
			}
			seen = no
			pageSum += no
		}
		if got, _ := strconv.Atoi(m[0][1]); got != pageSum {
			t.Errorf("page %d: page total %d, rows on it add up to %d", i+1, got, pageSum)
		}
		total += pageSum
	}
	if seen != n {
		t.Errorf("last row seen %d, want %d", seen, n)
	}
	text := strings.Join(pages, "")
	if c := strings.Count(text, "Всего"); c != 1 {
		t.Errorf("grand total printed %d times, want once", c)
	}
	if !strings.Contains(text, "Всего") || !strings.Contains(text, fmt.Sprintf("=%d", n*(n+1)/2)) || total != n*(n+1)/2 {
		t.Errorf("grand total missing or wrong (rows add up to %d)", total)
	}
	if !strings.Contains(pages[len(pages)-1], "После таблицы.") {
		t.Errorf("the text after the table is not on the last page")
	}
}

func TestDeterministic(t *testing.T) {
	a := tableDoc(t, 30, Landscape)
	b := tableDoc(t, 30, Landscape)
	if !bytes.Equal(a, b) {
		t.Fatalf("two renderings differ (%d and %d bytes)", len(a), len(b))
	}
	if !bytes.Contains(a, []byte("/CreationDate(D:20261205100000")) {
		t.Errorf("creation date is not the document's own")
	}
}

func TestLandscape(t *testing.T) {
	d := newDoc(t, Config{Orientation: Landscape})
	if w, h := d.PageSize(); w != 297 || h != 210 {
		t.Errorf("landscape page is %vx%v mm", w, h)
	}
	d.Text("landscape", Style{})
	pdf := render(t, d)
	if !bytes.Contains(pdf, []byte("/MediaBox [ 0 0 842.00 595.00 ]")) && !bytes.Contains(pdf, []byte("842")) {
		t.Errorf("no landscape media box")
	}
}

// testImages returns a PNG and a JPEG of w x h pixels.
func testImages(t testing.TB, w, h int) (pngData, jpegData []byte) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var p, j bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	return p.Bytes(), j.Bytes()
}

func TestImagesAndHostileInput(t *testing.T) {
	pngData, jpegData := testImages(t, 320, 200)
	d := newDoc(t, Config{PageNumbers: true, Language: "en"})
	d.Heading("Pictures")
	d.Thumbnails([]Thumb{
		{Image: pngData, Caption: "photo.png, 12 KB"},
		{Image: jpegData, Caption: "photo.jpg"},
		{Image: []byte("<html>not an image</html>"), Caption: "broken.jpg"},
		{Image: nil, Caption: "report.pdf " + strings.Repeat("long name ", 30)},
	}, 35)
	essence := strings.Repeat("Дверь перекошена 😀 <script>alert(1)</script> ", 100) + strings.Repeat("Ж", 5000)
	d.Heading("Essence")
	d.Text(essence, Style{})
	d.KeyValues([]KV{{"Key", strings.Repeat("x", 3000)}, {"Empty", ""}}, 40)
	d.Table(Table{
		Columns: []Column{{Width: 1}, {Width: 3}},
		Header:  [][]HeaderCell{{{Text: "A"}, {Text: "B"}}},
		Rows:    []Row{TextRow("1", strings.Repeat("Ы", 20000)), TextRow("2", "after")},
	})
	d.Signatures([]Signature{{Role: "Claimant", Date: true}, {Role: "Claims department", Name: "I. Ivanov"}})
	pdf := render(t, d)
	if c := bytes.Count(pdf, []byte("/Subtype /Image")); c != 2 {
		t.Errorf("%d images embedded, want 2 (the broken one is a placeholder)", c)
	}
	text := popplertest.Text(t, pdf)
	for _, want := range []string{"photo.png, 12 KB", "broken.jpg", "<script>alert(1)</script>", "\uFFFD", "after", "(signature)", "I. Ivanov"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// Not a letter of the essence is lost: count the Ж of its long word.
	if c := strings.Count(text, "Ж"); c != 5000 {
		t.Errorf("%d of the 5000 Ж printed", c)
	}
	if c := strings.Count(text, "Ы"); c != 20000 {
		t.Errorf("%d of the 20000 Ы of the tall table row printed", c)
	}
}

func TestQRCode(t *testing.T) {
	d := newDoc(t, Config{})
	d.QRCodeAt("https://claims.example.com/t/RC-2026-000123", 20, 20, 30)
	if _, err := d.Bytes(); err != nil {
		t.Fatal(err)
	}
	d = newDoc(t, Config{})
	d.QRCodeAt("", 20, 20, 30)
	if _, err := d.Bytes(); err == nil {
		t.Error("an empty QR code rendered without error")
	}
}

func TestImageVariants(t *testing.T) {
	r := image.Rect(0, 0, 40, 30)
	pngOf := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	translucent := image.NewNRGBA(r)
	translucent.Set(1, 1, color.NRGBA{255, 0, 0, 100})
	// A PNG header claiming 100000 x 100000 pixels: a decompression bomb.
	bomb := pngOf(image.NewGray(r))
	binary.BigEndian.PutUint32(bomb[16:], 100000)
	binary.BigEndian.PutUint32(bomb[20:], 100000)
	binary.BigEndian.PutUint32(bomb[29:], crc32.ChecksumIEEE(bomb[12:29]))
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"paletted PNG", pngOf(image.NewPaletted(r, color.Palette{color.White, color.Black})), true},
		{"grey PNG", pngOf(image.NewGray(r)), true},
		{"16-bit grey PNG", pngOf(image.NewGray16(r)), true},
		{"16-bit RGBA PNG", pngOf(image.NewRGBA64(r)), true},
		{"translucent PNG", pngOf(translucent), true},
		{"CMYK as PNG", pngOf(image.NewCMYK(r)), true},
		{"truncated PNG", pngOf(image.NewGray(r))[:40], false},
		{"bomb header", bomb, false},
		{"GIF (not a thumbnail format)", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), false},
		{"nothing", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDoc(t, Config{})
			if got := d.ImageAt(tt.data, 10, 10, 30, 30); got != tt.want {
				t.Errorf("ImageAt drew the image: %v, want %v", got, tt.want)
			}
			render(t, d)
		})
	}
}

func TestBytesTwice(t *testing.T) {
	d := newDoc(t, Config{PageNumbers: true})
	d.Text("once", Style{})
	a := render(t, d)
	b := render(t, d)
	if !bytes.Equal(a, b) {
		t.Error("a second Bytes differs from the first")
	}
	if c := strings.Count(popplertest.Text(t, b), "стр. 1 из 1"); c != 1 {
		t.Errorf("the page is numbered %d times", c)
	}
}
