package gateway

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Limits HTTP API and Lambda enforce on a synchronous request.
const (
	// MaxRequestBody is HTTP API's 10 MB request payload limit.
	MaxRequestBody = 10 << 20
	// MaxInvokePayload is Lambda's 6 MB synchronous invocation limit, which
	// applies to the event (after base64 growth) and to the response.
	MaxInvokePayload = 6291456
)

// Invoker runs Lambda functions. The local runtime implements it.
type Invoker interface {
	// Invoke runs the function synchronously and returns its raw response
	// payload. FunctionError is "" on success and "Unhandled" when the
	// function failed, crashed or timed out (Payload then holds
	// {"errorMessage","errorType"}). A non-nil error means the invoke could
	// not happen (throttled, function unknown, infrastructure). Invoke must
	// give up when ctx is done, and must not keep payload after returning:
	// the gateway reuses its buffer.
	Invoke(ctx context.Context, function string, payload []byte) (InvokeResult, error)
}

// InvokeResult is the outcome of a synchronous invoke that happened.
type InvokeResult struct {
	Payload       []byte
	FunctionError string
}

// Route is one HTTP API route with a Lambda proxy integration (payload
// format 2.0).
type Route struct {
	// Method is "GET", "POST", ..., or "ANY"; ignored for $default.
	Method string
	// Path is a route path such as "/v1/claims/{id}" or "/files/{proxy+}",
	// or "$default" for the catch-all route.
	Path string
	// Function is the name passed to the Invoker.
	Function string
	// Authorizer names an entry of Config.Authorizers; "" means no
	// authorization.
	Authorizer string
	// Scopes are the route's AuthorizationScopes; a token needs one of them.
	Scopes []string
	// Timeout is the integration timeout; zero means 30 seconds.
	Timeout time.Duration
}

// KeySource returns the RSA public key a token issuer signs with under kid.
type KeySource interface {
	PublicKey(kid string) (*rsa.PublicKey, bool)
}

// JWTAuthorizer is an HTTP API JWT authorizer.
type JWTAuthorizer struct {
	// IdentitySource is "$request.header.<Name>"; empty means
	// "$request.header.Authorization".
	IdentitySource string
	// Issuer must equal the token's "iss" exactly.
	Issuer string
	// Audience lists accepted "aud" values (or "client_id" values for
	// tokens without "aud", such as Cognito access tokens).
	Audience []string
	// Keys resolves the token's "kid".
	Keys KeySource
}

// CORS is an HTTP API CorsConfiguration.
type CORS struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders []string
	MaxAge                                                  int
	AllowCredentials                                        bool
}

// ThrottleSettings are the API's DefaultRouteSettings throttling values,
// applied to each route separately. A zero RateLimit means unlimited.
type ThrottleSettings struct {
	BurstLimit int
	RateLimit  float64
}

// Config describes one HTTP API stage.
type Config struct {
	// APIID and AccountID appear in requestContext; Stage defaults to
	// "$default". Region is kept with them for the stack's configuration;
	// payload format 2.0 events carry no region.
	APIID, Stage, Region, AccountID string
	Routes                          []Route
	Authorizers                     map[string]JWTAuthorizer
	// CORS is nil when the API has no CorsConfiguration.
	CORS     *CORS
	Throttle ThrottleSettings
	Invoker  Invoker
	// Now defaults to time.Now; tests pin it.
	Now func() time.Time
	// Logger receives the access log, one JSON line per request; nil
	// discards it.
	Logger *slog.Logger
}

// Gateway is an http.Handler that behaves like the configured HTTP API.
type Gateway struct {
	apiID, stage, accountID string
	invoker                 Invoker
	now                     func() time.Time
	log                     *slog.Logger
	throttle                ThrottleSettings
	authorizers             map[string]*jwtAuthorizer
	cors                    *corsPolicy
	table                   atomic.Pointer[routeTable]
	ids                     *requestIDs
	bufs                    sync.Pool // *[]byte, for request bodies and events
}

// New validates cfg and returns a Gateway. It fails when a route is
// malformed (bad path, unknown method, greedy variable not last),
// duplicates or conflicts with another route, names an unknown authorizer,
// or when an authorizer or the CORS configuration is unusable.
func New(cfg Config) (*Gateway, error) {
	if cfg.Invoker == nil {
		return nil, errors.New("gateway: no invoker")
	}
	g := &Gateway{
		apiID:       cfg.APIID,
		stage:       cfg.Stage,
		accountID:   cfg.AccountID,
		invoker:     cfg.Invoker,
		now:         cfg.Now,
		log:         cfg.Logger,
		throttle:    cfg.Throttle,
		authorizers: make(map[string]*jwtAuthorizer, len(cfg.Authorizers)),
		ids:         newRequestIDs(),
	}
	if g.stage == "" {
		g.stage = "$default"
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	for name, a := range cfg.Authorizers {
		ca, err := compileAuthorizer(name, a)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		g.authorizers[name] = ca
	}
	cors, err := compileCORS(cfg.CORS)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g.cors = cors
	if err := g.SetRoutes(cfg.Routes); err != nil {
		return nil, err
	}
	return g, nil
}

// SetRoutes validates routes and atomically replaces the route table, as a
// redeploy does after a template change. Requests in flight finish on the
// old table. On error the current table stays in place. Throttling buckets
// start full again.
func (g *Gateway) SetRoutes(routes []Route) error {
	t, err := buildRouteTable(routes, g.authorizers, g.throttle)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	g.table.Store(t)
	return nil
}

func (g *Gateway) getBuf() *[]byte {
	if b, ok := g.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 4096)
	return &b
}

// putBuf recycles a buffer unless it grew large: a pool of 10 MB buffers
// would pin memory long after one big upload.
func (g *Gateway) putBuf(b *[]byte) {
	if cap(*b) > 1<<20 {
		return
	}
	*b = (*b)[:0]
	g.bufs.Put(b)
}
