package search_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/kb/search"
)

var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func ids(r search.Result) []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchFindsRussianAndEnglishForms(t *testing.T) {
	ix := search.New()
	ix.Put(search.Doc{ID: "ru1", Lang: "ru", Title: "Перегрев компрессора", Body: "Если холодильник **перегревается**, проверьте [решётку](https://example.com/x).", Types: []string{"fridge"}, Audience: "public", Status: "published", UpdatedAt: t0})
	ix.Put(search.Doc{ID: "en1", Lang: "en", Title: "Overheating pump", Body: "The pump may overheat when the filter is clogged.", Types: []string{"washer"}, Audience: "staff", Status: "published", UpdatedAt: t0})
	for _, tc := range []struct {
		q    search.Query
		want []string
	}{
		{search.Query{Text: "перегрева"}, []string{"ru1"}},
		{search.Query{Text: "перегревается решетка"}, []string{"ru1"}},
		{search.Query{Text: "pump overheats"}, []string{"en1"}},
		{search.Query{Text: "example"}, []string{}},
		{search.Query{Text: "overheating", Types: []string{"fridge"}}, []string{}},
		{search.Query{Types: []string{"fridge", "washer"}}, []string{"en1", "ru1"}},
	} {
		if diff := cmp.Diff(tc.want, ids(ix.Search(tc.q))); diff != "" {
			t.Errorf("Search(%+v) mismatch (-want +got):\n%s", tc.q, diff)
		}
	}
	data, err := ix.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back := search.New()
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ix.Search(search.Query{Text: "pump"}), back.Search(search.Query{Text: "pump"})); diff != "" {
		t.Errorf("after round trip mismatch (-want +got):\n%s", diff)
	}
	ix.Delete("en1")
	if got := ix.Len(); got != 1 {
		t.Errorf("Len after Delete = %d, want 1", got)
	}
}
