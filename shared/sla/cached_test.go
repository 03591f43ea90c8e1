package sla

import (
	"context"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
)

// docs is a document store that has nothing.
type docs struct{}

func (*docs) ConfigDoc(_ context.Context, name string) ([]byte, error) {
	return nil, apperr.Errorf(apperr.NotFound, "no document %s", name)
}

// TestCachedRefusesNoStore: an SLA cache over no document store (a typed
// nil included) is refused when wired; one over a store loads from it.
func TestCachedRefusesNoStore(t *testing.T) {
	var nilDocs *docs
	for _, store := range []DocStore{nil, nilDocs} {
		if c, err := Cached(store, time.Minute); c != nil || apperr.CodeOf(err) != apperr.Internal {
			t.Errorf("Cached(%#v) = %v, %v; want an Internal error", store, c, err)
		}
	}
	c, err := Cached(&docs{}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background()); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Get = %v, want the store's NotFound (wrapped)", err)
	}
}
