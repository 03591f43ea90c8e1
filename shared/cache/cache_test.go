package cache

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestValue(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	loads, fail := 0, false
	c := &Value[int]{
		TTL: time.Minute,
		Now: func() time.Time { return now },
		Load: func(context.Context) (int, error) {
			if fail {
				return 0, errors.New("table unavailable")
			}
			loads++
			return loads, nil
		},
	}
	get := func() int {
		t.Helper()
		v, err := c.Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := get(); v != 1 {
		t.Fatalf("first Get = %d, want 1", v)
	}
	now = now.Add(59 * time.Second)
	if v := get(); v != 1 {
		t.Errorf("Get within the TTL = %d, want the cached 1", v)
	}
	now = now.Add(2 * time.Second)
	if v := get(); v != 2 {
		t.Errorf("Get after the TTL = %d, want a reload (2)", v)
	}
	fail = true
	now = now.Add(time.Hour)
	if v := get(); v != 2 {
		t.Errorf("Get with a failing reload = %d, want the last good 2", v)
	}
	c.Invalidate()
	if _, err := c.Get(context.Background()); err == nil {
		t.Error("Get after Invalidate with a failing load returned no error")
	}
}
