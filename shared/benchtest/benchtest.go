// Package benchtest measures what the benchmarks report beyond time: the
// peak of the heap while something is made (what a function making it
// needs of its memory). It is for benchmarks only.
//
// Layer: testing.
package benchtest

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// Peak runs produce b.N times and reports, besides ns/op, the peak of the
// heap's live and not yet collected objects while it ran (peak-MB, sampled
// every half millisecond from runtime/metrics, which does not stop the
// world) and the size of what it made (unit, in KB: "pdf-KB", "xlsx-KB").
func Peak(b *testing.B, unit string, produce func() ([]byte, error)) {
	b.Helper()
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
		out, err := produce()
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
		read()
	}
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-MB")
	b.ReportMetric(float64(size)/1024, unit)
}
