package httpapi

import (
	"context"
	"net/http"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/claimdocs"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/visibility"
)

// DocumentsAPI is the claim's documents: the list (each with a short-lived
// download link) and the TORG-2 act the receiving side fills.
type DocumentsAPI struct {
	Docs     *claimdocs.Service
	Registry *registry.Service
}

// Register adds the documents routes.
func (a *DocumentsAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/claims/{id}/documents", a.list)
	r.Handle("POST /v1/claims/{id}/documents/torg-2", a.torg2)
	r.Handle("GET /v1/claims/{id}/documents/torg-2", a.torg2Values)
	r.Handle("GET /v1/claims/{id}/documents/{documentId}/file", a.file)
}

// file redirects to a document's download link (302): one URL a browser or
// curl -L follows, for a document the caller sees.
func (a *DocumentsAPI) file(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	d, err := a.Registry.Visible(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	want := req.Param("documentId")
	for _, doc := range d.Documents {
		if doc.ID != want {
			continue
		}
		views, err := a.Registry.DocumentViews(ctx, d.Claim.ID, []claims.Document{doc})
		if err != nil {
			return nil, err
		}
		return &apigw.Response{Status: http.StatusFound, Headers: map[string]string{"location": views[0].URL, "cache-control": "no-store"}}, nil
	}
	return nil, apperr.Errorf(apperr.NotFound, "claim %s has no document %s", d.Claim.ID, want)
}

// maxTorg2Body bounds a TORG-2 request (500 lines with notes fit).
const maxTorg2Body = 512 << 10

// Documents is the answer of GET /v1/claims/{id}/documents: newest first.
type Documents struct {
	ClaimID   string                  `json:"claimId"`
	Documents []registry.DocumentView `json:"documents"`
}

func (a *DocumentsAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	d, err := a.Registry.Visible(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	views, err := a.Registry.DocumentViews(ctx, d.Claim.ID, d.Documents)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, Documents{ClaimID: d.Claim.ID, Documents: views}), nil
}

// Torg2Document is the answer of POST /v1/claims/{id}/documents/torg-2: the
// act, and what to do with it next.
type Torg2Document struct {
	registry.DocumentView
	// Next tells the receiving side what to do with the act.
	Next string `json:"next"`
}

func (a *DocumentsAPI) torg2(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var body claimdocs.Torg2Request
	if err := req.DecodeJSON(&body, maxTorg2Body); err != nil {
		return nil, err
	}
	doc, err := a.Docs.Torg2(ctx, req.Principal, req.Param("id"), body)
	if err != nil {
		return nil, err
	}
	v, err := a.view(ctx, req, doc)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, Torg2Document{DocumentView: v,
		Next: "print the act, have the commission sign it, stamp it, and attach the scan to the claim in the photo zone \"documents\" " +
			"(POST /v1/claims/{id}/attachments, then PUT /v1/claims/{id}/attachments/{uploadId})"}), nil
}

// Torg2Values is the answer of GET /v1/claims/{id}/documents/torg-2: the
// request the latest act was filled from, to correct and send again.
type Torg2Values struct {
	Values   *claimdocs.Torg2Request `json:"values"`
	Document registry.DocumentView   `json:"document"`
}

func (a *DocumentsAPI) torg2Values(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	values, doc, err := a.Docs.Torg2Values(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	v, err := a.view(ctx, req, doc)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusOK, Torg2Values{Values: values, Document: v}), nil
}

// view is one document as the caller sees it, with its link.
func (a *DocumentsAPI) view(ctx context.Context, req *apigw.Request, d *claims.Document) (registry.DocumentView, error) {
	shown := visibility.Documents(visibility.Of(req.Principal), []claims.Document{*d})
	views, err := a.Registry.DocumentViews(ctx, req.Param("id"), shown)
	if err != nil || len(views) == 0 {
		return registry.DocumentView{}, err
	}
	return views[0], nil
}
