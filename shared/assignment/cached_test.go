package assignment

import (
	"context"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
)

// source is a roster source that counts its reads.
type source struct{ reads int }

func (s *source) Roster(context.Context) (*Roster, error) {
	s.reads++
	return &Roster{Managers: []Manager{{ID: "anna", Active: true}, {ID: "boris"}}}, nil
}

func (s *source) OpenWorkload(_ context.Context, ids []string) (map[string]int, error) {
	out := map[string]int{}
	for _, id := range ids {
		out[id] = 3
	}
	return out, nil
}

// TestCachedRefusesNoSource: a roster cache over nothing (a typed nil
// included) is refused when wired, not when the first claim comes in; one
// over a source reads it once per TTL with the active managers' workload.
func TestCachedRefusesNoSource(t *testing.T) {
	var nilSource *source
	for _, src := range []Source{nil, nilSource} {
		if c, err := Cached(src, time.Minute); c != nil || apperr.CodeOf(err) != apperr.Internal {
			t.Errorf("Cached(%#v) = %v, %v; want an Internal error", src, c, err)
		}
	}
	src := &source{}
	c, err := Cached(src, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r, err := c.Get(context.Background())
		if err != nil || r.Workload["anna"] != 3 || r.Workload["boris"] != 0 {
			t.Fatalf("Get = %+v, %v; want anna's workload only", r, err)
		}
	}
	if src.reads != 1 {
		t.Errorf("the source was read %d times, want once within the TTL", src.reads)
	}
}
