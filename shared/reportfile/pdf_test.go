package reportfile

import (
	"bytes"
	"errors"
	"image"
	_ "image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-analyze/charts"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/pdfdoc/popplertest"
)

// checkImage decodes a PNG and checks its size and that it is not blank:
// at least 2% of its pixels are not white, in more than a few colours.
func checkImage(t *testing.T, data []byte, width, height int) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode chart image: %v", err)
	}
	if format != "png" {
		t.Errorf("chart image format %q, want png", format)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Fatalf("chart image is %dx%d, want %dx%d", b.Dx(), b.Dy(), width, height)
	}
	inked := 0
	colors := map[[3]uint32]bool{}
	for y := 0; y < height; y += 2 {
		for x := 0; x < width; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || b < 0xf000 {
				inked++
			}
			colors[[3]uint32{r >> 12, g >> 12, b >> 12}] = true
		}
	}
	if share := float64(inked) / float64((width/2)*(height/2)); share < 0.02 || len(colors) < 8 {
		t.Errorf("the chart looks blank: %.1f%% of pixels inked, %d colours", share*100, len(colors))
	}
}

func TestChartPNG(t *testing.T) {
	r := testReport("ru", 3)
	line := monthsChart(3)
	line.Kind = ChartLine
	line.Series[1].Values[4] = math.NaN()
	big := groupsChart(200)
	big.Title = "Двести групп 😀 " + strings.Repeat("очень длинный заголовок ", 20)
	tests := []struct {
		name          string
		chart         Chart
		width, height int
	}{
		{"column", r.Charts[0], 1600, 720},
		{"bar", r.Charts[1], 800, 500},
		{"line with a gap", line, 1200, 600},
		{"200 bars, a long title and an emoji", big, 1600, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			png, err := ChartPNG(r, tt.chart, tt.width, tt.height)
			if err != nil {
				t.Fatal(err)
			}
			checkImage(t, png, tt.width, tt.height)
		})
	}
}

func TestChartPNGRefuses(t *testing.T) {
	r := testReport("ru", 1)
	if _, err := ChartPNG(r, r.Charts[0], 100, 600); err == nil || !strings.Contains(err.Error(), "chart size 100x600") {
		t.Errorf("a 100-pixel chart: error %v", err)
	}
	empty := Chart{Kind: ChartLine, Title: "Пусто", Categories: []string{"a", "b"},
		Series: []Series{{Name: "x", Values: []float64{math.NaN(), math.Inf(1)}}}}
	if _, err := ChartPNG(r, empty, 800, 400); !errors.Is(err, ErrNoChartData) {
		t.Errorf("a chart of NaNs: error %v, want ErrNoChartData", err)
	}
	bad := r.Charts[1]
	bad.Kind = "pie"
	if _, err := ChartPNG(r, bad, 800, 400); err == nil || !strings.Contains(err.Error(), `unknown kind "pie"`) {
		t.Errorf("a pie chart: error %v", err)
	}
}

// rowText is how a row reads in pdftotext's squashed text.
func rowText(r Report, row []Value) string {
	var parts []string
	for i, v := range row {
		if s := display(r, r.Columns[i].Kind, v); s != "" {
			parts = append(parts, s)
		}
	}
	return popplertest.Squash(strings.Join(parts, " "))
}

// renderPage renders the first page of pdf with pdftoppm and decodes it.
func renderPage(t *testing.T, pdf []byte) image.Image {
	t.Helper()
	bin := popplertest.Tool(t, "pdftoppm")
	dir := t.TempDir()
	in := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-r", "40", "-f", "1", "-l", "1", "-png", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode pdftoppm's page: %v", err)
	}
	return img
}

