package httpapi

import (
	"context"
	"net/http"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// AnalyticsAdminAPI lets administrators check the aggregates against a
// recount of the claims and recount them (a repair, new dimensions), a
// page of a month's claims per call.
type AnalyticsAdminAPI struct {
	Maintenance *analytics.Maintenance
}

var (
	monthParamPattern = lazyre.New(`^\d{4}-(0[1-9]|1[0-2])$`)
	// A check's cursor: a page's, or over a span of months the month and
	// its page.
	spanCursorPattern = lazyre.New(`^(\d{4}-\d{2}~)?([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?$`)
)

// Register adds the routes (AdminFunction).
func (a *AnalyticsAdminAPI) Register(r *apigw.Router) {
	month := func(name string) apigw.Param {
		return apigw.PatternParam(name, monthParamPattern, 7, "a month as YYYY-MM")
	}
	r.Handle("GET /v1/admin/analytics/check", a.check, month("month"), month("from"), month("to"),
		apigw.PatternParam("cursor", spanCursorPattern, 1024, "a cursor from the previous page's next"))
	r.Handle("POST /v1/admin/analytics/recount", a.recount)
}

// RecountRequest is the body of POST /v1/admin/analytics/recount: a
// month, or the months from..to (a rebuild).
type RecountRequest struct {
	Month  string `json:"month"`
	From   string `json:"from"`
	To     string `json:"to"`
	Cursor string `json:"cursor"`
}

// span picks one month or a span of months: exactly one of them.
func span(month, from, to string) (bool, error) {
	switch {
	case month != "" && (from != "" || to != ""):
		return false, apperr.InvalidField("month", "a month, or from and to: not both")
	case month != "":
		return false, nil
	case from == "" && to == "":
		return false, apperr.InvalidField("month", "required: a month, or from and to")
	case from == "":
		return false, apperr.InvalidField("from", "required with to")
	case to == "":
		return false, apperr.InvalidField("to", "required with from")
	}
	return true, nil
}

func (a *AnalyticsAdminAPI) check(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	q := req.Query
	isSpan, err := span(q.Get("month"), q.Get("from"), q.Get("to"))
	if err != nil {
		return nil, err
	}
	var p *analytics.Page
	if isSpan {
		p, err = a.Maintenance.CheckSpan(ctx, q.Get("from"), q.Get("to"), q.Get("cursor"))
	} else {
		p, err = a.Maintenance.Check(ctx, q.Get("month"), q.Get("cursor"))
	}
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, p), nil
}

func (a *AnalyticsAdminAPI) recount(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	var body RecountRequest
	if err := req.DecodeJSON(&body, 4<<10); err != nil {
		return nil, err
	}
	isSpan, err := span(body.Month, body.From, body.To)
	if err != nil {
		return nil, err
	}
	var p *analytics.Page
	if isSpan {
		p, err = a.Maintenance.RecountSpan(ctx, body.From, body.To, body.Cursor)
	} else {
		p, err = a.Maintenance.Recount(ctx, body.Month, body.Cursor)
	}
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, p), nil
}
