package kb_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/kb"
	"github.com/claimsdesk/backend/shared/kb/markdown"
	"github.com/claimsdesk/backend/shared/kb/search"
)

// store keeps articles in memory.
type store struct {
	articles map[string]kb.Article
	revs     map[string][]kb.Revision
	views    map[string][]string
	stats    []kb.DayStat
	read     [][]string // the IDs of each ArticlesByID
}

func newStore() *store {
	return &store{articles: map[string]kb.Article{}, revs: map[string][]kb.Revision{}, views: map[string][]string{}}
}

func (s *store) Article(_ context.Context, id string) (*kb.Article, error) {
	a, ok := s.articles[id]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no article %s", id)
	}
	return &a, nil
}

func (s *store) ArticlesByID(_ context.Context, ids []string) ([]kb.Article, error) {
	s.read = append(s.read, ids)
	var out []kb.Article
	for _, id := range ids {
		if a, ok := s.articles[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *store) PutArticle(_ context.Context, a kb.Article, prev *kb.Article, rev kb.Revision) error {
	cur, ok := s.articles[a.ID]
	if ok != (prev != nil) || ok && cur.Version != prev.Version {
		return apperr.Errorf(apperr.Conflict, "changed")
	}
	s.articles[a.ID] = a
	s.revs[a.ID] = append(s.revs[a.ID], rev)
	return nil
}

func (s *store) ArticleChanges(_ context.Context, id string) ([]kb.Change, error) {
	var out []kb.Change
	for _, r := range s.revs[id] {
		out = append(out, r.Change)
	}
	return out, nil
}

func (s *store) ArticleRevision(_ context.Context, id string, v int) (*kb.Revision, error) {
	for _, r := range s.revs[id] {
		if r.Version == v {
			return &r, nil
		}
	}
	return nil, apperr.Errorf(apperr.NotFound, "no version")
}

func (s *store) ListArticles(context.Context, int, string) ([]kb.Summary, string, error) {
	var out []kb.Summary
	for _, a := range s.articles {
		out = append(out, a.Summary())
	}
	return out, "", nil
}

func (s *store) LinkedArticles(_ context.Context, l kb.Link) ([]kb.Summary, error) {
	var out []kb.Summary
	for _, a := range s.articles {
		if slices.Contains(a.Links(), l) {
			out = append(out, a.Summary())
		}
	}
	return out, nil
}

func (s *store) RecordView(_ context.Context, _, token, _ string, articles []string, _ time.Time, day string) error {
	for _, a := range articles {
		if !slices.Contains(s.views[token], a) {
			s.views[token] = append(s.views[token], a)
			s.stats = append(s.stats, kb.DayStat{Day: day, ArticleID: a, Shown: 1})
		}
	}
	return nil
}

func (s *store) FileView(context.Context, string, string, time.Time) error { return nil }

func (s *store) ViewStats(_ context.Context, month string) ([]kb.DayStat, error) {
	var out []kb.DayStat
	for _, st := range s.stats {
		if strings.HasPrefix(st.Day, month) {
			out = append(out, st)
		}
	}
	return out, nil
}

// files keeps uploads in memory: key -> content.
type files map[string][]byte

func (f files) PresignUpload(context.Context, intake.UploadSpec) (*intake.Upload, error) {
	return &intake.Upload{URL: "https://bucket.example/"}, nil
}

func (f files) Stat(_ context.Context, key string) (*intake.Object, error) {
	b, ok := f[key]
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no file")
	}
	return &intake.Object{ContentType: "image/png", Size: int64(len(b)), Metadata: map[string]string{"kind": "image", "filename": "p.png"}}, nil
}

func (f files) Head(_ context.Context, key string, n int) ([]byte, error) {
	return f[key][:min(n, len(f[key]))], nil
}

func (f files) DownloadURL(_ context.Context, key, _, _ string, _ time.Duration) (string, error) {
	return "https://bucket.example/" + key + "?sig=1&x=2", nil
}

// index is search.Index behind the SearchIndex interface; fail makes
// its updates fail.
type index struct {
	ix   *search.Index
	fail bool
}

func (i *index) Index(context.Context) (*search.Index, error) { return i.ix, nil }
func (i *index) Update(_ context.Context, fn func(*search.Index)) error {
	if i.fail {
		return errors.New("bucket unavailable")
	}
	fn(i.ix)
	return nil
}
func (i *index) Rebuild(_ context.Context, docs iter.Seq2[search.Doc, error]) error {
	i.ix = search.New()
	for d, err := range docs {
		if err != nil {
			return err
		}
		i.ix.Put(d)
	}
	return nil
}

var cat = &catalog.Catalog{
	Categories: []catalog.Category{{ID: "defect", Active: true}},
	Types:      []catalog.Type{{ID: "overheating", CategoryID: "defect", Active: true}, {ID: "noise", CategoryID: "defect", Active: true}},
	RootCauses: []catalog.RootCause{{ID: "dust", Active: true}},
	Models:     []catalog.Model{{ID: "TH-2000", Active: true}},
}

type catalogSource struct{}

func (catalogSource) Catalog(context.Context) (*catalog.Catalog, error) { return cat, nil }

func newService(t *testing.T) (*kb.Service, *store, files) {
	s, st, fs, _ := newServiceIndex(t)
	return s, st, fs
}

func newServiceIndex(t *testing.T) (*kb.Service, *store, files, *index) {
	t.Helper()
	st, fs, ix := newStore(), files{}, &index{ix: search.New()}
	s, err := kb.New(kb.Config{Store: st, Catalog: catalogSource{}, Renderer: markdown.New(), Files: fs, Index: ix,
		Now: func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s, st, fs, ix
}

// TestTheRebuildRepairsAnIndexThatMissedAChange: an index update that
// fails leaves the article stored and answered; the search misses it until
// an admin rebuilds the index.
func TestTheRebuildRepairsAnIndexThatMissedAChange(t *testing.T) {
	s, _, _, ix := newServiceIndex(t)
	ctx := context.Background()
	ix.fail = true
	a, err := s.Create(ctx, sup, input(func(in *kb.Input) { in.Title = "Вентилятор гудит" }))
	if err != nil || a.Version != 1 {
		t.Fatalf("create with the index down = %+v, %v", a, err)
	}
	ix.fail = false
	find := func() int {
		res, err := s.Search(ctx, sup, search.Query{Text: "гудит"})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Hits)
	}
	if n := find(); n != 0 {
		t.Fatalf("found %d before the rebuild", n)
	}
	if _, err := s.Rebuild(ctx, sup); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a supervisor's rebuild: %v, want forbidden", err)
	}
	if n, err := s.Rebuild(ctx, admin); err != nil || n != 1 {
		t.Fatalf("rebuild = %d, %v", n, err)
	}
	if n := find(); n != 1 {
		t.Errorf("found %d after the rebuild, want 1", n)
	}
}

var (
	admin   = &auth.Principal{UserID: "admin-1", Roles: []auth.Role{auth.Admin}}
	sup     = &auth.Principal{UserID: "sup-1", Roles: []auth.Role{auth.Supervisor}}
	manager = &auth.Principal{UserID: "mgr-1", Roles: []auth.Role{auth.Manager}}
	dealer  = &auth.Principal{UserID: "d-1", Roles: []auth.Role{auth.Dealer}, DealerID: "DLR-1"}
)

func input(mut ...func(*kb.Input)) kb.Input {
	in := kb.Input{Title: "Перегрев: фильтр", Body: "Очистите **фильтр**.", Language: "ru", Audience: kb.Public, Status: kb.Published,
		Types: []string{"overheating"}, Models: []string{"TH-2000"}}
	for _, m := range mut {
		m(&in)
	}
	return in
}

func fields(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestWriteRefusesBadInputNamingTheField: links outside the catalog,
// bodies over 100 KB, files never uploaded or not pictures by content.
func TestWriteRefusesBadInputNamingTheField(t *testing.T) {
	s, _, fs := newService(t)
	fs[kb.FileKey("f-00000000000000aa")] = []byte("<svg onload=alert(1)></svg>")
	tests := []struct {
		name string
		in   kb.Input
		want []string
	}{
		{"unknown type", input(func(in *kb.Input) { in.Types = []string{"overheating", "nope"} }), []string{"types[1]"}},
		{"unknown model", input(func(in *kb.Input) { in.Models = []string{"XX-1"} }), []string{"models[0]"}},
		{"unknown root cause", input(func(in *kb.Input) { in.RootCauses = []string{"nope"} }), []string{"rootCauses[0]"}},
		{"unknown category", input(func(in *kb.Input) { in.Categories = []string{"nope"} }), []string{"categories[0]"}},
		{"body over 100 KB", input(func(in *kb.Input) { in.Body = strings.Repeat("x", kb.MaxBodyBytes+1) }), []string{"body"}},
		{"no title, language nor audience", input(func(in *kb.Input) { in.Title, in.Language, in.Audience = "", "de", "all" }),
			[]string{"title", "language", "audience"}},
		{"not a picture", input(func(in *kb.Input) { in.Files = []kb.FileRef{{ID: "f-00000000000000aa"}} }), []string{"files[0]"}},
		{"never uploaded", input(func(in *kb.Input) { in.Files = []kb.FileRef{{ID: "f-00000000000000bb"}} }), []string{"files[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(context.Background(), admin, tt.in)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want invalid", err)
			}
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestManagersProposeDraftsOthersPublish: who may write what.
func TestManagersProposeDraftsOthersPublish(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, manager, input()); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a manager publishing: %v, want forbidden", err)
	}
	if _, err := s.Create(ctx, dealer, input(func(in *kb.Input) { in.Status = kb.Draft })); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a dealer writing: %v, want forbidden", err)
	}
	d, err := s.Create(ctx, manager, input(func(in *kb.Input) { in.Status = kb.Draft }))
	if err != nil {
		t.Fatal(err)
	}
	if d.Owners[0] != "mgr-1" || d.Version != 1 {
		t.Errorf("the draft: %+v", d)
	}
	p, err := s.Update(ctx, sup, d.ID, input(func(in *kb.Input) { in.Version = 1 }))
	if err != nil || p.Status != kb.Published || p.PublishedAt.IsZero() || p.Version != 2 {
		t.Fatalf("the supervisor publishes: %+v, %v", p, err)
	}
	if _, err := s.Update(ctx, manager, d.ID, input(func(in *kb.Input) { in.Version, in.Status = 2, kb.Draft })); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a manager changing a published article: %v, want forbidden", err)
	}
	if _, err := s.Update(ctx, sup, d.ID, input(func(in *kb.Input) { in.Version = 1 })); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a stale version: %v, want conflict", err)
	}
	changes, err := s.Versions(ctx, sup, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"created"}, {"status"}}, [][]string{changes[0].Fields, changes[1].Fields}); diff != "" {
		t.Errorf("versions' fields mismatch (-want +got):\n%s", diff)
	}
	if _, err := s.Versions(ctx, dealer, d.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a dealer reading the history: %v, want not found", err)
	}
}

