package reportfile

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// benchPeak runs render b.N times and reports, besides ns/op, the peak of
// the heap's live and not yet collected objects while it ran (peak-MB,
// sampled every half millisecond from runtime/metrics, as the documents'
// benchmarks do) and the file's size.
func benchPeak(b *testing.B, render func() ([]byte, error)) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				read()
			}
		}
	}()
	b.ReportAllocs()
	size := 0
	for b.Loop() {
		out, err := render()
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
		read()
	}
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-MB")
	b.ReportMetric(float64(size)/1024, "file-KB")
}

// BenchmarkPDFTwoCharts renders a report of 12 months by 10 groups: a
// column chart of the months and a bar chart of the groups, then a
// 120-row table (target: under 1 s and 64 MB).
func BenchmarkPDFTwoCharts(b *testing.B) {
	r := testReport("ru", 120)
	r.Charts = []Chart{monthsChart(10), groupsChart(10)}
	benchPeak(b, func() ([]byte, error) { return PDF(r) })
}

// BenchmarkXLSX writes a workbook of 10,000 rows and two chart sheets.
func BenchmarkXLSX(b *testing.B) {
	r := testReport("ru", 10_000)
	benchPeak(b, func() ([]byte, error) { return XLSX(r) })
}

// BenchmarkCSV writes 10,000 rows as CSV.
func BenchmarkCSV(b *testing.B) {
	r := testReport("ru", 10_000)
	benchPeak(b, func() ([]byte, error) { return CSV(r) })
}
