package reports

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/workflow"
)

// cellReader serves aggregate cells from a contribution.
type cellReader struct{ cells analytics.Contribution }

func (r cellReader) Cells(_ context.Context, scope string, dim analytics.Dim, from, to string) ([]analytics.Stored, error) {
	var out []analytics.Stored
	for c, cs := range r.cells {
		if c.Scope == scope && c.Dim == dim && len(c.Day) == 10 && c.Day >= from && c.Day <= to {
			out = append(out, analytics.Stored{Cell: c, Counters: cs})
		}
	}
	return out, nil
}

func (r cellReader) MonthCells(_ context.Context, scope string, dim analytics.Dim, from, to string) ([]analytics.Stored, error) {
	var out []analytics.Stored
	for c, cs := range r.cells {
		if c.Scope == scope && c.Dim == dim && len(c.Day) == 7 && c.Day >= from && c.Day <= to {
			out = append(out, analytics.Stored{Cell: c, Counters: cs})
		}
	}
	return out, nil
}

func (r cellReader) TotalCells(_ context.Context, scope string, dim analytics.Dim) ([]analytics.Stored, error) {
	var out []analytics.Stored
	for c, cs := range r.cells {
		if c.Scope == scope && c.Dim == dim && c.Day == analytics.Totals {
			out = append(out, analytics.Stored{Cell: c, Counters: cs})
		}
	}
	return out, nil
}

type flatHours struct{}

func (flatHours) Between(from, to time.Time) time.Duration { return max(to.Sub(from), 0) }

func reportsRouter(t *testing.T) *apigw.Router {
	t.Helper()
	all := analytics.Contribution{}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 12 {
		c := claims.Claim{ID: claims.Number(2026, int64(i+1)), DealerID: []string{"DLR-1", "DLR-2"}[i%2], CategoryID: []string{"defect", "delivery"}[i%2],
			TypeID: "t", Channel: claims.ChannelAPI, Stage: workflow.New, Assignee: "m-1", CreatedAt: at.AddDate(0, 0, i), Version: 1}
		if i%3 == 0 {
			c.Stage, c.StageEnteredAt = workflow.Closed, c.CreatedAt.Add(30*time.Hour)
			c.Decision = &claims.Decision{Resolution: claims.ResolutionRepair, FaultParty: "company", RootCause: "x", DecidedAt: c.CreatedAt.Add(20 * time.Hour)}
		}
		for cell, cs := range analytics.Of(&c, flatHours{}, time.UTC) {
			if all[cell] == nil {
				all[cell] = analytics.Counters{}
			}
			for k, n := range cs {
				all[cell][k] += n
			}
		}
	}
	r := apigw.NewRouter(slog.New(slog.DiscardHandler))
	(&ReportsAPI{Reader: cellReader{all}, Location: time.UTC, Now: func() time.Time { return at.AddDate(0, 1, 0) }}).Register(r)
	return r
}

func getReport(t *testing.T, r *apigw.Router, role, dealer, name string, query map[string]string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/reports/{name}", RawPath: "/v1/reports/" + name, PathParameters: map[string]string{"name": name},
		QueryStringParameters: query}
	var parts []string
	for k, v := range query {
		parts = append(parts, k+"="+v)
	}
	ev.RawQueryString = strings.Join(parts, "&")
	ev.RequestContext.HTTP.Method = "GET"
	ev.RequestContext.RequestID = "req-1"
	if role != "" {
		claimsMap := map[string]string{"sub": "u-1", "cognito:groups": "[" + role + "]"}
		if dealer != "" {
			claimsMap["custom:dealer_id"] = dealer
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claimsMap},
		}
	}
	res, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func body(t *testing.T, res events.APIGatewayV2HTTPResponse) []byte {
	t.Helper()
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return []byte(res.Body)
}

