package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/kb"
)

// TestSelfHelpViewsCountEachArticleOnceAndTheClaimOnce: a page that shows
// an article twice (the type chosen again) counts it shown once; the claim
// that follows counts once however often it is reported; a view without a
// claim stays shown only.
func TestSelfHelpViewsCountEachArticleOnceAndTheClaimOnce(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.store.RecordView(ctx, "ip:192.0.2.1", "view-aaaaaaaaaaaaaaaa", "overheating", []string{"kb-1", "kb-2"}, at, "2026-03-01"))
	must(db.store.RecordView(ctx, "ip:192.0.2.1", "view-aaaaaaaaaaaaaaaa", "noise", []string{"kb-2", "kb-3"}, at.Add(24*time.Hour), "2026-03-02"))
	must(db.store.FileView(ctx, "view-aaaaaaaaaaaaaaaa", "RC-2026-000001", at.Add(25*time.Hour)))
	must(db.store.FileView(ctx, "view-aaaaaaaaaaaaaaaa", "RC-2026-000001", at.Add(26*time.Hour)))
	must(db.store.FileView(ctx, "view-never-recorded-x", "RC-2026-000002", at))
	must(db.store.RecordView(ctx, "ip:192.0.2.1", "view-bbbbbbbbbbbbbbbb", "overheating", []string{"kb-1"}, at, "2026-03-01"))
	// A view a claim followed takes no more articles.
	must(db.store.RecordView(ctx, "ip:192.0.2.1", "view-aaaaaaaaaaaaaaaa", "noise", []string{"kb-4"}, at.Add(48*time.Hour), "2026-03-03"))
	got, err := db.store.ViewStats(ctx, "2026-03")
	must(err)
	want := []kb.DayStat{
		{Day: "2026-03-01", ArticleID: "kb-1", Shown: 2, Filed: 1},
		{Day: "2026-03-01", ArticleID: "kb-2", Shown: 1, Filed: 1},
		{Day: "2026-03-01", ArticleID: "kb-3", Shown: 1, Filed: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("view stats mismatch (-want +got):\n%s", diff)
	}
}

// TestSelfHelpViewsOfOneViewerAreBounded: a script showing the articles
// in a loop from one address gets kb.ViewsPerHour views counted in an
// hour, not more; another address, and the next hour, count again.
func TestSelfHelpViewsOfOneViewerAreBounded(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	view := func(viewer string, i int, at time.Time) {
		t.Helper()
		token := fmt.Sprintf("view-%s-%016d", viewer[len(viewer)-1:], i)
		if err := db.store.RecordView(ctx, viewer, token, "overheating", []string{"kb-1"}, at, "2026-03-01"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range kb.ViewsPerHour + 10 {
		view("ip:192.0.2.1", i, at.Add(time.Duration(i)*time.Second))
	}
	view("ip:192.0.2.2", 0, at)
	view("ip:192.0.2.1", 1000, at.Add(time.Hour))
	got, err := db.store.ViewStats(ctx, "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	want := []kb.DayStat{{Day: "2026-03-01", ArticleID: "kb-1", Shown: kb.ViewsPerHour + 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("view stats mismatch (-want +got):\n%s", diff)
	}
}

// TestArticleWritesAreGuardedAndMoveTheirLinks: a second writer of the
// same version gets a conflict; a link dropped in a new version leaves its
// catalog entry's list.
func TestArticleWritesAreGuardedAndMoveTheirLinks(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	a := kb.Article{ID: "kb-00000000000000a1", Title: "Перегрев", Body: "b", HTML: "<p>b</p>", Language: "ru", Audience: kb.Public,
		Status: kb.Published, Types: []string{"overheating"}, Models: []string{"TH-2000"}, Version: 1, CreatedAt: at, UpdatedAt: at}
	rev := func(a kb.Article) kb.Revision {
		return kb.Revision{Change: kb.Change{Version: a.Version, At: a.UpdatedAt}, Article: a}
	}
	if err := db.store.PutArticle(ctx, a, nil, rev(a)); err != nil {
		t.Fatal(err)
	}
	if err := db.store.PutArticle(ctx, a, nil, rev(a)); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("creating it again = %v, want a conflict", err)
	}
	b := a
	b.Version, b.Models, b.UpdatedAt = 2, []string{"TH-3000"}, at.Add(time.Hour)
	if err := db.store.PutArticle(ctx, b, &a, rev(b)); err != nil {
		t.Fatal(err)
	}
	c := b
	c.Version = 3
	if err := db.store.PutArticle(ctx, c, &a, rev(c)); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a write from version 1 after version 2 = %v, want a conflict", err)
	}
	for link, want := range map[kb.Link]int{{Kind: kb.LinkModel, Value: "TH-2000"}: 0, {Kind: kb.LinkModel, Value: "TH-3000"}: 1, {Kind: kb.LinkType, Value: "overheating"}: 1} {
		got, err := db.store.LinkedArticles(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want || want == 1 && got[0].Version != 2 {
			t.Errorf("%v lists %+v, want %d at version 2", link, got, want)
		}
	}
	changes, err := db.store.ArticleChanges(ctx, a.ID)
	if err != nil || len(changes) != 2 {
		t.Fatalf("changes = %+v, %v", changes, err)
	}
	list, next, err := db.store.ListArticles(ctx, 10, "")
	if err != nil || len(list) != 1 || next != "" || list[0].Version != 2 {
		t.Errorf("list = %+v %q %v", list, next, err)
	}
}
