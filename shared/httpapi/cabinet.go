package httpapi

import (
	"context"
	"net/http"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/cabinet"
)

// CabinetSite serves the dealer cabinet's page and its two files. The page
// needs no sign-in to load: it signs its user in through the hosted sign-in
// and calls the API with the user's token, so it can do nothing the API
// does not let a dealer do.
type CabinetSite struct {
	// Config is what the page is told: the hosted sign-in, the app client,
	// the API's base.
	Config cabinet.Config
	// UploadOrigin is the S3 origin the page posts files to.
	UploadOrigin string
}

// Register adds the cabinet's routes. GET /cabinet takes the hosted
// sign-in's answer (code and state, or error and error_description) and
// lang, and ignores the tags messengers add to shared links; the files
// take nothing.
func (c *CabinetSite) Register(r *apigw.Router) {
	r.Handle("GET /cabinet", c.page, append([]apigw.Param{langParam, apigw.TextParam("code", 512), apigw.TextParam("state", 512),
		apigw.TextParam("error", 100), apigw.TextParam("error_description", 1000)}, marketingParams...)...)
	r.Handle("GET /cabinet/{asset}", c.asset)
}

func (c *CabinetSite) page(_ context.Context, _ *apigw.Request) (*apigw.Response, error) {
	body, err := cabinet.Shell(c.Config)
	if err != nil {
		return nil, err
	}
	return &apigw.Response{Status: http.StatusOK, Headers: c.headers("text/html; charset=utf-8", "no-store"), Body: body}, nil
}

func (c *CabinetSite) asset(_ context.Context, req *apigw.Request) (*apigw.Response, error) {
	body, contentType, ok := cabinet.Asset(req.Param("asset"))
	if !ok {
		return nil, apperr.Errorf(apperr.NotFound, "no such file of the cabinet")
	}
	// A deploy changes the files under the same names: browsers check
	// again after five minutes.
	return &apigw.Response{Status: http.StatusOK, Headers: c.headers(contentType, "public, max-age=300"), Body: body}, nil
}

func (c *CabinetSite) headers(contentType, cache string) map[string]string {
	return map[string]string{
		"content-type":            contentType,
		"cache-control":           cache,
		"content-security-policy": cabinet.CSP(c.Config, c.UploadOrigin),
		"x-content-type-options":  "nosniff",
		"x-frame-options":         "DENY",
		"referrer-policy":         "no-referrer",
	}
}
