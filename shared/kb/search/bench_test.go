package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/shared/kb/search"
)

// The generated knowledge base: articles of 3–8 KB in Russian (60%) and
// English, their words drawn with Zipf-like frequencies from a vocabulary
// of real words (inflected, for Russian) and made-up ones (the long tail of
// names and terms), linked to a few of 40 types and 60 models.
const (
	benchArticles = 10_000
	benchTypes    = 40
	benchModels   = 60
)

var ruStems = strings.Fields(`холодильник компрессор перегрев датчик температур двигател насос фильтр
	уплотнител двер вентилятор конденсатор испарител плат модул питани кабел разъем шум вибраци
	протечк вод слив барабан подшипник ремень щетк мотор тэн нагревател термостат реле предохранител
	панел дисплей кнопк ошибк код сбро настройк программ режим отжим стирк сушк гарантий ремонт
	замен диагностик проверк инструкци сервис мастер клиент претензи дефект поломк износ загрязнени
	коррози окислени трещин деформаци провод контакт замыкани напряжени сет розетк заземлени
	упаковк доставк транспортировк установк подключени эксплуатаци уход чистк смазк регулировк
	калибровк прошивк обновлени сигнал индикатор лампочк светодиод звук запах дым искр`)

var ruEndings = []string{"", "а", "у", "ом", "е", "и", "ов", "ам", "ами", "ах", "ы", "ой", "ей", "ия", "ии", "ию", "ием"}

var ruVerbs = strings.Fields(`проверьте замените отключите очистите снимите установите подключите убедитесь
	перегревается шумит протекает не включается выключается мигает гудит вибрирует нагревается
	охлаждает сливает отжимает работает остановился сломался треснул загорелся`)

var enWords = strings.Fields(`refrigerator compressor overheating overheat sensor temperature motor pump filter
	seal door fan condenser evaporator board module power cable connector noise vibration leak water
	drain drum bearing belt brush heater thermostat relay fuse panel display button error code reset
	setting program mode spin wash dry warranty repair replacement diagnostics check instruction
	service technician customer claim defect failure wear dirt corrosion crack deformation wire contact
	short circuit voltage outlet ground packaging delivery transport installation connection operation
	cleaning lubrication adjustment calibration firmware update signal indicator lamp led sound smell
	smoke spark replace remove install clean inspect verify unplug tighten loosen blinking humming
	leaking stopped broken cracked burning overheated overheats cooling heating draining spinning`)

var glue = map[string][]string{
	"ru": strings.Fields("и в на с по при для если после перед из под не что это как может нужно следует также"),
	"en": strings.Fields("the a of to and in on for with if after before from under not that this can should may also is are"),
}

// madeUp returns the k-th made-up word of a language (syllables), the
// vocabulary's long tail.
func madeUp(lang string, k int) string {
	syl := []string{"ка", "ро", "ми", "ст", "ла", "не", "то", "ви", "за", "пре", "ком", "тор"}
	if lang == "en" {
		syl = []string{"ka", "ro", "mi", "st", "la", "ne", "to", "vi", "za", "pre", "com", "tor"}
	}
	var b strings.Builder
	for k++; k > 0; k /= len(syl) {
		b.WriteString(syl[k%len(syl)])
	}
	return b.String()
}

// vocabulary is a language's words in rank order: real ones first.
func vocabulary(lang string) []string {
	var v []string
	if lang == "ru" {
		for i, s := range ruStems {
			v = append(v, s+ruEndings[i%len(ruEndings)])
		}
		v = append(v, ruVerbs...)
		for _, e := range ruEndings {
			for _, s := range ruStems {
				v = append(v, s+e)
			}
		}
	} else {
		v = append(v, enWords...)
	}
	for k := range 20_000 {
		v = append(v, madeUp(lang, k))
	}
	return v
}

// corpusGen draws articles.
type corpusGen struct {
	r     *rand.Rand
	vocab map[string][]string
	zipf  map[string]*rand.Zipf
}

func newCorpusGen(seed uint64) *corpusGen {
	g := &corpusGen{r: rand.New(rand.NewPCG(seed, 1)), vocab: map[string][]string{}, zipf: map[string]*rand.Zipf{}}
	for _, lang := range []string{"ru", "en"} {
		g.vocab[lang] = vocabulary(lang)
		// math/rand's Zipf takes a v1 source: a fixed-seed one per language.
		g.zipf[lang] = newZipf(seed, len(g.vocab[lang]))
	}
	return g
}

func (g *corpusGen) word(lang string) string {
	if g.r.IntN(3) == 0 {
		gl := glue[lang]
		return gl[g.r.IntN(len(gl))]
	}
	return g.vocab[lang][g.zipf[lang].Uint64()]
}

