package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/claimdocs"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/sla"
)

// DocStore keeps the SLA's reference documents.
type DocStore interface {
	ConfigDoc(ctx context.Context, name string) ([]byte, error)
	PutConfigDoc(ctx context.Context, name string, doc []byte) error
}

// SLAAdminAPI lets administrators read and replace the reference
// documents: the SLA policies, the working calendar, and the company's
// details the generated documents carry. Functions pick a change of the
// SLA's up within their cache time (a minute); documents read the
// company's details each time they are made.
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
	r.Handle("GET /v1/admin/company", a.getCompany)
	r.Handle("PUT /v1/admin/company", a.putCompany)
}

func (a *SLAAdminAPI) getCompany(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	return a.get(ctx, req, claimdocs.CompanyDoc)
}

func (a *SLAAdminAPI) putCompany(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var c documents.Company
	return a.put(ctx, req, claimdocs.CompanyDoc, &c, func() error { return claimdocs.ValidateCompany(&c) })
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

// put decodes a document strictly into doc (unknown fields and wrong types
// are 400 naming the field), checks it with check and stores it
// re-encoded compactly, answering with it.
func (a *SLAAdminAPI) put(ctx context.Context, req *apigw.Request, name string, doc any, check func() error) (*apigw.Response, error) {
	if err := admin(req); err != nil {
		return nil, err
	}
	if err := req.DecodeJSON(doc, maxDocBody); err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	if err := a.Docs.PutConfigDoc(ctx, name, b); err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, doc), nil
}

func (a *SLAAdminAPI) getPolicies(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	return a.get(ctx, req, sla.PoliciesDoc)
}

func (a *SLAAdminAPI) putPolicies(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var c sla.Config
	return a.put(ctx, req, sla.PoliciesDoc, &c, func() error {
		if err := c.Validate(); err != nil {
			return err
		}
		cat, err := a.Catalog.Catalog(ctx)
		if err != nil {
			return err
		}
		return c.CheckCatalog(cat)
	})
}

func (a *SLAAdminAPI) getCalendar(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	return a.get(ctx, req, sla.CalendarDoc)
}

func (a *SLAAdminAPI) putCalendar(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var c sla.Calendar
	return a.put(ctx, req, sla.CalendarDoc, &c, c.Validate)
}
