package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apperr"
)

// Aggregates: each cell is an item AGG#<scope>#<dim>#<yyyy-mm> / <dd>#<value>
// (the all-time cells: AGG#<scope>#<dim>#total / <value>), its counters
// top-level number attributes named counterPrefix + the counter (so that an
// update ADDs to each without a map to create first). A report reads one
// partition per month of its period: items read are days × values, never
// claims. What a claim contributed, by fact kind, is AGGCLAIM#<id> /
// FACT#<kind>: the stamp (the claim's history head when applied) and the
// cells as JSON, apart from the claim's own partition so that reading a
// claim does not read them.

// counterPrefix starts the attribute name of a cell's counter.
const counterPrefix = "n_"

func aggPK(scope string, dim analytics.Dim, month string) string {
	return "AGG#" + scope + "#" + string(dim) + "#" + month
}

// cellKey returns a cell's item key: a day's in its month's partition, a
// month's in its year's (AGG#<scope>#<dim>#m<yyyy> / <mm>#<value>).
func cellKey(c analytics.Cell) (pk, sk string) {
	switch {
	case c.Day == analytics.Totals:
		return aggPK(c.Scope, c.Dim, analytics.Totals), c.Value
	case len(c.Day) == 7:
		return aggPK(c.Scope, c.Dim, "m"+c.Day[:4]), c.Day[5:7] + "#" + c.Value
	}
	return aggPK(c.Scope, c.Dim, c.Day[:7]), c.Day[8:10] + "#" + c.Value
}

// factRecord is what a claim contributed of one fact kind.
type factRecord struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Entity string `dynamodbav:"entity"`
	Kind   string `dynamodbav:"kind"`
	Stamp  int    `dynamodbav:"stamp"`
	Cells  string `dynamodbav:"cells"`
}

func (factRecord) storedItem() {}

// factCell is a cell in a factRecord's JSON.
type factCell struct {
	Scope    string             `json:"s"`
	Dim      string             `json:"d"`
	Value    string             `json:"v"`
	Day      string             `json:"t"`
	Counters analytics.Counters `json:"n"`
}

// Applied implements analytics.Store: the contributions applied for a
// claim, by fact kind.
func (s *Store) Applied(ctx context.Context, claimID string) (map[string]analytics.Applied, error) {
	out := map[string]analytics.Applied{}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName: aws.String(s.table), KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("AGGCLAIM#" + claimID)}, ConsistentRead: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("applied contribution of claim %s: %w", claimID, err)
		}
		for _, item := range page.Items {
			var r factRecord
			if err := unmarshal(item, &r); err != nil {
				return nil, err
			}
			var cells []factCell
			if err := json.Unmarshal([]byte(r.Cells), &cells); err != nil {
				return nil, fmt.Errorf("applied contribution of claim %s: %w", claimID, err)
			}
			c := analytics.Contribution{}
			for _, fc := range cells {
				c[analytics.Cell{Scope: fc.Scope, Dim: analytics.Dim(fc.Dim), Value: fc.Value, Day: fc.Day}] = fc.Counters
			}
			out[r.Kind] = analytics.Applied{Stamp: r.Stamp, Contribution: c}
		}
	}
	return out, nil
}

