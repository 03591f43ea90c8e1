package search_test

import (
	"fmt"
	"strings"
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

// corpus is a small knowledge base in both languages.
func corpus() *search.Index {
	ix := search.New()
	for i, d := range []search.Doc{
		{ID: "ru-overheat", Lang: "ru", Title: "Перегрев компрессора", Body: "Если холодильник **перегревается**, проверьте [решётку конденсатора](https://example.com/grille-photo).\n\n![Схема](https://cdn.example.com/scheme.png)",
			Types: []string{"fridge"}, Models: []string{"TX-200"}, Audience: "public", Status: "published"},
		{ID: "ru-noise", Lang: "ru", Title: "Шум при отжиме", Body: "Стиральная машина шумит при отжиме: проверьте транспортировочные болты. Перегрева двигателя при этом нет. Если шум остался, обратитесь в сервис-центр.",
			Types: []string{"washer"}, Models: []string{"A3"}, Audience: "staff", Status: "published"},
		{ID: "en-pump", Lang: "en", Title: "Pump overheating", Body: "The drain pump may overheat when the filter is clogged. Clean the filter.",
			Types: []string{"washer"}, Models: []string{"A3", "A5"}, Audience: "public", Status: "draft"},
		{ID: "en-wifi", Lang: "en", Title: "Wi-Fi module does not connect", Body: "Reset the Wi-Fi module of the TX-200: hold the button for 5 seconds. Ёлка is not a model.",
			Types: []string{"fridge"}, Models: []string{"TX-200"}, Audience: "public", Status: "archived"},
	} {
		d.UpdatedAt = t0.Add(time.Duration(i) * time.Hour)
		ix.Put(d)
	}
	return ix
}

func TestSearchMatchesWordFormsAndCodes(t *testing.T) {
	ix := corpus()
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"Russian forms: перегрев", "перегрев", []string{"ru-overheat", "ru-noise"}},
		{"Russian forms: перегрева", "перегрева ", []string{"ru-overheat", "ru-noise"}},
		{"Russian forms: перегревается", "перегревается компрессор", []string{"ru-overheat"}},
		{"ё and е are one letter", "решетка", []string{"ru-overheat"}},
		{"ё in the query", "ёлка", []string{"en-wifi"}},
		{"English: overheat", "overheat", []string{"en-pump"}},
		{"English: overheating", "overheating", []string{"en-pump"}},
		{"English: overheats filters", "overheats filters", []string{"en-pump"}},
		{"all words must match", "pump wifi", []string{}},
		{"model code as typed", "TX-200", []string{"en-wifi"}},
		{"model code without its hyphen", "tx200 module", []string{"en-wifi"}},
		{"short code", "a3", []string{}},
		{"compound", "wifi", []string{"en-wifi"}},
		{"compound as typed", "Wi-Fi ", []string{"en-wifi"}},
		{"a compound's parts", "сервис центра", []string{"ru-noise"}},
		{"a compound's form", "сервис-центре", []string{"ru-noise"}},
		{"a code's number", "200", []string{"en-wifi"}},
		{"link URLs are not text", "example", []string{}},
		{"image URLs are not text", "cdn png", []string{}},
		{"image alt text is", "схема", []string{"ru-overheat"}},
		{"mixed languages", "стиральная болты", []string{"ru-noise"}},
		{"typing the last word", "стиральная маш", []string{"ru-noise"}},
		{"a finished word is not a prefix", "стиральная маш ", []string{}},
		{"typing a Russian stem", "перегре", []string{"ru-overheat", "ru-noise"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ids(ix.Search(search.Query{Text: tc.text}))); diff != "" {
				t.Errorf("Search(%q) mismatch (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

func TestStopWordsAreNotSearched(t *testing.T) {
	ix := corpus()
	// "the" and "при" are in nearly every text; a query of stop words only
	// lists everything newest first, like an empty one.
	if got, want := ids(ix.Search(search.Query{Text: "the pump"})), []string{"en-pump"}; !cmp.Equal(got, want) {
		t.Errorf("the pump: got %v, want %v", got, want)
	}
	if got, want := ids(ix.Search(search.Query{Text: "и при"})), []string{"en-wifi", "en-pump", "ru-noise", "ru-overheat"}; !cmp.Equal(got, want) {
		t.Errorf("stop words only: got %v, want %v", got, want)
	}
}

func TestTitleMatchesRankAboveBodyMatches(t *testing.T) {
	ix := search.New()
	body := strings.Repeat("Общий текст о ремонте техники. ", 5)
	// Newer documents first on equal scores: the body match is the newest,
	// so only the title's weight can put the title match first.
	ix.Put(search.Doc{ID: "title", Title: "Замена уплотнителя двери", Body: body, UpdatedAt: t0})
	ix.Put(search.Doc{ID: "body", Title: "Дверь холодильника", Body: body + " Иногда нужна замена уплотнителя.", UpdatedAt: t0.Add(time.Hour)})
	ix.Put(search.Doc{ID: "other", Title: "Другое", Body: body, UpdatedAt: t0.Add(2 * time.Hour)})
	r := ix.Search(search.Query{Text: "уплотнитель"})
	if diff := cmp.Diff([]string{"title", "body"}, ids(r)); diff != "" {
		t.Fatalf("mismatch (-want +got):\n%s", diff)
	}
	if r.Hits[0].Score <= r.Hits[1].Score {
		t.Errorf("title score %v not above body score %v", r.Hits[0].Score, r.Hits[1].Score)
	}
	// More occurrences rank higher among body matches; equal ones go newest first.
	ix.Put(search.Doc{ID: "twice", Title: "Дверь", Body: body + " Уплотнитель. Ещё раз уплотнитель.", UpdatedAt: t0})
	if diff := cmp.Diff([]string{"title", "twice", "body"}, ids(ix.Search(search.Query{Text: "уплотнитель"}))); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestFilters(t *testing.T) {
	ix := corpus()
	for _, tc := range []struct {
		name string
		q    search.Query
		want []string
	}{
		{"type", search.Query{Types: []string{"fridge"}}, []string{"en-wifi", "ru-overheat"}},
		{"any of the types", search.Query{Types: []string{"fridge", "washer"}}, []string{"en-wifi", "en-pump", "ru-noise", "ru-overheat"}},
		{"model", search.Query{Models: []string{"A5"}}, []string{"en-pump"}},
		{"type and model", search.Query{Types: []string{"fridge"}, Models: []string{"A3"}}, []string{}},
		{"text and type", search.Query{Text: "перегрев", Types: []string{"washer"}}, []string{"ru-noise"}},
		{"audience", search.Query{Audiences: []string{"staff"}}, []string{"ru-noise"}},
		{"statuses", search.Query{Statuses: []string{"draft", "archived"}}, []string{"en-wifi", "en-pump"}},
		{"language", search.Query{Lang: "ru"}, []string{"ru-noise", "ru-overheat"}},
		{"text and language", search.Query{Text: "перегрев", Lang: "en"}, []string{}},
		{"unknown type", search.Query{Types: []string{"oven"}}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ix.Search(tc.q)
			if diff := cmp.Diff(tc.want, ids(r)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if r.Total != len(tc.want) {
				t.Errorf("Total = %d, want %d", r.Total, len(tc.want))
			}
		})
	}
}

func TestHitsCarryTheDocumentAndASnippet(t *testing.T) {
	ix := search.New()
	long := strings.Repeat("Вводный текст без нужного слова. ", 20)
	ix.Put(search.Doc{ID: "a", Lang: "ru", Title: "Дверца", Body: "## Причина\n\n" + long + "Потом **уплотнитель** стоит [заменить](https://x.example/a).", Types: []string{"t1"}, Models: []string{"m1"},
		Audience: "public", Status: "published", Summary: "Кратко.", UpdatedAt: t0})
	r := ix.Search(search.Query{Text: "уплотнителя"})
	if len(r.Hits) != 1 {
		t.Fatalf("hits = %v", r.Hits)
	}
	h := r.Hits[0]
	if diff := cmp.Diff(search.Hit{ID: "a", Lang: "ru", Title: "Дверца", Summary: "Кратко.", Audience: "public", Status: "published", Types: []string{"t1"}, Models: []string{"m1"}},
		h, cmpIgnoring("Score", "Snippet")); diff != "" {
		t.Errorf("hit mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(h.Snippet, "…") || !strings.Contains(h.Snippet, "Потом уплотнитель стоит заменить.") || strings.Contains(h.Snippet, "http") {
		t.Errorf("snippet %q: want an excerpt around the match, without Markdown or URLs", h.Snippet)
	}
	// No summary given: the body's text begins it.
	ix.Put(search.Doc{ID: "b", Title: "Без резюме", Body: "# Заголовок\n\nПервый *абзац* статьи. " + long})
	h = ix.Search(search.Query{Text: "резюме"}).Hits[0]
	if !strings.HasPrefix(h.Summary, "Заголовок Первый абзац статьи.") || len([]rune(h.Summary)) > 201 {
		t.Errorf("summary %q: want the body's first ~200 characters of text", h.Summary)
	}
}

func cmpIgnoring(fields ...string) cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		for _, f := range fields {
			if p.Last().String() == "."+f {
				return true
			}
		}
		return false
	}, cmp.Ignore())
}

func TestPagination(t *testing.T) {
	ix := search.New()
	for i := range 45 {
		ix.Put(search.Doc{ID: fmt.Sprintf("d%02d", i), Title: "Инструкция", Body: "Проверка датчика", UpdatedAt: t0.Add(time.Duration(i) * time.Minute)})
	}
	var all []string
	for off := 0; ; off += 20 {
		r := ix.Search(search.Query{Text: "датчик", Offset: off})
		if r.Total != 45 {
			t.Fatalf("Total = %d, want 45", r.Total)
		}
		if len(r.Hits) == 0 {
			break
		}
		all = append(all, ids(r)...)
	}
	if len(all) != 45 || all[0] != "d44" || all[44] != "d00" {
		t.Errorf("pages gave %d hits from %v to %v, want 45 from d44 to d00", len(all), all[0], all[len(all)-1])
	}
	if n := len(ix.Search(search.Query{Limit: 1000}).Hits); n != 45 {
		t.Errorf("Limit 1000 gave %d hits, want all 45 (at most %d)", n, search.MaxLimit)
	}
	if n := len(ix.Search(search.Query{Limit: 5, Offset: 43}).Hits); n != 2 {
		t.Errorf("last page has %d hits, want 2", n)
	}
}

func TestPutReplacesAndDeleteRemoves(t *testing.T) {
	ix := corpus()
	ix.Put(search.Doc{ID: "en-pump", Lang: "en", Title: "Door seal", Body: "Replace the seal.", UpdatedAt: t0})
	if got := ids(ix.Search(search.Query{Text: "pump"})); len(got) != 0 {
		t.Errorf("old text still found: %v", got)
	}
	if diff := cmp.Diff([]string{"en-pump"}, ids(ix.Search(search.Query{Text: "seal"}))); diff != "" {
		t.Errorf("new text mismatch (-want +got):\n%s", diff)
	}
	ix.Delete("en-pump")
	ix.Delete("no-such")
	if got := ids(ix.Search(search.Query{Text: "seal"})); len(got) != 0 {
		t.Errorf("deleted document found: %v", got)
	}
	if ix.Len() != 3 {
		t.Errorf("Len = %d, want 3", ix.Len())
	}
	// The remaining documents are still found by every word.
	if diff := cmp.Diff([]string{"ru-overheat", "ru-noise"}, ids(ix.Search(search.Query{Text: "перегрев"}))); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	ix := corpus()
	ix.Delete("ru-noise") // a hole in the document numbers
	data, err := ix.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back := search.New()
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if back.Len() != 3 {
		t.Errorf("Len = %d, want 3", back.Len())
	}
	for _, q := range []search.Query{{Text: "перегрев"}, {Text: "pump"}, {Text: "wi"}, {Types: []string{"fridge"}}, {Models: []string{"A5"}, Text: "filter"}} {
		if diff := cmp.Diff(ix.Search(q), back.Search(q)); diff != "" {
			t.Errorf("Search(%+v) after round trip mismatch (-want +got):\n%s", q, diff)
		}
	}
	again, _ := back.MarshalBinary()
	if string(again) != string(data) {
		t.Errorf("encoding is not stable: %d bytes, then %d", len(data), len(again))
	}
	// The decoded index takes changes like any other.
	back.Put(search.Doc{ID: "new", Title: "Pump noise", UpdatedAt: t0})
	if diff := cmp.Diff([]string{"en-pump", "new"}, ids(back.Search(search.Query{Text: "pump"}))); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	// Updated times survive, including none.
	back.Put(search.Doc{ID: "zero", Title: "Zero time"})
	data, _ = back.MarshalBinary()
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if n := len(back.Search(search.Query{Text: "zero"}).Hits); n != 1 {
		t.Errorf("document without a time: %d hits", n)
	}
}

func TestUnmarshalRefusesWhatIsNotAnIndex(t *testing.T) {
	data, _ := corpus().MarshalBinary()
	future := append([]byte("KBIX"), 9)
	future = append(future, data[5:]...)
	for name, b := range map[string][]byte{
		"empty":          nil,
		"other":          []byte("PK\x03\x04 a zip file"),
		"future format":  future,
		"truncated":      data[:len(data)/2],
		"trailing bytes": append(append([]byte{}, data...), 0),
	} {
		ix := corpus()
		if err := ix.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: no error", name)
		} else if ix.Len() != 4 {
			t.Errorf("%s: the index changed on error (Len %d)", name, ix.Len())
		}
	}
}

func TestCloneIsIndependent(t *testing.T) {
	ix := corpus()
	c := ix.Clone()
	c.Delete("en-pump")
	c.Put(search.Doc{ID: "x", Title: "pump station"})
	if diff := cmp.Diff([]string{"en-pump"}, ids(ix.Search(search.Query{Text: "pump"}))); diff != "" {
		t.Errorf("original changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"x"}, ids(c.Search(search.Query{Text: "pump"}))); diff != "" {
		t.Errorf("clone mismatch (-want +got):\n%s", diff)
	}
	// A clone of an index with gaps (replaced, deleted documents) holds
	// the same and encodes the same.
	ix.Put(search.Doc{ID: "ru-noise", Title: "Шум при отжиме", Body: "Проверьте болты.", UpdatedAt: t0})
	ix.Delete("en-wifi")
	c = ix.Clone()
	for _, q := range []search.Query{{Text: "болты"}, {Text: "перегрев"}, {}} {
		if diff := cmp.Diff(ix.Search(q), c.Search(q)); diff != "" {
			t.Errorf("Search(%+v) on the clone mismatch (-want +got):\n%s", q, diff)
		}
	}
	a, _ := ix.MarshalBinary()
	b, _ := c.MarshalBinary()
	if string(a) != string(b) {
		t.Errorf("the clone encodes differently")
	}
}

// TestTypedWordExpandsToItsMostFrequentTerms: a word being typed that
// begins more terms than are searched takes the most frequent ones.
func TestTypedWordExpandsToItsMostFrequentTerms(t *testing.T) {
	ix := search.New()
	for i := range 100 {
		ix.Put(search.Doc{ID: fmt.Sprintf("rare%03d", i), Title: fmt.Sprintf("Code KB%d", 1000+i)})
	}
	for i := range 10 {
		ix.Put(search.Doc{ID: fmt.Sprintf("common%d", i), Title: "Code KB1999"})
	}
	r := ix.Search(search.Query{Text: "code kb1", Limit: 100})
	common := 0
	for _, h := range r.Hits {
		if strings.HasPrefix(h.ID, "common") {
			common++
		}
	}
	if common != 10 || r.Total != 10+63 {
		t.Errorf("typing kb1 found %d of the 10 documents of the frequent term, %d in all; want 10 and 73 (64 terms)", common, r.Total)
	}
	// Finished, the word is a term of its own: none is "kb1".
	if r := ix.Search(search.Query{Text: "code kb1 "}); r.Total != 0 {
		t.Errorf("finished kb1 found %d", r.Total)
	}
}

// TestLongQueriesAreCut: words past the 32nd are not searched for.
func TestLongQueriesAreCut(t *testing.T) {
	ix := corpus()
	text := strings.Repeat("перегрев ", 32) + "отсутствующееслово"
	if got := ids(ix.Search(search.Query{Text: text})); !cmp.Equal(got, []string{"ru-overheat", "ru-noise"}) {
		t.Errorf("got %v", got)
	}
}

// TestPagesOfManyMatches: pages far smaller than the matches (selected,
// not sorted whole: offsets 0, 5 and 60) follow the order of a full
// listing.
func TestPagesOfManyMatches(t *testing.T) {
	ix := search.New()
	const n = 300
	for i := range n {
		// Scattered times: the order is not the insertion order.
		ix.Put(search.Doc{ID: fmt.Sprintf("d%03d", i), Title: "Датчик", UpdatedAt: t0.Add(time.Duration(i*7919%n) * time.Minute)})
	}
	all := ids(ix.Search(search.Query{Text: "датчик", Limit: 100})) // sorted whole (100*4 >= 300)
	for off := 100; off < n; off += 100 {
		all = append(all, ids(ix.Search(search.Query{Text: "датчик", Limit: 100, Offset: off}))...)
	}
	if len(all) != n {
		t.Fatalf("full listing has %d, want %d", len(all), n)
	}
	for _, off := range []int{0, 5, 60, 150, 295} {
		got := ids(ix.Search(search.Query{Text: "датчик", Limit: 5, Offset: off}))
		if diff := cmp.Diff(all[off:off+5], got); diff != "" {
			t.Errorf("page at %d mismatch (-want +got):\n%s", off, diff)
		}
	}
	// Newest first on equal scores: minute 299 is d(299·7919⁻¹ mod 300).
	newest := ""
	for i := range n {
		if i*7919%n == n-1 {
			newest = fmt.Sprintf("d%03d", i)
		}
	}
	if all[0] != newest {
		t.Errorf("first %s, want the newest %s", all[0], newest)
	}
}
