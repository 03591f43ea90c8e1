package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/sla"
)

// DocStore keeps the SLA's reference documents.
type DocStore interface {
	ConfigDoc(ctx context.Context, name string) ([]byte, error)
	PutConfigDoc(ctx context.Context, name string, doc []byte) error
}

// SLAAdminAPI lets administrators read and replace the SLA policies and the
// working calendar. Functions pick a change up within their cache time (a
// minute).
type SLAAdminAPI struct {
	Docs    DocStore
	Catalog catalog.Source
}

// Register adds the routes (AdminFunction).
func (a *SLAAdminAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/admin/sla", a.getPolicies)
	r.Handle("PUT /v1/admin/sla", a.putPolicies)
	r.Handle("GET /v1/admin/calendar", a.getCalendar)
	r.Handle("PUT /v1/admin/calendar", a.putCalendar)
}

// maxDocBody bounds a reference document.
const maxDocBody = 256 << 10

func (a *SLAAdminAPI) get(ctx context.Context, req *apigw.Request, name string) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	doc, err := a.Docs.ConfigDoc(ctx, name)
	if err != nil {
		return nil, err
	}
	return &apigw.Response{Status: http.StatusOK, Headers: map[string]string{"content-type": "application/json"}, Body: doc}, nil
}

// put validates a document with parse and stores it as the caller sent it
// (re-encoded compactly), answering with the parsed form.
func (a *SLAAdminAPI) put(ctx context.Context, req *apigw.Request, name string, parse func([]byte) (any, error)) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := req.DecodeJSON(&raw, maxDocBody); err != nil {
		return nil, err
	}
	v, err := parse(raw)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if err := a.Docs.PutConfigDoc(ctx, name, doc); err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, v), nil
}

func (a *SLAAdminAPI) getPolicies(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	return a.get(ctx, req, sla.PoliciesDoc)
}

func (a *SLAAdminAPI) putPolicies(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	return a.put(ctx, req, sla.PoliciesDoc, func(b []byte) (any, error) {
		c, err := sla.ParseConfig(b)
		if err != nil {
			return nil, err
		}
		cat, err := a.Catalog.Catalog(ctx)
		if err != nil {
			return nil, err
		}
		if err := c.CheckCatalog(cat); err != nil {
			return nil, err
		}
		return c, nil
	})
}

func (a *SLAAdminAPI) getCalendar(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	return a.get(ctx, req, sla.CalendarDoc)
}

func (a *SLAAdminAPI) putCalendar(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	return a.put(ctx, req, sla.CalendarDoc, func(b []byte) (any, error) {
		c, err := sla.ParseCalendar(b)
		if err != nil {
			return nil, err
		}
		return c, nil
	})
}
