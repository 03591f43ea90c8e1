package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/kb/search"
)

// writeKBIndex adds the knowledge base's search index pointer at its
// second version.
func writeKBIndex(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	for v := int64(1); v <= 2; v++ {
		p := search.Pointer{Version: v, Key: "kb/index/00000000000" + string(rune('0'+v)) + "-abc.bin", Docs: 10, Size: 2048, UpdatedAt: scenarioAt}
		if err := s.SwapIndexPointer(ctx, v-1, p); err != nil {
			t.Fatalf("scenario: search index pointer: %v", err)
		}
	}
}

// TestIndexPointerMovesOnlyFromTheVersionItReplaces: the pointer moves
// from none to 1 to 2; a writer that started from a version since replaced
// gets a Conflict and changes nothing.
func TestIndexPointerMovesOnlyFromTheVersionItReplaces(t *testing.T) {
	s := mustStore(t, st.Services(t).Clients.DynamoDB)
	ctx := context.Background()
	got, err := s.IndexPointer(ctx)
	if err != nil || got != (search.Pointer{}) {
		t.Fatalf("IndexPointer before any = %+v, %v; want the zero pointer", got, err)
	}
	at := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	first := search.Pointer{Version: 1, Key: "kb/index/1-a.bin", Docs: 3, Size: 100, UpdatedAt: at}
	second := search.Pointer{Version: 2, Key: "kb/index/2-b.bin", Docs: 4, Size: 120, UpdatedAt: at.Add(time.Second)}
	if err := s.SwapIndexPointer(ctx, 0, first); err != nil {
		t.Fatal(err)
	}
	if err := s.SwapIndexPointer(ctx, 0, search.Pointer{Version: 1, Key: "kb/index/1-other.bin"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a second first version: %v, want a Conflict", err)
	}
	if err := s.SwapIndexPointer(ctx, 1, second); err != nil {
		t.Fatal(err)
	}
	if err := s.SwapIndexPointer(ctx, 1, search.Pointer{Version: 2, Key: "kb/index/2-other.bin"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a second version 2: %v, want a Conflict", err)
	}
	if err := s.SwapIndexPointer(ctx, 2, search.Pointer{Version: 2, Key: "kb/index/2-c.bin"}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("a version not after its predecessor: %v, want Invalid", err)
	}
	got, err = s.IndexPointer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(second, got); diff != "" {
		t.Errorf("pointer mismatch (-want +got):\n%s", diff)
	}
}
