package kb

import (
	"context"
	"slices"
	"time"

	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/visibility"
)

// Views records what the claimant's pages showed before filing and
// whether a claim followed (shared/dynamo's Store).
type Views interface {
	// RecordView adds articles to the view token made (counting each new
	// one shown on the view's first day); nothing once a claim followed,
	// and nothing when viewer has had ViewsPerHour views recorded in the
	// clock hour of at (the page is shown all the same).
	RecordView(ctx context.Context, viewer, token, typeID string, articles []string, at time.Time, day string) error
	// FileView marks the view with the claim that followed it, once, and
	// counts its articles filed; nothing when there is no such view.
	FileView(ctx context.Context, token, claimID string, at time.Time) error
	// ViewStats lists a month's (YYYY-MM) counts per day and article.
	ViewStats(ctx context.Context, month string) ([]DayStat, error)
}

// DayStat is how often an article was shown before filing on a day, and
// how many of those views a claim followed.
type DayStat struct {
	Day       string
	ArticleID string
	Shown     int64
	Filed     int64
}

// ViewsPerHour is how many self-help views one viewer (an address on the
// claim form, a user in the cabinet) has recorded in a clock hour: a
// customer choosing a type shows a few; a script calling the route in a
// loop would otherwise inflate what the articles are said to prevent.
const ViewsPerHour = 30

// PreventWindow is how long after a view without a claim the article
// counts as having prevented one.
const PreventWindow = 72 * time.Hour

var viewTokenPattern = lazyre.New(`^[A-Za-z0-9_-]{16,64}$`)

// ValidViewToken reports whether token can name a view (the claim form's
// form token, or the cabinet's random one).
func ValidViewToken(token string) bool { return viewTokenPattern.MatchString(token) }

// ShowSelfHelp returns the published public articles of a type for a
// claimant's page (as the claimant's side sees them), recording under
// token (when valid) that the page showed them to viewer (the caller's
// address or user, which bounds the views recorded: ViewsPerHour).
func (s *Shelf) ShowSelfHelp(ctx context.Context, viewer, token, typeID, lang string) ([]Article, error) {
	list, err := s.SelfHelp(ctx, typeID, lang)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i] = *ForAudience(visibility.Claimant, &list[i])
	}
	if len(list) == 0 || !ValidViewToken(token) || s.cfg.Views == nil {
		return list, nil
	}
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	now := s.cfg.Now()
	if err := s.cfg.Views.RecordView(ctx, viewer, token, typeID, ids, now, now.In(s.cfg.Location).Format("2006-01-02")); err != nil {
		return nil, err
	}
	return list, nil
}

// Filed records that a claim followed the view token named (nothing when
// the token named none).
func (s *Shelf) Filed(ctx context.Context, token, claimID string) error {
	if !ValidViewToken(token) || s.cfg.Views == nil {
		return nil
	}
	return s.cfg.Views.FileView(ctx, token, claimID, s.cfg.Now())
}

// Deflection is what an article's self-help did over a period.
type Deflection struct {
	ArticleID string `json:"articleId"`
	Title     string `json:"title"`
	// Shown counts the pages that showed it before filing; Filed those a
	// claim followed; Prevented those older than PreventWindow no claim
	// followed; Pending the younger ones without a claim yet.
	Shown     int64 `json:"shown"`
	Filed     int64 `json:"filed"`
	Prevented int64 `json:"prevented"`
	Pending   int64 `json:"pending"`
}

// DeflectionReport sums the articles' self-help views of the days from..to
// (YYYY-MM-DD, company time), most prevented first: one Query per month.
func (s *Shelf) DeflectionReport(ctx context.Context, from, to string) ([]Deflection, error) {
	f, err1 := time.ParseInLocation("2006-01-02", from, s.cfg.Location)
	t, err2 := time.ParseInLocation("2006-01-02", to, s.cfg.Location)
	switch {
	case err1 != nil:
		return nil, apperr.InvalidField("from", "a day as YYYY-MM-DD")
	case err2 != nil:
		return nil, apperr.InvalidField("to", "a day as YYYY-MM-DD")
	case t.Before(f):
		return nil, apperr.InvalidField("to", "not before from")
	case t.Sub(f) > 5*366*24*time.Hour:
		return nil, apperr.InvalidField("to", "at most 5 years after from")
	}
	if s.cfg.Views == nil {
		return nil, apperr.Errorf(apperr.Internal, "no self-help views here")
	}
	settled := s.cfg.Now().Add(-PreventWindow).In(s.cfg.Location).Format("2006-01-02")
	by := map[string]*Deflection{}
	for m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, s.cfg.Location); !m.After(t); m = m.AddDate(0, 1, 0) {
		stats, err := s.cfg.Views.ViewStats(ctx, m.Format("2006-01"))
		if err != nil {
			return nil, err
		}
		for _, st := range stats {
			if st.Day < from || st.Day > to {
				continue
			}
			d := by[st.ArticleID]
			if d == nil {
				d = &Deflection{ArticleID: st.ArticleID}
				by[st.ArticleID] = d
			}
			d.Shown += st.Shown
			d.Filed += st.Filed
			if st.Day < settled {
				d.Prevented += max(st.Shown-st.Filed, 0)
			} else {
				d.Pending += max(st.Shown-st.Filed, 0)
			}
		}
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	if len(ids) > 0 {
		arts, err := s.cfg.Store.ArticlesByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, a := range arts {
			by[a.ID].Title = a.Title
		}
	}
	out := make([]Deflection, 0, len(by))
	for _, d := range by {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b Deflection) int {
		if a.Prevented != b.Prevented {
			return int(b.Prevented - a.Prevented)
		}
		if a.Shown != b.Shown {
			return int(b.Shown - a.Shown)
		}
		if a.ArticleID < b.ArticleID {
			return -1
		}
		return 1
	})
	return out, nil
}
