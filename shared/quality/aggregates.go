package quality

import (
	"context"
	"fmt"

	"github.com/claimsdesk/backend/shared/analytics"
)

// The reports' aggregates count claims per day and pair of dimensions too
// (series × type: the dimension PairDim, each value the series and the
// type joined by PairSeparator). They are another source of the daily
// counts the detector reads, for the days before the watch counted a
// series (claims counted before it was deployed). The watch does not read
// them per claim: a day's cells of a dimension hold every series, so the
// read grows with the number of series, where the watch's own counts
// (Store.SeriesDays) read one series and type.
const (
	PairDim       analytics.Dim = "series+type"
	PairSeparator               = "\x1f"
)

// CellReader reads the aggregates' day cells (analytics.Reader).
type CellReader interface {
	Cells(ctx context.Context, scope string, dim analytics.Dim, from, to string) ([]analytics.Stored, error)
}

// AggregateDays returns the claims of (series, type) registered each day
// in [from, to] as the aggregates counted them (days without claims are
// absent).
func AggregateDays(ctx context.Context, r CellReader, series, typeID, from, to string) (map[string]int, error) {
	cells, err := r.Cells(ctx, analytics.AllScope, PairDim, from, to)
	if err != nil {
		return nil, fmt.Errorf("aggregates of %s/%s: %w", series, typeID, err)
	}
	want := series + PairSeparator + typeID
	out := map[string]int{}
	for _, c := range cells {
		if c.Value == want && c.Counters[analytics.Registered] > 0 {
			out[c.Day] += int(c.Counters[analytics.Registered])
		}
	}
	return out, nil
}