// TestDealersReadPublishedPublicArticlesWithoutTheirAuthors: drafts and
// staff-only articles are not found; who wrote it is "staff"; the
// pictures point at their links.
func TestDealersReadPublishedPublicArticlesWithoutTheirAuthors(t *testing.T) {
	s, _, fs := newService(t)
	ctx := context.Background()
	fs[kb.FileKey("f-00000000000000cc")] = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	pub, err := s.Create(ctx, sup, input(func(in *kb.Input) {
		in.Body, in.Files, in.RootCauses = "![фильтр](kb-file:f-00000000000000cc)", []kb.FileRef{{ID: "f-00000000000000cc"}}, []string{"dust"}
	}))
	if err != nil {
		t.Fatal(err)
	}
	staff, _ := s.Create(ctx, sup, input(func(in *kb.Input) { in.Audience = kb.StaffOnly }))
	draft, _ := s.Create(ctx, sup, input(func(in *kb.Input) { in.Status = kb.Draft }))
	got, err := s.Get(ctx, dealer, pub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedBy != "staff" || got.UpdatedBy != "staff" || len(got.RootCauses) != 0 ||
		!strings.Contains(got.HTML, `src="https://bucket.example/kb/files/f-00000000000000cc?sig=1&amp;x=2"`) {
		t.Errorf("the dealer's view: %+v", got)
	}
	for _, id := range []string{staff.ID, draft.ID} {
		if _, err := s.Get(ctx, dealer, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the dealer reads %s: %v", id, err)
		}
	}
	res, err := s.Search(ctx, dealer, search.Query{Text: "фильтр", Statuses: []string{"draft"}, Audiences: []string{"staff"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].ID != pub.ID {
		t.Errorf("the dealer's search finds %+v, want only %s", res.Hits, pub.ID)
	}
	if n, err := s.Rebuild(ctx, admin); err != nil || n != 3 {
		t.Errorf("rebuild = %d, %v", n, err)
	}
}

// cells are aggregates in memory: the type and article pair's month cells.
type cells []analytics.Stored

func (c cells) Cells(context.Context, string, analytics.Dim, string, string) ([]analytics.Stored, error) {
	return nil, nil
}
func (c cells) TotalCells(context.Context, string, analytics.Dim) ([]analytics.Stored, error) {
	return nil, nil
}
func (c cells) MonthCells(_ context.Context, _ string, dim analytics.Dim, _, _ string) ([]analytics.Stored, error) {
	if dim != analytics.Pair(analytics.DimType, analytics.DimArticle) {
		return nil, nil
	}
	return c, nil
}

// TestSuggestionsRankByClaimsSolved: the article that solved most claims
// of the type comes first, then the one matching more of the claim; drafts
// never.
func TestSuggestionsRankByClaimsSolved(t *testing.T) {
	s, st, _ := newService(t)
	ctx := context.Background()
	a, _ := s.Create(ctx, sup, input(func(in *kb.Input) { in.Models = nil }))
	b, _ := s.Create(ctx, sup, input())
	c, _ := s.Create(ctx, sup, input(func(in *kb.Input) { in.Types, in.Models, in.RootCauses = nil, nil, []string{"dust"} }))
	s.Create(ctx, sup, input(func(in *kb.Input) { in.Status = kb.Draft }))
	solved := cells{
		{Cell: analytics.Cell{Value: "overheating" + analytics.PairSep + a.ID}, Counters: analytics.Counters{analytics.Granted: 2, analytics.Refused: 1}},
		{Cell: analytics.Cell{Value: "noise" + analytics.PairSep + b.ID}, Counters: analytics.Counters{analytics.Granted: 9}},
	}
	shelf, err := kb.NewShelf(kb.ShelfConfig{Store: st, Solved: solved})
	if err != nil {
		t.Fatal(err)
	}
	got, err := shelf.ForClaim(ctx, "overheating", "TH-2000", "dust")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range got {
		ids = append(ids, g.ID)
	}
	if diff := cmp.Diff([]string{a.ID, b.ID, c.ID}, ids); diff != "" {
		t.Errorf("ranking mismatch (-want +got):\n%s", diff)
	}
	if got[0].Solved != 3 || got[1].Solved != 0 {
		t.Errorf("solved counts %d, %d; want 3 (this type's only), 0", got[0].Solved, got[1].Solved)
	}
	if ok, _ := shelf.Published(ctx, a.ID); !ok {
		t.Error("a published article is not published")
	}
}

// TestSelfHelpShowsFiveInThePagesLanguageFirstAndReadsOnlyThose: a type
// with seven public articles (three English) shows an English page the
// three English ones, then the two newest others; drafts and staff-only
// articles never; and only the five shown are read whole.
func TestSelfHelpShowsFiveInThePagesLanguageFirstAndReadsOnlyThose(t *testing.T) {
	s, st, _ := newService(t)
	ctx := context.Background()
	lang := map[string]string{}
	for i, l := range []string{"ru", "en", "ru", "en", "ru", "en", "ru"} {
		a, err := s.Create(ctx, sup, input(func(in *kb.Input) { in.Language, in.Title = l, fmt.Sprintf("Статья %d", i) }))
		if err != nil {
			t.Fatal(err)
		}
		lang[a.ID] = l
	}
	hidden := map[string]bool{}
	for _, m := range []func(*kb.Input){
		func(in *kb.Input) { in.Status, in.Language = kb.Draft, "en" },
		func(in *kb.Input) { in.Audience, in.Language = kb.StaffOnly, "en" },
	} {
		a, err := s.Create(ctx, sup, input(m))
		if err != nil {
			t.Fatal(err)
		}
		hidden[a.ID] = true
	}
	shelf, err := kb.NewShelf(kb.ShelfConfig{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	st.read = nil
	got, err := shelf.SelfHelp(ctx, "overheating", "en")
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, a := range got {
		if hidden[a.ID] {
			t.Errorf("the page shows %s (%s, %s)", a.ID, a.Status, a.Audience)
		}
		langs = append(langs, lang[a.ID])
	}
	if want := []string{"en", "en", "en", "ru", "ru"}; !slices.Equal(langs, want) {
		t.Errorf("languages shown = %v, want %v", langs, want)
	}
	if len(st.read) != 1 || len(st.read[0]) != kb.SelfHelpLimit {
		t.Errorf("articles read whole = %v, want one read of the %d shown", st.read, kb.SelfHelpLimit)
	}
}

// TestDeflectionCountsPreventedAfterTheWindow: a view no claim followed
// is pending for three days, then prevented.
func TestDeflectionCountsPreventedAfterTheWindow(t *testing.T) {
	s, st, _ := newService(t)
	ctx := context.Background()
	a, _ := s.Create(ctx, sup, input())
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	shelf, err := kb.NewShelf(kb.ShelfConfig{Store: st, Views: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	list, err := shelf.ShowSelfHelp(ctx, "ip:192.0.2.1", "view-0123456789abcdef", "overheating", "en")
	if err != nil || len(list) != 1 || list[0].CreatedBy != "staff" {
		t.Fatalf("self-help = %+v, %v", list, err)
	}
	report := func() kb.Deflection {
		r, err := shelf.DeflectionReport(ctx, "2026-03-01", "2026-03-31")
		if err != nil || len(r) != 1 || r[0].ArticleID != a.ID {
			t.Fatalf("report = %+v, %v", r, err)
		}
		return r[0]
	}
	if d := report(); d.Shown != 1 || d.Pending != 1 || d.Prevented != 0 {
		t.Errorf("on the day: %+v", d)
	}
	now = now.Add(kb.PreventWindow + 24*time.Hour)
	if d := report(); d.Shown != 1 || d.Pending != 0 || d.Prevented != 1 {
		t.Errorf("after the window: %+v", d)
	}
	if _, err := shelf.DeflectionReport(ctx, "2026-03-31", "2026-03-01"); !slices.Equal(fields(err), []string{"to"}) {
		t.Errorf("to before from: %v", err)
	}
}
