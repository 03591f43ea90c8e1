package httpapi

import (
	"context"
	"net/http"

	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/lazyre"
)

// AnalyticsAdminAPI lets administrators check the aggregates against a
// recount of the claims and recount them (a repair, new dimensions), a
// page of a month's claims per call.
type AnalyticsAdminAPI struct {
	Maintenance *analytics.Maintenance
}

var monthParamPattern = lazyre.New(`^\d{4}-(0[1-9]|1[0-2])$`)

// Register adds the routes (AdminFunction).
func (a *AnalyticsAdminAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/admin/analytics/check", a.check,
		apigw.PatternParam("month", monthParamPattern, 7, "a month as YYYY-MM").Req(), cursorParam)
	r.Handle("POST /v1/admin/analytics/recount", a.recount)
}

// RecountRequest is the body of POST /v1/admin/analytics/recount.
type RecountRequest struct {
	Month  string `json:"month"`
	Cursor string `json:"cursor"`
}

func (a *AnalyticsAdminAPI) check(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	p, err := a.Maintenance.Check(ctx, req.Query.Get("month"), req.Query.Get("cursor"))
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
	p, err := a.Maintenance.Recount(ctx, body.Month, body.Cursor)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, p), nil
}
