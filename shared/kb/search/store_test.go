package search_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/kb/search"
	"github.com/claimsdesk/backend/shared/s3files"
)

// backend is the project's table and bucket on the embedded AWS services,
// with what the stores do to them counted.
type backend struct {
	p        *stack.Provisioned
	bucket   string
	pointers *countingPointers
	objects  *countingObjects
}

func newBackend(t testing.TB) *backend {
	t.Helper()
	p := st.Services(t)
	db, err := dynamo.New(dynamo.Config{Client: p.Clients.DynamoDB, Table: "claims-Table"})
	if err != nil {
		t.Fatal(err)
	}
	bucket := p.Model.Buckets[0].Name
	files, err := s3files.New(s3files.Config{Client: p.Clients.S3, Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	return &backend{p: p, bucket: bucket, pointers: &countingPointers{Pointers: db}, objects: &countingObjects{Objects: files}}
}

// store returns a Store on the backend, as one function instance has (each
// call: another instance, with its own memory), on clock.
func (b *backend) store(t testing.TB, clock func() time.Time) *search.Store {
	t.Helper()
	s, err := search.NewStore(search.StoreConfig{Pointers: b.pointers, Objects: b.objects, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// objectKeys lists the index objects in the bucket.
func (b *backend) objectKeys(t testing.TB) []string {
	t.Helper()
	out, err := b.p.Clients.S3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), Prefix: aws.String(search.DefaultPrefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

type countingPointers struct {
	search.Pointers
	gets  atomic.Int64
	stale atomic.Pointer[search.Pointer] // returned once instead of the current one
}

func (c *countingPointers) IndexPointer(ctx context.Context) (search.Pointer, error) {
	c.gets.Add(1)
	if p := c.stale.Swap(nil); p != nil {
		return *p, nil
	}
	return c.Pointers.IndexPointer(ctx)
}

type countingObjects struct {
	search.Objects
	reads atomic.Int64
}

func (c *countingObjects) ReadFile(ctx context.Context, key string, limit int64) ([]byte, error) {
	c.reads.Add(1)
	return c.Objects.ReadFile(ctx, key, limit)
}

// clock is a clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func put(docs ...search.Doc) func(*search.Index) {
	return func(ix *search.Index) {
		for _, d := range docs {
			ix.Put(d)
		}
	}
}

func TestNewStoreRefusesEachMissingDependency(t *testing.T) {
	b := &backend{pointers: &countingPointers{}, objects: &countingObjects{}}
	for missing, cfg := range map[string]search.StoreConfig{
		"Pointers": {Objects: b.objects},
		"Objects":  {Pointers: b.pointers},
	} {
		s, err := search.NewStore(cfg)
		if e, ok := apperr.As(err); s != nil || !ok || e.Code != apperr.Internal || len(e.Fields) != 1 || e.Fields[0].Field != missing {
			t.Errorf("NewStore without %s = %v, %v; want an Internal error naming it", missing, s, err)
		}
	}
}

// TestStoreKeepsTheIndexAcrossInstances: an empty index before any write;
// what one instance stores, another finds; one object in the bucket, the
// current version's.
func TestStoreKeepsTheIndexAcrossInstances(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	c := &clock{now: t0}
	writer, reader := b.store(t, c.Now), b.store(t, c.Now)
	ix, err := reader.Index(ctx)
	if err != nil || ix.Len() != 0 {
		t.Fatalf("Index before any write = %v, %v; want an empty index", ix, err)
	}
	if err := writer.Update(ctx, put(search.Doc{ID: "a1", Title: "Перегрев компрессора", UpdatedAt: t0})); err != nil {
		t.Fatal(err)
	}
	if err := writer.Update(ctx, put(search.Doc{ID: "a2", Title: "Шум вентилятора", UpdatedAt: t0})); err != nil {
		t.Fatal(err)
	}
	c.Add(search.DefaultCacheFor) // the reader's pointer is old now
	ix, err = reader.Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(ix.Search(search.Query{Text: "перегрева"})); !slices.Equal(got, []string{"a1"}) || ix.Len() != 2 {
		t.Errorf("the other instance finds %v in %d documents, want [a1] in 2", got, ix.Len())
	}
	keys := b.objectKeys(t)
	if len(keys) != 1 || !strings.HasPrefix(keys[0], search.DefaultPrefix+"000000000002-") {
		t.Errorf("objects %v, want the second version's only", keys)
	}
}

// TestIndexReadsThePointerOncePerWindow: within the cache window no
// request at all; after it one GetItem, and a download only when the
// version moved.
func TestIndexReadsThePointerOncePerWindow(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	c := &clock{now: t0}
	if err := b.store(t, c.Now).Update(ctx, put(search.Doc{ID: "a1", Title: "Pump"})); err != nil {
		t.Fatal(err)
	}
	s := b.store(t, c.Now)
	counts := func() [2]int64 { return [2]int64{b.pointers.gets.Load(), b.objects.reads.Load()} }
	before := counts()
	first, err := s.Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(); got != [2]int64{before[0] + 1, before[1] + 1} {
		t.Fatalf("a cold Index made %v requests, want one GetItem and one download", [2]int64{got[0] - before[0], got[1] - before[1]})
	}
	c.Add(search.DefaultCacheFor - time.Millisecond)
	before = counts()
	again, _ := s.Index(ctx)
	if got := counts(); got != before || again != first {
		t.Errorf("within the window: %v requests, same index %v; want none and the same", [2]int64{got[0] - before[0], got[1] - before[1]}, again == first)
	}
	c.Add(time.Millisecond)
	again, _ = s.Index(ctx)
	if got := counts(); got != [2]int64{before[0] + 1, before[1]} || again != first {
		t.Errorf("after the window, version unchanged: %v requests, same index %v; want one GetItem and the same index", [2]int64{got[0] - before[0], got[1] - before[1]}, again == first)
	}
	if err := b.store(t, c.Now).Update(ctx, put(search.Doc{ID: "a2", Title: "Pump seal"})); err != nil {
		t.Fatal(err)
	}
	c.Add(search.DefaultCacheFor)
	newer, _ := s.Index(ctx)
	if newer.Len() != 2 || first.Len() != 1 {
		t.Errorf("after another instance's update: %d documents (the old index %d), want 2 (1)", newer.Len(), first.Len())
	}
}

// TestConcurrentUpdatesAllLand: instances updating at once, each adding
// its own articles, all land; the superseded objects are gone.
func TestConcurrentUpdatesAllLand(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	const writers, each = 6, 3
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		s := b.store(t, time.Now)
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				errs <- s.Update(ctx, put(search.Doc{ID: id, Title: "Статья " + id, Body: "Проверка датчика температуры."}))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ix, err := b.store(t, time.Now).Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Search(search.Query{Text: "датчик", Limit: 100}).Total; got != writers*each {
		t.Errorf("%d articles found, want all %d", got, writers*each)
	}
	p, _ := b.pointers.IndexPointer(ctx)
	if p.Version != writers*each || p.Docs != writers*each {
		t.Errorf("pointer %+v, want version and documents %d", p, writers*each)
	}
	if keys := b.objectKeys(t); !slices.Equal(keys, []string{p.Key}) {
		t.Errorf("objects %v, want only the current %s", keys, p.Key)
	}
}

// TestReaderFollowsAnIndexReplacedUnderIt: a reader that read the pointer
// just before a writer replaced the object finds it gone and reads the
// pointer again.
func TestReaderFollowsAnIndexReplacedUnderIt(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	w := b.store(t, time.Now)
	if err := w.Update(ctx, put(search.Doc{ID: "old", Title: "Pump"})); err != nil {
		t.Fatal(err)
	}
	old, _ := b.pointers.IndexPointer(ctx)
	if err := w.Update(ctx, put(search.Doc{ID: "new", Title: "Pump seal"})); err != nil {
		t.Fatal(err)
	}
	b.pointers.stale.Store(&old)
	ix, err := b.store(t, time.Now).Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 2 {
		t.Errorf("reader got %d documents, want the current version's 2", ix.Len())
	}
}

// TestRebuildReplacesTheIndex: Rebuild keeps exactly the documents given;
// a failing source leaves the index as it was.
func TestRebuildReplacesTheIndex(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	s := b.store(t, time.Now)
	if err := s.Update(ctx, put(search.Doc{ID: "stale", Title: "Deleted long ago"})); err != nil {
		t.Fatal(err)
	}
	docs := []search.Doc{{ID: "a", Title: "Door seal"}, {ID: "b", Title: "Drain pump"}}
	if err := s.Rebuild(ctx, search.DocsOf(docs)); err != nil {
		t.Fatal(err)
	}
	ix, _ := b.store(t, time.Now).Index(ctx)
	if got := ids(ix.Search(search.Query{})); !slices.Equal(got, []string{"a", "b"}) && !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("after Rebuild: %v, want a and b", got)
	}
	failing := iter.Seq2[search.Doc, error](func(yield func(search.Doc, error) bool) {
		if yield(search.Doc{ID: "c"}, nil) {
			yield(search.Doc{}, errors.New("list articles: throttled"))
		}
	})
	before, _ := b.pointers.IndexPointer(ctx)
	if err := s.Rebuild(ctx, failing); err == nil || !strings.Contains(err.Error(), "throttled") {
		t.Errorf("Rebuild from a failing source: %v, want its error", err)
	}
	if after, _ := b.pointers.IndexPointer(ctx); after != before {
		t.Errorf("pointer moved to %+v after a failed rebuild", after)
	}
}

// gatedObjects holds every PutFile until the gate opens.
type gatedObjects struct {
	search.Objects
	writing chan struct{} // closed when a PutFile started
	gate    chan struct{}
	once    sync.Once
}

func (g *gatedObjects) PutFile(ctx context.Context, key, contentType string, body []byte) error {
	g.once.Do(func() { close(g.writing) })
	<-g.gate
	return g.Objects.PutFile(ctx, key, contentType, body)
}

// TestSearchesGoOnDuringAnUpdate: while an update of the same instance is
// writing its object, Index answers with the version before it, then with
// the update's once it landed.
func TestSearchesGoOnDuringAnUpdate(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	c := &clock{now: t0}
	gated := &gatedObjects{Objects: b.objects, writing: make(chan struct{}), gate: make(chan struct{})}
	close(gated.gate)
	s, err := search.NewStore(search.StoreConfig{Pointers: b.pointers, Objects: gated, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, put(search.Doc{ID: "a1", Title: "Pump"})); err != nil {
		t.Fatal(err)
	}
	gated.gate, gated.writing, gated.once = make(chan struct{}), make(chan struct{}), sync.Once{}
	done := make(chan error, 1)
	go func() { done <- s.Update(ctx, put(search.Doc{ID: "a2", Title: "Pump seal"})) }()
	<-gated.writing
	c.Add(search.DefaultCacheFor) // the pointer is read again, too
	read := make(chan int, 1)
	go func() {
		ix, err := s.Index(ctx)
		if err != nil {
			t.Error(err)
			read <- -1
			return
		}
		read <- ix.Len()
	}()
	select {
	case n := <-read:
		if n != 1 {
			t.Errorf("during the update: %d documents, want the version before's 1", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Index waited for the update")
	}
	close(gated.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ix, err := s.Index(ctx)
	if err != nil || ix.Len() != 2 {
		t.Errorf("after the update: %v, %v; want 2 documents", ix, err)
	}
}

// TestRebuildKeepsAnUpdateMadeWhileItReads: an article changed while a
// rebuild lists the articles (stored first, then put in the index by
// another instance) is in the index the rebuild leaves.
func TestRebuildKeepsAnUpdateMadeWhileItReads(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	rebuilder, writer := b.store(t, time.Now), b.store(t, time.Now)
	articles := []search.Doc{{ID: "a", Title: "Door seal"}, {ID: "b", Title: "Drain pump"}}
	changed := false
	docs := iter.Seq2[search.Doc, error](func(yield func(search.Doc, error) bool) {
		listed := slices.Clone(articles)
		if !changed {
			// Mid-listing, another request stores a new article, then
			// indexes it.
			changed = true
			articles = append(articles, search.Doc{ID: "c", Title: "Heater relay"})
			if err := writer.Update(ctx, put(articles[2])); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range listed {
			if !yield(d, nil) {
				return
			}
		}
	})
	if err := rebuilder.Rebuild(ctx, docs); err != nil {
		t.Fatal(err)
	}
	ix, err := b.store(t, time.Now).Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := ids(ix.Search(search.Query{}))
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("after a rebuild overtaken by an update: %v, want a, b and c", got)
	}
}