func TestPDFReadsBack(t *testing.T) {
	tests := []struct {
		lang string
		want []string
	}{
		{"ru", []string{"Динамика рекламаций", "по месяцам и группам", "Период 01.01.2026 — 31.12.2026",
			"Фильтры категория: Брак; дилер: ООО «Ромашка»", "Сформирован 10 января 2027 г., 12:05",
			"Стоимость", "руб.", "Итого 120 50,0 % 20,8 9 999,99", "стр. 1 из"}},
		{"en", []string{"Динамика рекламаций", "Period 01.01.2026 — 31.12.2026", "Generated 10 January 2027, 12:05",
			"business", "Total 120 50.0% 20.8 9,999.99", "page 1 of"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			r := testReport(tt.lang, 120)
			pdf, err := PDF(r)
			if err != nil {
				t.Fatal(err)
			}
			text := popplertest.Squash(popplertest.Text(t, pdf))
			for _, want := range tt.want {
				if !strings.Contains(text, popplertest.Squash(want)) {
					t.Errorf("the PDF's text lacks %q", want)
				}
			}
			for i, row := range r.Rows {
				if want := rowText(r, row); !strings.Contains(text, want) {
					t.Errorf("the PDF's text lacks row %d: %q", i+1, want)
				}
			}
			pages := popplertest.PageCount(t, pdf)
			if pages < 4 || !strings.Contains(text, strconv.Itoa(pages)+" ") {
				t.Errorf("pdfinfo counts %d pages", pages)
			}
			// Every page of the table repeats its header.
			for i, page := range popplertest.Pages(t, pdf)[2:] {
				if !strings.Contains(popplertest.Squash(page), "Первая") {
					t.Errorf("table page %d has no header", i+1)
				}
			}
			img := renderPage(t, pdf)
			if b := img.Bounds(); b.Dx() <= b.Dy() {
				t.Errorf("page 1 renders %dx%d: not landscape", b.Dx(), b.Dy())
			}
		})
	}
}

func TestPDFEmptyReport(t *testing.T) {
	for _, r := range []Report{
		{Title: "Пустой отчёт", Period: "январь 2026"},
		{Title: "Пустой отчёт", Period: "январь 2026", Columns: testColumns(),
			Charts: []Chart{{Kind: ChartLine, Title: "Нет точек", Categories: []string{"a"}, Series: []Series{{Values: []float64{math.NaN()}}}}}},
	} {
		pdf, err := PDF(r)
		if err != nil {
			t.Fatal(err)
		}
		text := popplertest.Squash(popplertest.Text(t, pdf))
		for _, want := range []string{"Пустой отчёт", "январь 2026", "Фильтры нет", "Нет данных за выбранный период"} {
			if !strings.Contains(text, want) {
				t.Errorf("the empty report's PDF lacks %q:\n%s", want, text)
			}
		}
		if n := popplertest.PageCount(t, pdf); n != 1 {
			t.Errorf("the empty report has %d pages, want 1", n)
		}
	}
}

// TestCountAxisStepsByWholeNumbers: a chart of counts labels its value
// axis 0, 1, 2, 3 for three claims (not 0; 0,5; 1 ...), in at most five
// whole steps up to the first at or above the largest value.
func TestCountAxisStepsByWholeNumbers(t *testing.T) {
	tests := []struct {
		values [][]float64
		max    float64
		labels int
	}{
		{[][]float64{{3, 1}, {0, 2}}, 3, 4},
		{[][]float64{{24, 1}}, 25, 6},
		{[][]float64{{0, 0}}, 1, 2},
		{[][]float64{{1234, charts.GetNullValue()}}, 1500, 4},
	}
	for _, tt := range tests {
		var a charts.ValueAxisOption
		countAxis(&a, tt.values)
		got := []float64{*a.Min, *a.Max, float64(a.LabelCount)}
		if diff := cmp.Diff([]float64{0, tt.max, float64(tt.labels)}, got); diff != "" || a.PreferNiceIntervals == nil || *a.PreferNiceIntervals {
			t.Errorf("%v: min, max, labels mismatch (-want +got):\n%s", tt.values, diff)
		}
	}
}