// TestReportsAPI: who reads which figures, in which format, and what is
// refused.
func TestReportsAPI(t *testing.T) {
	r := reportsRouter(t)
	month := map[string]string{"from": "2026-03-01", "to": "2026-03-31"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range month {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	res := getReport(t, r, "supervisors", "", "structure", with(map[string]string{"groupBy": "category"}))
	var got analytics.Result
	if err := json.Unmarshal(body(t, res), &got); err != nil || res.StatusCode != 200 || got.Totals["registered"] != 12 || len(got.Rows) != 2 {
		t.Fatalf("structure = %d %s", res.StatusCode, res.Body)
	}
	res = getReport(t, r, "dealers", "DLR-1", "structure", with(map[string]string{"groupBy": "category"}))
	if err := json.Unmarshal(body(t, res), &got); err != nil || res.StatusCode != 200 || got.Totals["registered"] != 6 {
		t.Errorf("the dealer's structure = %d %s, want their 6 claims", res.StatusCode, res.Body)
	}
	refusals := []struct {
		name, role, dealer, report string
		query                      map[string]string
		status                     int
	}{
		{"another dealer's figures", "dealers", "DLR-1", "structure", with(map[string]string{"dealerId": "DLR-2"}), http.StatusForbidden},
		{"a dealer grouping by manager", "dealers", "DLR-1", "structure", with(map[string]string{"groupBy": "manager"}), http.StatusForbidden},
		{"a dealer asking for the managers", "dealers", "DLR-1", "managers", with(nil), http.StatusForbidden},
		{"a dealer by type and manager", "dealers", "DLR-1", "structure", with(map[string]string{"groupBy": "type", "thenBy": "manager"}), http.StatusForbidden},
		{"a pair not kept", "supervisors", "", "structure", with(map[string]string{"groupBy": "channel", "thenBy": "priority"}), http.StatusBadRequest},
		{"a manager", "managers", "", "structure", with(nil), http.StatusForbidden},
		{"unknown report", "supervisors", "", "everything", with(nil), http.StatusBadRequest},
		{"unknown dimension", "supervisors", "", "structure", with(map[string]string{"groupBy": "colour"}), http.StatusBadRequest},
		{"unknown measure", "supervisors", "", "structure", with(map[string]string{"measures": "registered,happiness"}), http.StatusBadRequest},
		{"from after to", "supervisors", "", "dynamics", map[string]string{"from": "2026-04-01", "to": "2026-03-01"}, http.StatusBadRequest},
		{"six years", "supervisors", "", "dynamics", map[string]string{"from": "2020-01-01", "to": "2026-03-01"}, http.StatusBadRequest},
		{"no such day", "supervisors", "", "dynamics", map[string]string{"from": "2026-02-30", "to": "2026-03-01"}, http.StatusBadRequest},
	}
	for _, tt := range refusals {
		if res := getReport(t, r, tt.role, tt.dealer, tt.report, tt.query); res.StatusCode != tt.status {
			t.Errorf("%s = %d %s, want %d", tt.name, res.StatusCode, res.Body, tt.status)
		}
	}
	// The files: the same figures.
	res = getReport(t, r, "admins", "", "dynamics", with(map[string]string{"period": "week", "format": "csv"}))
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body(t, res), []byte("\ufeff")))).ReadAll()
	if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Headers["content-type"], "text/csv") || len(rows) < 3 {
		t.Fatalf("dynamics csv = %d %v: %v", res.StatusCode, err, rows)
	}
	// By two dimensions: a column for each.
	res = getReport(t, r, "admins", "", "structure", with(map[string]string{"groupBy": "dealer", "thenBy": "type", "format": "csv", "lang": "en"}))
	rows, err = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body(t, res), []byte("\ufeff")))).ReadAll()
	if err != nil || res.StatusCode != 200 || len(rows) != 4 || rows[0][0] != "Dealer" || rows[0][1] != "Type" || rows[1][1] != "t" || rows[3][0] != "Total" {
		t.Errorf("structure by dealer and type csv = %d %v: %v", res.StatusCode, err, rows)
	}
	for format, prefix := range map[string]string{"xlsx": "PK", "pdf": "%PDF-"} {
		res = getReport(t, r, "admins", "", "structure", with(map[string]string{"format": format, "lang": "en"}))
		if res.StatusCode != 200 || !strings.HasPrefix(string(body(t, res)), prefix) || !strings.Contains(res.Headers["content-disposition"], "structure_2026-03-01_2026-03-31."+format) {
			t.Errorf("structure %s = %d, %q", format, res.StatusCode, res.Headers["content-disposition"])
		}
	}
}
