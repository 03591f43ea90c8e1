package search

import (
	"slices"
	"testing"
)

// TestIndexOfOtherAnalyzerRulesIsReanalysed: an index written by another
// analyzer version is indexed again from its stored texts when loaded, so
// it finds what the current rules find.
func TestIndexOfOtherAnalyzerRulesIsReanalysed(t *testing.T) {
	ix := New()
	ix.Put(Doc{ID: "a", Title: "Перегрев", Body: "Компрессор **перегревается** при нагрузке."})
	ix.Put(Doc{ID: "b", Title: "Pump", Body: "The pump overheats."})
	old := ix.encode(analyzerVersion + 1)
	back := New()
	if err := back.UnmarshalBinary(old); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{"перегрева": {"a"}, "нагрузки": {"a"}, "overheating": {"b"}} {
		var got []string
		for _, h := range back.Search(Query{Text: q}).Hits {
			got = append(got, h.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	// Written again, it is what the current rules write.
	if again, _ := back.MarshalBinary(); string(again) != string(ix.encode(analyzerVersion)) {
		t.Errorf("re-analysed index encodes differently from the original")
	}
}

// TestDamagedIndexIsRefused: any flipped byte fails the checksum (or the
// header).
func TestDamagedIndexIsRefused(t *testing.T) {
	ix := New()
	ix.Put(Doc{ID: "a", Title: "Перегрев", Body: "Компрессор перегревается."})
	data, _ := ix.MarshalBinary()
	for i := range data {
		bad := slices.Clone(data)
		bad[i] ^= 0x20
		if err := New().UnmarshalBinary(bad); err == nil {
			t.Fatalf("byte %d flipped: no error", i)
		}
	}
}
