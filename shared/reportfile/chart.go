package reportfile

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/go-analyze/charts"
	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// The charts are drawn with go-analyze/charts, the maintained
// continuation of wcharczuk/go-chart (archived in 2024): it draws grouped
// columns, horizontal bars and lines with axis titles, legends and label
// thinning, in the Go fonts (Cyrillic included), on a raster pdfdoc
// places; its tree is small (freetype, x/image, go-humanize and its own
// helpers), where gonum/plot brings ~50 packages and 7 MB of binary.

// ErrNoChartData is returned by ChartPNG for a chart with no category or
// no finite value: there is nothing to draw.
var ErrNoChartData = errors.New("reportfile: the chart has no data")

// Chart sizes, in pixels.
const (
	minChartSide = 200
	maxChartSide = 4000
)

// chartFonts are the Go fonts, parsed once.
var chartFonts = sync.OnceValues(func() ([2]*truetype.Font, error) {
	regular, err := truetype.Parse(goregular.TTF)
	if err != nil {
		return [2]*truetype.Font{}, fmt.Errorf("reportfile: parse Go Regular: %w", err)
	}
	bold, err := truetype.Parse(gobold.TTF)
	if err != nil {
		return [2]*truetype.Font{}, fmt.Errorf("reportfile: parse Go Bold: %w", err)
	}
	return [2]*truetype.Font{regular, bold}, nil
})

// ChartPNG draws chart c of report r as a PNG image of width by height
// pixels (each within 200 to 4000): the chart's title, the report's
// period and filters under it, the axes with their titles and units, the
// legend when a series is named, and the series as lines, grouped columns
// or horizontal bars (the first category on top). Category labels are
// thinned out when they would collide and cut short when long; NaN and
// infinite values are gaps; characters the Go fonts lack (emoji) show as
// a placeholder. It returns ErrNoChartData for a chart with nothing to
// draw, and an error for an invalid chart or size.
func ChartPNG(r Report, c Chart, width, height int) ([]byte, error) {
	if width < minChartSide || width > maxChartSide || height < minChartSide || height > maxChartSide {
		return nil, fmt.Errorf("reportfile: chart size %dx%d: each side must be within %d to %d pixels",
			width, height, minChartSide, maxChartSide)
	}
	check := Report{Language: r.Language, Charts: []Chart{c}}
	if err := check.Validate(); err != nil {
		return nil, err
	}
	if !chartHasData(c) {
		return nil, ErrNoChartData
	}
	fonts, err := chartFonts()
	if err != nil {
		return nil, err
	}
	d := chartDrawer{r: r, c: c, width: width, height: height, regular: fonts[0], bold: fonts[1]}
	d.p = charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: width, Height: height,
		Font: d.regular})
	return d.draw()
}

// chartDrawer draws one chart.
type chartDrawer struct {
	r             Report
	c             Chart
	width, height int
	regular, bold *truetype.Font
	p             *charts.Painter
}

// scale is the size of text relative to a 1200-pixel-wide chart.
func (d chartDrawer) scale() float64 { return math.Max(0.6, float64(d.width)/1200) }

func (d chartDrawer) style(size float64, bold bool) charts.FontStyle {
	f := d.regular
	if bold {
		f = d.bold
	}
	return charts.FontStyle{Font: f, FontSize: size * d.scale(), FontColor: charts.Color{R: 40, G: 40, B: 40, A: 255}}
}

// fit cleans s for the font and cuts it, ending it with "…", to what a
// line of px pixels holds in the given style, as the painter measures it.
func (d chartDrawer) fit(s string, st charts.FontStyle, px int) string {
	s = d.clean(s)
	fits := func(t string) bool { return d.p.MeasureText(t, 0, st).Width() <= px }
	if fits(s) {
		return s
	}
	runes := []rune(s)
	lo, hi := 0, len(runes) // runes[:lo]+"…" fits; runes[:hi]+"…" may not
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(string(runes[:mid]) + "…") {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimSpace(string(runes[:lo])) + "…"
}

// clean replaces control characters with spaces and characters the font
// cannot draw with a placeholder, as pdfdoc does: a tofu box hides what was
// there, a placeholder says something was.
func (d chartDrawer) clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r):
			return ' '
		case unicode.Is(unicode.Mn, r) || r == '\u200d' || r == '\ufe0f':
			return -1 // combining marks and emoji joiners and selectors
		case d.regular.Index(r) == 0:
			return '\uFFFD'
		}
		return r
	}, s)
}

// axisTitle is an axis's title with the unit.
func (d chartDrawer) axisTitle(title, unit string, px int) string {
	return d.fit(withUnit(title, unit), d.style(11, false), px)
}

