package lazyre

import (
	"sync"
	"testing"
)

func TestRegexp(t *testing.T) {
	r := New(`^RC-(\d{4})-\d{6}$`)
	if r.re != nil {
		t.Fatal("compiled before first use")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if !r.MatchString("RC-2026-000001") || r.MatchString("RC-26-1") {
				t.Error("wrong match")
			}
		})
	}
	wg.Wait()
	if m := r.FindStringSubmatch("RC-2026-000123"); len(m) != 2 || m[1] != "2026" {
		t.Errorf("submatch %v", m)
	}
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression did not panic on use")
		}
	}()
	New(`(`).MatchString("x")
}