func (g *corpusGen) sentence(lang string, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = g.word(lang)
	}
	if g.r.IntN(8) == 0 {
		w[g.r.IntN(n)] = fmt.Sprintf("TX-%d", 100+g.r.IntN(benchModels)*10)
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (g *corpusGen) doc(i int, at time.Time) search.Doc {
	lang := "ru"
	if g.r.IntN(10) >= 6 {
		lang = "en"
	}
	var body strings.Builder
	size := 3000 + g.r.IntN(5000)
	for body.Len() < size {
		switch g.r.IntN(10) {
		case 0:
			fmt.Fprintf(&body, "## %s\n\n", g.sentence(lang, 3+g.r.IntN(4)))
		case 1:
			fmt.Fprintf(&body, "- %s\n- %s\n\n", g.sentence(lang, 5), g.sentence(lang, 6))
		case 2:
			fmt.Fprintf(&body, "См. [%s](https://kb.example.com/a/%d) и ![схема](https://cdn.example.com/%d.png).\n\n", g.word(lang), g.r.IntN(9999), i)
		default:
			for range 3 + g.r.IntN(4) {
				body.WriteString(g.sentence(lang, 6+g.r.IntN(12)))
				body.WriteByte(' ')
			}
			body.WriteString("\n\n")
		}
	}
	pick := func(prefix string, n, of int) []string {
		var out []string
		for range n {
			out = append(out, fmt.Sprintf("%s%02d", prefix, g.r.IntN(of)))
		}
		return out
	}
	audience, status := "public", "published"
	if g.r.IntN(3) == 0 {
		audience = "staff"
	}
	switch g.r.IntN(10) {
	case 0:
		status = "draft"
	case 1:
		status = "archived"
	}
	return search.Doc{
		ID: fmt.Sprintf("KB-%05d", i), Lang: lang, Title: g.sentence(lang, 3+g.r.IntN(5)), Body: body.String(),
		Types: pick("type-", 1+g.r.IntN(3), benchTypes), Models: pick("model-", g.r.IntN(4), benchModels),
		Categories: pick("cat-", 1, 8), RootCauses: pick("rc-", g.r.IntN(2), 20),
		Audience: audience, Status: status, UpdatedAt: at.Add(-time.Duration(i) * time.Hour),
	}
}

// query draws a user's query: 1–3 words (the rarer words less often), a
// third of them being typed (the last word cut), with a type filter in a
// third, a model filter in a fifth, the public's restrictions in a half.
func (g *corpusGen) query() search.Query {
	lang := "ru"
	if g.r.IntN(2) == 0 {
		lang = "en"
	}
	n := 1 + g.r.IntN(3)
	words := make([]string, n)
	for i := range words {
		// Queries use the head of the vocabulary: what articles are about.
		v := g.vocab[lang]
		words[i] = v[g.zipf[lang].Uint64()%uint64(min(len(v), 400))]
	}
	text := strings.Join(words, " ")
	if g.r.IntN(3) == 0 {
		if r := []rune(text); len(r) > 6 {
			text = string(r[:len(r)-2])
		}
	}
	q := search.Query{Text: text}
	if g.r.IntN(3) == 0 {
		q.Types = []string{fmt.Sprintf("type-%02d", g.r.IntN(benchTypes))}
	}
	if g.r.IntN(5) == 0 {
		q.Models = []string{fmt.Sprintf("model-%02d", g.r.IntN(benchModels))}
	}
	if g.r.IntN(2) == 0 {
		q.Audiences, q.Statuses = []string{"public"}, []string{"published"}
	}
	if g.r.IntN(10) == 0 {
		q.Text = "" // a list of filters only
	}
	return q
}

// benchIndex builds the generated knowledge base's index and reports how.
type benchBuild struct {
	ix          *search.Index
	data        []byte
	build       time.Duration
	heap        uint64
	textBytes   int
	unmarshal   time.Duration
	marshalTime time.Duration
	loadedHeap  uint64 // what the decoded index holds
}

func buildBenchIndex(b *testing.B) *benchBuild {
	b.Helper()
	g := newCorpusGen(42)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	out := &benchBuild{}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	ix := search.New()
	for i := range benchArticles {
		d := g.doc(i, at) // generated one at a time: only the index stays
		out.textBytes += len(d.Title) + len(d.Body)
		start := time.Now()
		ix.Put(d)
		out.build += time.Since(start)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	out.heap = m1.HeapAlloc - min(m1.HeapAlloc, m0.HeapAlloc)
	start := time.Now()
	data, err := ix.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	out.marshalTime = time.Since(start)
	runtime.GC()
	var m2, m3 runtime.MemStats
	runtime.ReadMemStats(&m2)
	start = time.Now()
	back := search.New()
	if err := back.UnmarshalBinary(data); err != nil {
		b.Fatal(err)
	}
	out.unmarshal = time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m3)
	out.loadedHeap = m3.HeapAlloc - min(m3.HeapAlloc, m2.HeapAlloc)
	out.ix, out.data = back, data
	runtime.KeepAlive(ix)
	return out
}

// BenchmarkKBSearch measures searches of a knowledge base of 10 000
// generated articles in memory (what a request does once the function
// holds the index): a mix of 1–3-word queries in both languages, typed or
// finished, with and without filters.
func BenchmarkKBSearch(b *testing.B) {
	bb := buildBenchIndex(b)
	g := newCorpusGen(7)
	queries := make([]search.Query, 1000)
	for i := range queries {
		queries[i] = g.query()
	}
	lat := make([]time.Duration, 0, b.N)
	hits := 0
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		r := bb.ix.Search(queries[i%len(queries)])
		lat = append(lat, time.Since(start))
		hits += r.Total
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(float64(len(bb.data))/(1<<20), "index-MB")
	if b.N >= 100 {
		fmt.Printf("\nKnowledge base search (%d generated articles, %.1f MB of Markdown; %d queries, mean %d matches)\n",
			bb.ix.Len(), float64(bb.textBytes)/(1<<20), b.N, hits/b.N)
		fmt.Printf("  search latency     p50 %6.2f ms   p99 %6.2f ms (in memory)\n", ms(p50), ms(p99))
		fmt.Printf("  index              %.1f MB encoded; heap %.0f MB built, %.0f MB decoded\n",
			float64(len(bb.data))/(1<<20), float64(bb.heap)/(1<<20), float64(bb.loadedHeap)/(1<<20))
		fmt.Printf("  build              %s (Put of each article), encoded in %s, decoded (cold load) in %s\n\n",
			bb.build.Round(time.Millisecond), bb.marshalTime.Round(time.Millisecond), bb.unmarshal.Round(time.Millisecond))
	}
}

// newZipf returns a Zipf-like rank generator over n ranks (s = 1.1).
func newZipf(seed uint64, n int) *rand.Zipf {
	return rand.NewZipf(rand.New(rand.NewPCG(seed, 2)), 1.1, 2, uint64(n-1))
}

// BenchmarkKBIndexStore measures the stored index of the same 10 000
// articles through the local stack's embedded S3 and DynamoDB: a cold
// Index (a new function instance: one GetItem, the object's download and
// decoding) and an Update of one article (copy, encode, upload, the
// pointer's conditional write, the superseded object's delete).
func BenchmarkKBIndexStore(b *testing.B) {
	be := newBackend(b)
	ctx := context.Background()
	g := newCorpusGen(42)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	docs := func(yield func(search.Doc, error) bool) {
		for i := range benchArticles {
			if !yield(g.doc(i, at), nil) {
				return
			}
		}
	}
	start := time.Now()
	if err := be.store(b, time.Now).Rebuild(ctx, docs); err != nil {
		b.Fatal(err)
	}
	rebuild := time.Since(start)
	p, err := be.pointers.IndexPointer(ctx)
	if err != nil {
		b.Fatal(err)
	}
	writer := be.store(b, time.Now)
	if _, err := writer.Index(ctx); err != nil {
		b.Fatal(err)
	}
	var cold, update []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		ix, err := be.store(b, time.Now).Index(ctx)
		if err != nil {
			b.Fatal(err)
		}
		cold = append(cold, time.Since(start))
		if ix.Len() != benchArticles+i {
			b.Fatalf("cold index has %d articles, want %d", ix.Len(), benchArticles+i)
		}
		d := g.doc(benchArticles+i, at)
		start = time.Now()
		if err := writer.Update(ctx, func(ix *search.Index) { ix.Put(d) }); err != nil {
			b.Fatal(err)
		}
		update = append(update, time.Since(start))
	}
	b.StopTimer()
	median := func(l []time.Duration) time.Duration {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		return l[len(l)/2]
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(median(cold)), "cold-load-ms")
	b.ReportMetric(ms(median(update)), "update-ms")
	if b.N < 3 {
		return // the framework's first round
	}
	fmt.Printf("\nKnowledge base index in the bucket and table (%d articles, object %.1f MB; embedded S3 and DynamoDB)\n", p.Docs, float64(p.Size)/(1<<20))
	fmt.Printf("  Store.Index cold   median %6.0f ms (GetItem, download, decode)\n", ms(median(cold)))
	fmt.Printf("  Store.Update       median %6.0f ms (one article: copy, encode, upload, conditional pointer write)\n", ms(median(update)))
	fmt.Printf("  Store.Rebuild      %s (analyse %d articles, encode, upload)\n\n", rebuild.Round(time.Millisecond), benchArticles)
}