func (d chartDrawer) draw() ([]byte, error) {
	r, c := d.r, d.c
	w := r.words()
	n := len(c.Categories)

	// The period and filters on one line when they fit: the chart
	// library centres each line of a subtitle on its own, so two lines
	// of different lengths stagger under the title.
	sub := w.period + ": " + r.Period + " · " + w.filters + ": " + r.filtersLine()
	if d.p.MeasureText(sub, 0, d.style(11, false)).Width() > d.width-60 {
		sub = d.fit(w.period+": "+r.Period, d.style(11, false), d.width-60) + "\n" + d.fit(w.filters+": "+r.filtersLine(), d.style(11, false), d.width-60)
	}
	title := charts.TitleOption{
		Text:             d.fit(c.Title, d.style(16, true), d.width-60),
		Subtext:          sub,
		FontStyle:        d.style(16, true),
		SubtextFontStyle: d.style(11, false),
	}
	var names []string
	named := false
	for _, s := range c.Series {
		names = append(names, d.fit(s.Name, d.style(10, false), d.width/4))
		named = named || s.Name != ""
	}
	// The legend goes under the chart: on top it would crowd the title,
	// period and filters.
	legend := charts.LegendOption{SeriesNames: names, FontStyle: d.style(10, false), Show: charts.Ptr(named),
		Offset: charts.OffsetStr{Left: charts.PositionCenter, Top: charts.PositionBottom}}
	values := make([][]float64, len(c.Series))
	for i, s := range c.Series {
		values[i] = make([]float64, n)
		for j, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = charts.GetNullValue()
			}
			values[i][j] = v
		}
	}
	labels := make([]string, n)
	for i, cat := range c.Categories {
		labels[i] = d.fit(cat, d.style(10, false), d.width/5)
	}
	lang := r.lang()
	formatter := func(f float64) string { return axisNumber(f, lang) }
	padding := charts.Box{Top: 20, Left: 20, Right: 30, Bottom: 20, IsSet: true}
	valueAxis := charts.ValueAxisOption{
		Title: d.axisTitle(c.YTitle, c.Unit, d.width/2), TitleFontStyle: d.style(11, false),
		LabelFontStyle: d.style(10, false), ValueFormatter: formatter,
	}
	if min0 := 0.0; c.Kind != ChartLine {
		valueAxis.Min = &min0 // bars start at zero
	}
	if c.Counts {
		countAxis(&valueAxis, values)
	}
	categoryAxis := charts.CategoryAxisOption{
		Title: d.fit(c.XTitle, d.style(11, false), d.width/2), TitleFontStyle: d.style(11, false),
		Labels: labels, LabelFontStyle: d.style(10, false),
	}
	// Thin the category labels out to what fits without collisions: as
	// many as the widest (across) or the line height (up) allows.
	labelStyle := d.style(10, false)
	fitCount := 0
	if c.Kind == ChartBar {
		fitCount = d.height * 6 / 10 / (d.p.MeasureText("Ag", 0, labelStyle).Height() + 6)
	} else {
		widest := 1
		for _, l := range labels {
			widest = max(widest, d.p.MeasureText(l, 0, labelStyle).Width())
		}
		fitCount = d.width * 85 / 100 / (widest + 24)
	}
	if n > fitCount {
		categoryAxis.LabelCount = max(fitCount, 2)
	}
	p := d.p
	var err error
	switch c.Kind {
	case ChartLine:
		opt := charts.NewLineChartOptionWithData(values)
		opt.Title, opt.Legend, opt.Padding, opt.ValueFormatter = title, legend, padding, formatter
		opt.XAxis = categoryAxis
		opt.YAxis = []charts.YAxisOption{valueAxis}
		if n > 60 {
			opt.Symbol = charts.Symbol{Shape: charts.SymbolNone}
		}
		err = p.LineChart(opt)
	case ChartColumn, ChartBar:
		if c.Kind == ChartBar {
			// Horizontal bars run bottom-up: reversed, the first category
			// is on top, as in the table.
			slices.Reverse(categoryAxis.Labels)
			for _, v := range values {
				slices.Reverse(v)
			}
		}
		opt := charts.NewBarChartOptionWithData(values)
		opt.Title, opt.Legend, opt.Padding, opt.ValueFormatter = title, legend, padding, formatter
		opt.Horizontal = c.Kind == ChartBar
		opt.CategoryAxis = categoryAxis
		opt.ValueAxis = []charts.ValueAxisOption{valueAxis}
		err = p.BarChart(opt)
	}
	if err != nil {
		return nil, fmt.Errorf("reportfile: draw chart %q: %w", c.Title, err)
	}
	png, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("reportfile: encode chart %q: %w", c.Title, err)
	}
	return png, nil
}

// countAxis makes a value axis of counts step by whole numbers from zero
// (1, 2, 5, 10, 20, ... per step, at most five steps) up to the first step
// at or above the largest value: left to itself the axis of three claims
// reads 0; 0,5; 1; 1,5 ...
func countAxis(a *charts.ValueAxisOption, values [][]float64) {
	top := 0.0
	for _, s := range values {
		for _, v := range s {
			if v != charts.GetNullValue() {
				top = max(top, v)
			}
		}
	}
	step := countStep(top)
	steps := max(math.Ceil(top/step), 1)
	lo, hi := 0.0, steps*step
	a.Min, a.Max = &lo, &hi
	a.LabelCount = int(steps) + 1
	a.PreferNiceIntervals = charts.Ptr(false)
}

// countStep is the whole step of a count axis up to top: the smallest of
// 1, 2, 5, 10, 20, 50, ... that divides it into at most five steps.
func countStep(top float64) float64 {
	for step := 1.0; ; step *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if top <= 5*m*step {
				return m * step
			}
		}
	}
}
