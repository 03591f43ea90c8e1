package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/quality"
)

// QualityAPI is the surge watch's part of the API: the ERP's shipments
// (units in service per series) and the alerts the quality engineers work
// (supervisors and admins).
type QualityAPI struct {
	Quality *quality.Service
}

// Register adds the quality routes.
func (a *QualityAPI) Register(r *apigw.Router) {
	r.Handle("PUT /v1/erp/shipments/{series}", a.putShipments)
	r.Handle("GET /v1/quality/alerts", a.list, apigw.EnumParam("status", "open", "acknowledged", "muted", "closed"))
	r.Handle("GET /v1/quality/alerts/{id}", a.get)
	r.Handle("POST /v1/quality/alerts/{id}/acknowledge", a.acknowledge)
	r.Handle("POST /v1/quality/alerts/{id}/mute", a.mute)
	r.Handle("POST /v1/quality/alerts/{id}/close", a.close)
}

// maxShipmentsBody bounds PUT /v1/erp/shipments/{series}: a thousand
// entries and some.
const maxShipmentsBody = 128 << 10

// ShipmentsResult answers the ERP: the stored shipments and whether the
// call changed them (false for a replay or an older version).
type ShipmentsResult struct {
	Shipments *quality.Shipments `json:"shipments"`
	Changed   bool               `json:"changed"`
}

func (a *QualityAPI) putShipments(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireCompanySystem(req.Principal, auth.Integration); err != nil {
		return nil, err
	}
	var body quality.ERPShipments
	if err := req.DecodeJSON(&body, maxShipmentsBody); err != nil {
		return nil, err
	}
	series := req.Param("series")
	if u, err := url.PathUnescape(series); err == nil {
		series = u
	}
	sh, changed, err := a.Quality.PutShipments(ctx, series, body, erpActor(req.Principal))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, ShipmentsResult{Shipments: sh, Changed: changed}), nil
}

// AlertList is the answer of GET /v1/quality/alerts.
type AlertList struct {
	Alerts []quality.Alert `json:"alerts"`
}

func requireQuality(p *auth.Principal) error { return auth.Require(p, auth.Supervisor, auth.Admin) }

func qualityActor(p *auth.Principal) string {
	if p.Has(auth.Supervisor) {
		return "supervisors:" + p.UserID
	}
	return "admins:" + p.UserID
}

func (a *QualityAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireQuality(req.Principal); err != nil {
		return nil, err
	}
	list, err := a.Quality.Alerts(ctx, req.Query.Get("status"))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, AlertList{Alerts: list}), nil
}

func (a *QualityAPI) get(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireQuality(req.Principal); err != nil {
		return nil, err
	}
	al, err := a.Quality.Alert(ctx, req.Param("id"))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, al), nil
}

func (a *QualityAPI) acknowledge(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireQuality(req.Principal); err != nil {
		return nil, err
	}
	al, err := a.Quality.Acknowledge(ctx, req.Param("id"), qualityActor(req.Principal))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, al), nil
}

// MuteRequest is the body of POST /v1/quality/alerts/{id}/mute.
type MuteRequest struct {
	Days *int `json:"days"`
}

func (a *QualityAPI) mute(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireQuality(req.Principal); err != nil {
		return nil, err
	}
	var body MuteRequest
	if err := req.DecodeJSON(&body, 1<<10); err != nil {
		return nil, err
	}
	if body.Days == nil {
		return nil, apperr.InvalidField("days", "required: a whole number of days")
	}
	al, err := a.Quality.Mute(ctx, req.Param("id"), *body.Days, qualityActor(req.Principal))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, al), nil
}

// CloseAlertRequest is the body of POST /v1/quality/alerts/{id}/close.
type CloseAlertRequest struct {
	Note string `json:"note"`
}

func (a *QualityAPI) close(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	if err := requireQuality(req.Principal); err != nil {
		return nil, err
	}
	var body CloseAlertRequest
	if err := req.DecodeJSON(&body, 16<<10); err != nil {
		return nil, err
	}
	al, err := a.Quality.Close(ctx, req.Param("id"), body.Note, qualityActor(req.Principal))
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, al), nil
}
