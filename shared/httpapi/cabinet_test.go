package httpapi_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/cabinet"
	"github.com/claimsdesk/backend/shared/httpapi"
)

func cabinetGet(t *testing.T, r *apigw.Router, routeKey, path, query string, params map[string]string) lambdaevents.APIGatewayV2HTTPResponse {
	t.Helper()
	ev := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: routeKey, RawPath: path, RawQueryString: query, PathParameters: params,
		Headers: map[string]string{"host": "claims.example.com"}}
	ev.RequestContext.RequestID = "req-1"
	ev.RequestContext.HTTP.Method = "GET"
	ev.RequestContext.DomainName = "claims.example.com"
	res, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCabinetSite: the page takes the hosted sign-in's answer and nothing
// else, carries its configuration and a strict policy; the files are served
// by name only.
func TestCabinetSite(t *testing.T) {
	r := apigw.NewRouter(slog.New(slog.DiscardHandler))
	cfg := cabinet.Config{SignInURL: "https://claims-1.auth.eu-central-1.amazoncognito.com", ClientID: "cabinet-client-1"}
	(&httpapi.CabinetSite{Config: cfg, UploadOrigin: "https://bucket.s3.eu-central-1.amazonaws.com"}).Register(r)

	for _, q := range []string{"", "code=abc&state=xyz", "error=access_denied&error_description=no&state=xyz", "lang=en", "utm_source=telegram"} {
		res := cabinetGet(t, r, "GET /cabinet", "/cabinet", q, nil)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Headers["content-type"], "text/html") || !strings.Contains(res.Body, `"clientId":"cabinet-client-1"`) {
			t.Errorf("GET /cabinet?%s = %d %s", q, res.StatusCode, res.Headers["content-type"])
		}
		csp := res.Headers["content-security-policy"]
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "https://claims-1.auth.eu-central-1.amazoncognito.com") ||
			!strings.Contains(csp, "https://bucket.s3.eu-central-1.amazonaws.com") || res.Headers["cache-control"] != "no-store" {
			t.Errorf("GET /cabinet?%s: headers %v", q, res.Headers)
		}
	}
	if res := cabinetGet(t, r, "GET /cabinet", "/cabinet", "token=abc", nil); res.StatusCode != 400 || !strings.Contains(res.Body, "token") {
		t.Errorf("GET /cabinet?token=abc = %d %s, want 400 naming token", res.StatusCode, res.Body)
	}
	for name, ct := range map[string]string{"app.js": "text/javascript", "app.css": "text/css"} {
		res := cabinetGet(t, r, "GET /cabinet/{asset}", "/cabinet/"+name, "", map[string]string{"asset": name})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Headers["content-type"], ct) || res.Headers["cache-control"] != "public, max-age=300" || len(res.Body) < 1000 {
			t.Errorf("GET /cabinet/%s = %d %v", name, res.StatusCode, res.Headers)
		}
	}
	for _, name := range []string{"index.html", "app.js.map", "..%2Fcabinet.go"} {
		if res := cabinetGet(t, r, "GET /cabinet/{asset}", "/cabinet/"+name, "", map[string]string{"asset": name}); res.StatusCode != 404 {
			t.Errorf("GET /cabinet/%s = %d, want 404", name, res.StatusCode)
		}
	}
}
