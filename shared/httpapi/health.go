// Package httpapi holds the HTTP handlers of the application's API functions:
// each Register function adds one function's routes to an apigw.Router.
// Handlers check the caller, decode and validate input, call the domain and
// storage packages through small interfaces, and return apigw responses.
//
// Layer: edge.
package httpapi

import (
	"context"
	"net/http"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
)

// Pinger checks a dependency.
type Pinger interface {
	Ping(ctx context.Context) error
}

// RegisterHealth adds GET /health: 200 when the table answers, 503 otherwise.
func RegisterHealth(r *apigw.Router, db Pinger) {
	r.Handle("GET /health", func(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
		if err := db.Ping(ctx); err != nil {
			return apigw.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "checks": map[string]string{"table": "failing"}}), nil
		}
		return apigw.JSON(http.StatusOK, map[string]any{"status": "ok", "checks": map[string]string{"table": "ok"}}), nil
	})
}

// RegisterMe adds GET /v1/me: the signed-in caller as the API sees them.
func RegisterMe(r *apigw.Router) {
	r.Handle("GET /v1/me", func(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
		if req.Principal == nil {
			return nil, apperr.Errorf(apperr.Unauthorized, "sign-in required")
		}
		return apigw.JSON(http.StatusOK, req.Principal), nil
	})
}
