package kb

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/deps"
)

// ShelfStore is what the claim pages read of the knowledge base.
type ShelfStore interface {
	Article(ctx context.Context, id string) (*Article, error)
	ArticlesByID(ctx context.Context, ids []string) ([]Article, error)
	LinkedArticles(ctx context.Context, l Link) ([]Summary, error)
}

// ShelfConfig wires a Shelf. Store is required; Solved (the aggregates:
// how often each article solved claims of each type), Files (the
// pictures' links) and Catalog (which types have no article) are needed
// by the methods that use them.
type ShelfConfig struct {
	Store   ShelfStore
	Solved  analytics.Reader
	Files   FileLinks
	Catalog catalog.Source
	// Views records the self-help views before filing.
	Views Views
	// Location is the company's time zone (the aggregates' months).
	Location *time.Location
	Now      func() time.Time
}

// Shelf reads the articles the claim pages show: the suggestions inside a
// claim, the self-help before filing, whether an article can be named as
// a decision's solution, and the types without an article.
type Shelf struct{ cfg ShelfConfig }

// NewShelf returns a Shelf; an Internal error names what cfg lacks.
func NewShelf(cfg ShelfConfig) (*Shelf, error) {
	if err := deps.Check("kb shelf", deps.Need("Store", cfg.Store)); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	return &Shelf{cfg: cfg}, nil
}

// Published implements casework.Articles.
func (s *Shelf) Published(ctx context.Context, id string) (bool, error) {
	if !ValidID(id) {
		return false, nil
	}
	a, err := s.cfg.Store.Article(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.Status == Published, nil
}

// Suggestion is an article offered inside a claim.
type Suggestion struct {
	Summary
	// Solved is how many decisions on claims of the claim's type named
	// the article in the last two years.
	Solved int64 `json:"solved"`
	// Matches names what links it to the claim: type, model, rootCause.
	Matches []string `json:"matches"`
}

// MaxSuggestions caps the articles offered inside a claim.
const MaxSuggestions = 10

// ForClaim returns the published articles that match a claim's type,
// model and root cause (each may be ""), ranked by how often they solved
// claims of the type, then by how much of the claim they match, then
// newest first: three Queries of link partitions and the aggregates' month
// cells of the type and article pair.
func (s *Shelf) ForClaim(ctx context.Context, typeID, model, rootCause string) ([]Suggestion, error) {
	byID := map[string]*Suggestion{}
	for _, l := range []Link{{LinkType, typeID}, {LinkModel, model}, {LinkRootCause, rootCause}} {
		if l.Value == "" {
			continue
		}
		list, err := s.cfg.Store.LinkedArticles(ctx, l)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if a.Status != Published {
				continue
			}
			sg := byID[a.ID]
			if sg == nil {
				sg = &Suggestion{Summary: a, Matches: []string{}}
				byID[a.ID] = sg
			}
			sg.Matches = append(sg.Matches, string(l.Kind))
		}
	}
	if len(byID) == 0 {
		return []Suggestion{}, nil
	}
	if typeID != "" && s.cfg.Solved != nil {
		counts, err := s.solved(ctx, typeID)
		if err != nil {
			return nil, err
		}
		for id, n := range counts {
			if sg := byID[id]; sg != nil {
				sg.Solved = n
			}
		}
	}
	out := make([]Suggestion, 0, len(byID))
	for _, sg := range byID {
		out = append(out, *sg)
	}
	slices.SortFunc(out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Solved, a.Solved), cmp.Compare(len(b.Matches), len(a.Matches)),
			b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(a.ID, b.ID))
	})
	if len(out) > MaxSuggestions {
		out = out[:MaxSuggestions]
	}
	return out, nil
}

// solved counts the decisions per article on claims of typeID over the
// last 24 months (analytics' type and article pair).
func (s *Shelf) solved(ctx context.Context, typeID string) (map[string]int64, error) {
	now := s.cfg.Now().In(s.cfg.Location)
	from := now.AddDate(0, -23, 0).Format("2006-01")
	cells, err := s.cfg.Solved.MonthCells(ctx, analytics.AllScope, analytics.Pair(analytics.DimType, analytics.DimArticle), from, now.Format("2006-01"))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, c := range cells {
		t, article, ok := strings.Cut(c.Value, analytics.PairSep)
		if !ok || t != typeID || article == analytics.NoValue {
			continue
		}
		out[article] += c.Counters[analytics.Granted] + c.Counters[analytics.Refused]
	}
	return out, nil
}

// SelfHelpLimit is how many articles a claimant's page shows for a type.
const SelfHelpLimit = 5

// SelfHelp returns the published public articles of a claim type, for
// the claimant's page, in lang first (then the others), newest first, at
// most SelfHelpLimit, with their pictures' links set. The type's links
// are ranked from their summaries; only the articles shown are read.
func (s *Shelf) SelfHelp(ctx context.Context, typeID, lang string) ([]Article, error) {
	list, err := s.cfg.Store.LinkedArticles(ctx, Link{LinkType, typeID})
	if err != nil {
		return nil, err
	}
	list = slices.DeleteFunc(list, func(a Summary) bool { return a.Status != Published || a.Audience != Public })
	slices.SortFunc(list, func(a, b Summary) int {
		return selfHelpOrder(lang, a.Language, b.Language, a.PublishedAt, b.PublishedAt, a.ID, b.ID)
	})
	if len(list) > SelfHelpLimit {
		list = list[:SelfHelpLimit]
	}
	if len(list) == 0 {
		return []Article{}, nil
	}
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	out, err := s.cfg.Store.ArticlesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	// Read again: only what is published and public now.
	out = slices.DeleteFunc(out, func(a Article) bool { return a.Status != Published || a.Audience != Public })
	slices.SortFunc(out, func(a, b Article) int {
		return selfHelpOrder(lang, a.Language, b.Language, a.PublishedAt, b.PublishedAt, a.ID, b.ID)
	})
	if s.cfg.Files != nil {
		for i := range out {
			if err := Links(ctx, s.cfg.Files, &out[i]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// selfHelpOrder orders two articles for a page in lang: its language
// first, then the newest published, then by ID.
func selfHelpOrder(lang, langA, langB string, publishedA, publishedB time.Time, idA, idB string) int {
	return cmp.Or(cmp.Compare(boolInt(langB == lang), boolInt(langA == lang)), publishedB.Compare(publishedA), cmp.Compare(idA, idB))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Uncovered lists the active catalog types without a published article
// (one Query per type).
func (s *Shelf) Uncovered(ctx context.Context) ([]string, error) {
	cat, err := s.cfg.Catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, t := range cat.Active().Types {
		list, err := s.cfg.Store.LinkedArticles(ctx, Link{LinkType, t.ID})
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(list, func(a Summary) bool { return a.Status == Published }) {
			out = append(out, t.ID)
		}
	}
	return out, nil
}
