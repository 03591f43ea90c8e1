package reports

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/exports/exportstest"
	"github.com/claimsdesk/backend/shared/registry"
)

// TestListExportPointsToTheBackground: the list answered at once holds up
// to MaxExport claims; a longer one is a 400 naming the background export.
func TestListExportPointsToTheBackground(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var cs []claims.Claim
	for i := range MaxExport + 1 {
		cs = append(cs, claims.Claim{ID: claims.Number(2026, int64(i+1)), CreatedAt: at.Add(time.Duration(i) * time.Second),
			DealerID: "DLR-1", Product: claims.Product{Series: "S-1"}})
	}
	get := func(cs []claims.Claim) events.APIGatewayV2HTTPResponse {
		reg, err := registry.New(registry.Config{Store: &exportstest.Claims{All: cs}, CursorKey: []byte("k")})
		if err != nil {
			t.Fatal(err)
		}
		r := apigw.NewRouter(slog.New(slog.DiscardHandler))
		(&ExportsAPI{Registry: reg}).Register(r)
		ev := events.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/exports/claims", RawPath: "/v1/exports/claims",
			RawQueryString: "series=S-1", QueryStringParameters: map[string]string{"series": "S-1"}}
		ev.RequestContext.HTTP.Method = "GET"
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "s-1", "cognito:groups": "[supervisors]"}},
		}
		res, err := r.Serve(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := get(cs)
	var e apigw.ErrorBody
	_ = json.Unmarshal([]byte(res.Body), &e)
	if res.StatusCode != 400 || len(e.Error.Fields) != 1 || !strings.Contains(e.Error.Fields[0].Message, "POST /v1/exports/claims") {
		t.Errorf("%d claims = %d %s, want 400 pointing to POST /v1/exports/claims", MaxExport+1, res.StatusCode, res.Body)
	}
	if res := get(cs[1:]); res.StatusCode != 200 {
		t.Errorf("%d claims = %d %.200s, want 200", MaxExport, res.StatusCode, res.Body)
	}
}