// Apply implements analytics.Store: delta's cells and the claim's new
// contribution of the fact kind in one transaction, if the kind's applied
// stamp is still prevStamp (Conflict otherwise).
func (s *Store) Apply(ctx context.Context, claimID, kind string, prevStamp int, next analytics.Applied, delta analytics.Contribution) error {
	var cells []factCell
	for _, c := range next.Contribution.Cells() {
		cells = append(cells, factCell{Scope: c.Scope, Dim: string(c.Dim), Value: c.Value, Day: c.Day, Counters: next.Contribution[c]})
	}
	doc, err := json.Marshal(cells)
	if err != nil {
		return fmt.Errorf("encode the contribution of claim %s: %w", claimID, err)
	}
	item, err := marshal(factRecord{PK: "AGGCLAIM#" + claimID, SK: "FACT#" + kind, Entity: "aggfact", Kind: kind, Stamp: next.Stamp, Cells: string(doc)})
	if err != nil {
		return err
	}
	put := &types.Put{TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if prevStamp > 0 {
		put.ConditionExpression = aws.String("stamp = :prev")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": num(int64(prevStamp))}
	}
	items := []types.TransactWriteItem{{Put: put}}
	for _, c := range delta.Cells() {
		items = append(items, types.TransactWriteItem{Update: cellUpdate(s.table, c, delta[c])})
	}
	if len(items) > 100 {
		return fmt.Errorf("apply the %s contribution of claim %s: %d items, more than a transaction holds", kind, claimID, len(items))
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	if len(failedItems(err)) > 0 || isTransactionConflict(err) {
		return apperr.Errorf(apperr.Conflict, "the %s contribution of claim %s was applied concurrently", kind, claimID)
	}
	return fmt.Errorf("apply the %s contribution of claim %s: %w", kind, claimID, err)
}

// cellUpdate adds counters to a cell's item, creating it with its
// description on first use.
func cellUpdate(table string, c analytics.Cell, counters analytics.Counters) *types.Update {
	pk, sk := cellKey(c)
	names := map[string]string{"#entity": "entity", "#scope": "scope", "#dim": "dim", "#v": "value", "#day": "day"}
	values := map[string]types.AttributeValue{":e": str("agg"), ":s": str(c.Scope), ":d": str(string(c.Dim)), ":v": str(c.Value), ":t": str(c.Day)}
	var adds []string
	i := 0
	for _, k := range sortedKeys(counters) {
		n := "#n" + strconv.Itoa(i)
		names[n] = counterPrefix + k
		values[":n"+strconv.Itoa(i)] = num(counters[k])
		adds = append(adds, n+" :n"+strconv.Itoa(i))
		i++
	}
	return &types.Update{
		TableName:                 aws.String(table),
		Key:                       key(pk, sk),
		UpdateExpression:          aws.String("SET #entity = :e, #scope = :s, #dim = :d, #v = :v, #day = :t ADD " + strings.Join(adds, ", ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

func sortedKeys(m analytics.Counters) []string {
	return slices.Sorted(maps.Keys(m))
}

// Cells implements analytics.Reader: one query per month of the days.
func (s *Store) Cells(ctx context.Context, scope string, dim analytics.Dim, from, to string) ([]analytics.Stored, error) {
	start, err := time.Parse("2006-01-02", from)
	if err != nil {
		return nil, apperr.InvalidField("from", "a date as YYYY-MM-DD")
	}
	end, err := time.Parse("2006-01-02", to)
	if err != nil {
		return nil, apperr.InvalidField("to", "a date as YYYY-MM-DD")
	}
	var out []analytics.Stored
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, 1, 0) {
		month := m.Format("2006-01")
		lo, hi := "01#", "31#\uffff"
		if month == from[:7] {
			lo = from[8:10] + "#"
		}
		if month == to[:7] {
			hi = to[8:10] + "#\uffff"
		}
		got, err := s.queryCells(ctx, aggPK(scope, dim, month), &lo, &hi, month)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// MonthCells implements analytics.Reader: one query per year of the
// months.
func (s *Store) MonthCells(ctx context.Context, scope string, dim analytics.Dim, from, to string) ([]analytics.Stored, error) {
	if len(from) != 7 || len(to) != 7 {
		return nil, apperr.InvalidField("from", "a month as YYYY-MM")
	}
	var out []analytics.Stored
	for year := from[:4]; year <= to[:4]; {
		lo, hi := "01#", "12#\uffff"
		if year == from[:4] {
			lo = from[5:7] + "#"
		}
		if year == to[:4] {
			hi = to[5:7] + "#\uffff"
		}
		got, err := s.queryCells(ctx, aggPK(scope, dim, "m"+year), &lo, &hi, "")
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		y, err := strconv.Atoi(year)
		if err != nil {
			return nil, apperr.InvalidField("from", "a month as YYYY-MM")
		}
		year = fmt.Sprintf("%04d", y+1)
	}
	return out, nil
}

// TotalCells implements analytics.Reader.
func (s *Store) TotalCells(ctx context.Context, scope string, dim analytics.Dim) ([]analytics.Stored, error) {
	return s.queryCells(ctx, aggPK(scope, dim, analytics.Totals), nil, nil, "")
}

func (s *Store) queryCells(ctx context.Context, pk string, lo, hi *string, month string) ([]analytics.Stored, error) {
	in := &dynamodb.QueryInput{TableName: aws.String(s.table), KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)}}
	if lo != nil {
		in.KeyConditionExpression = aws.String("PK = :pk AND SK BETWEEN :lo AND :hi")
		in.ExpressionAttributeValues[":lo"], in.ExpressionAttributeValues[":hi"] = str(*lo), str(*hi)
	}
	var out []analytics.Stored
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read aggregates %s: %w", pk, err)
		}
		for _, item := range page.Items {
			st := analytics.Stored{Counters: analytics.Counters{}}
			for k, v := range item {
				switch {
				case strings.HasPrefix(k, counterPrefix):
					if n, ok := v.(*types.AttributeValueMemberN); ok {
						if x, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
							st.Counters[strings.TrimPrefix(k, counterPrefix)] = x
						}
					}
				case k == "scope":
					st.Scope = attrString(v)
				case k == "dim":
					st.Dim = analytics.Dim(attrString(v))
				case k == "value":
					st.Value = attrString(v)
				case k == "day":
					st.Day = attrString(v)
				}
			}
			out = append(out, st)
		}
	}
	return out, nil
}

func attrString(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
