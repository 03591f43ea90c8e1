package documents

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// benchPeak runs render b.N times and reports, besides ns/op, the peak of
// the heap's live and not yet collected objects while it ran (peak-MB,
// sampled every half millisecond from runtime/metrics, which does not stop
// the world): what a function rendering the document needs of its memory.
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
		pdf, err := render()
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
		read()
	}
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-MB")
	b.ReportMetric(float64(size)/1024, "pdf-KB")
}

// BenchmarkRenderClaimSheet renders the claimant's copy of a claim with an
// order of 3 lines and 6 photo thumbnails (target: under 200 ms and 64 MB).
func BenchmarkRenderClaimSheet(b *testing.B) {
	s := testClaimSheet(b, "ru")
	s.Files = s.Files[:6]
	benchPeak(b, func() ([]byte, error) { return RenderClaimSheet(s) })
}

// BenchmarkRenderTorg2 renders a TORG-2 act of 120 lines (target: under
// 200 ms and 64 MB).
func BenchmarkRenderTorg2(b *testing.B) {
	a := testTorg2(120)
	benchPeak(b, func() ([]byte, error) { return RenderTorg2(a) })
}

// BenchmarkRenderDecisionLetter renders a one-page decision letter.
func BenchmarkRenderDecisionLetter(b *testing.B) {
	l := testLetter("ru")
	benchPeak(b, func() ([]byte, error) { return RenderDecisionLetter(l) })
}
