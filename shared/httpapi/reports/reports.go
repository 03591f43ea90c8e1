// Package reports is the HTTP edge of the ReportsFunction: the reports on
// the claims' aggregates and the claims list, as JSON, CSV, XLSX or PDF.
// It is apart from package httpapi so that only the function that draws
// spreadsheets links the spreadsheet library (its start-up costs a
// millisecond).
//
// Layer: edge.
package reports

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/quality"
	"github.com/claimsdesk/backend/shared/reportfile"
	"github.com/claimsdesk/backend/shared/reportlayout"
	"github.com/claimsdesk/backend/shared/visibility"
)

// ReportsAPI serves the reports on the claims' aggregates: JSON, CSV, XLSX
// or PDF. Supervisors and admins read every claim's figures, or one
// dealer's; a dealer (or a dealer's system) reads their own, without the
// claims department's own dimensions.
type ReportsAPI struct {
	Reader analytics.Reader
	// Catalog names categories and types in files (optional: their IDs).
	Catalog catalog.Source
	// Roster names the managers in files (optional: their IDs).
	Roster   reportlayout.RosterSource
	Location *time.Location
	Now      func() time.Time
	// Alerts lists the defect surge alerts the products report shows staff
	// (optional).
	Alerts AlertLister
}

// AlertLister lists the surge alerts: the closed ones or the others,
// newest first (the store).
type AlertLister interface {
	Alerts(ctx context.Context, closed bool, limit int) ([]quality.Alert, error)
}

var (
	dayPattern      = lazyre.New(`^\d{4}-\d{2}-\d{2}$`)
	measuresPattern = lazyre.New(`^[a-zA-Z0-9]+(,[a-zA-Z0-9]+)*$`)
	filterPattern   = lazyre.New(`^[a-zA-Z]+:.{1,300}$`)
)

// Register adds the report route.
func (a *ReportsAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/reports/{name}", a.report,
		apigw.PatternParam("from", dayPattern, 10, "a day as YYYY-MM-DD").Req(),
		apigw.PatternParam("to", dayPattern, 10, "a day as YYYY-MM-DD").Req(),
		apigw.EnumParam("period", analytics.Periods...),
		apigw.TextParam("groupBy", 40),
		apigw.TextParam("thenBy", 40),
		apigw.PatternParam("filter", filterPattern, 340, "a dimension and a value as <dimension>:<value>, e.g. category:defect"),
		apigw.PatternParam("measures", measuresPattern, 600, "measure names separated by commas"),
		httpapi.DealerIDParam("dealerId"),
		apigw.EnumParam("format", "json", "csv", "xlsx", "pdf"),
		httpapi.LangParam(),
	)
}

func (a *ReportsAPI) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *ReportsAPI) loc() *time.Location {
	if a.Location != nil {
		return a.Location
	}
	return time.UTC
}

func (a *ReportsAPI) report(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	if err := auth.Require(p, auth.Supervisor, auth.Admin, auth.Dealer, auth.Integration); err != nil {
		return nil, err
	}
	q := analytics.Query{Name: req.Param("name"), Period: req.Query.Get("period"), GroupBy: analytics.Dim(req.Query.Get("groupBy")),
		ThenBy: analytics.Dim(req.Query.Get("thenBy"))}
	loc := a.loc()
	var err error
	if q.From, err = time.ParseInLocation("2006-01-02", req.Query.Get("from"), loc); err != nil {
		return nil, apperr.InvalidField("from", "a day as YYYY-MM-DD")
	}
	if q.To, err = time.ParseInLocation("2006-01-02", req.Query.Get("to"), loc); err != nil {
		return nil, apperr.InvalidField("to", "a day as YYYY-MM-DD")
	}
	if f := req.Query.Get("filter"); f != "" {
		dim, value, _ := strings.Cut(f, ":")
		q.FilterDim, q.FilterValue = analytics.Dim(dim), value
	}
	if m := req.Query.Get("measures"); m != "" {
		q.Measures = strings.Split(m, ",")
	}
	// Whose figures: a dealer's own, or (staff) everybody's or a dealer's.
	dealer := req.Query.Get("dealerId")
	switch aud := visibility.Of(p); {
	case aud == visibility.Dealer:
		own := visibility.DealerScope(p)
		if dealer != "" && dealer != own {
			return nil, apperr.Errorf(apperr.Forbidden, "a dealer reads their own figures only")
		}
		for _, d := range []analytics.Dim{q.GroupBy, q.ThenBy, q.FilterDim} {
			if d.Internal() {
				return nil, apperr.Errorf(apperr.Forbidden, "the %s dimension is the claims department's", d)
			}
		}
		q.Scope = analytics.DealerScope(own)
	case p.HasAny(auth.Supervisor, auth.Admin) || aud == visibility.Integration:
		q.Scope = analytics.AllScope
		if dealer != "" {
			q.Scope = analytics.DealerScope(dealer)
		}
	default:
		return nil, apperr.Errorf(apperr.Forbidden, "reports are for supervisors, admins and dealers")
	}
	if q.Name == analytics.ReportManagers && q.Scope != analytics.AllScope && visibility.Of(p) == visibility.Dealer {
		return nil, apperr.Errorf(apperr.Forbidden, "the managers' report is the claims department's")
	}
	res, err := analytics.Run(ctx, a.Reader, q, a.now().In(loc))
	if err != nil {
		return nil, err
	}
	format := req.Query.Get("format")
	if format == "" || format == "json" {
		// The products report shows the claims department the defect
		// surges still open (never a dealer: the company's own finding).
		if q.Name == analytics.ReportProducts && a.Alerts != nil && visibility.SeesQualityAlerts(visibility.Of(p)) {
			list, err := a.Alerts.Alerts(ctx, false, 100)
			if err != nil {
				return nil, err
			}
			res.Alerts = []analytics.AlertSummary{}
			for _, al := range list {
				res.Alerts = append(res.Alerts, analytics.AlertSummary{ID: al.ID, Series: al.Series, Model: al.Model, TypeID: al.TypeID,
					Status: string(al.Status), Observed: al.Finding.Observed, Expected: al.Finding.Expected, RaisedAt: al.RaisedAt})
			}
		}
		return apigw.JSON(http.StatusOK, res), nil
	}
	lang := "ru"
	if req.Query.Get("lang") == "en" {
		lang = "en"
	}
	file := a.reportFile(ctx, res, lang, loc)
	var body []byte
	var ctype string
	switch format {
	case "csv":
		body, err = reportfile.CSV(file)
		ctype = "text/csv; charset=utf-8"
	case "xlsx":
		body, err = reportfile.XLSX(file)
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "pdf":
		body, err = reportfile.PDF(file)
		ctype = "application/pdf"
	}
	if err != nil {
		return nil, fmt.Errorf("render the %s report as %s: %w", res.Name, format, err)
	}
	out := apigw.Bytes(http.StatusOK, ctype, body)
	out.Headers["content-disposition"] = fmt.Sprintf(`attachment; filename="%s_%s_%s.%s"`, res.Name, res.From, res.To, format)
	return out, nil
}

// reportFile lays a report's figures out for a file (package reportlayout).
func (a *ReportsAPI) reportFile(ctx context.Context, res *analytics.Result, lang string, loc *time.Location) reportfile.Report {
	return reportlayout.File(ctx, reportlayout.Names{Catalog: a.Catalog, Roster: a.Roster}, res, lang, loc, a.now())
}
