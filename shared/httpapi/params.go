package httpapi

import (
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/lazyre"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/workflow"
)

// The query parameters the routes share. Each route declares the ones it
// takes when it registers (apigw.Router.Handle); the router refuses any
// other, and any value that fails its check, with 400 naming it. The
// OpenAPI test compares these declarations with openapi.yaml.
var (
	catalogIDPattern = lazyre.New(`^[a-z][a-z0-9_-]{1,39}$`)
	serialPattern    = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$`)
	customerPattern  = lazyre.New(`^CUS-[0-9A-Z]{13}$`)
	// userIDPattern covers user pool subs (UUIDs) and usernames.
	userIDPattern   = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.@:+-]{0,127}$`)
	dealerIDPattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	// cursorPattern is the shape of every page token: base64url body and
	// signature.
	cursorPattern = lazyre.New(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
)

func catalogIDParam(name string) apigw.Param {
	return apigw.PatternParam(name, catalogIDPattern, 40, "a catalog ID: a lower-case letter, then 1-39 of a-z 0-9 _ -")
}

func serialParam(name string) apigw.Param {
	return apigw.PatternParam(name, serialPattern, 64, "1-64 letters, digits and . / _ - (no spaces)")
}

func userIDParam(name string) apigw.Param {
	return apigw.PatternParam(name, userIDPattern, 128, "a user ID: 1-128 letters, digits and _ . @ : + -")
}

var (
	cursorParam = apigw.PatternParam("cursor", cursorPattern, 1024, "a cursor from the previous page's next")
	limitParam  = apigw.IntParam("limit", 1, 100)
	// langParam picks the language of a public page.
	langParam = apigw.EnumParam("lang", "ru", "en")
	// marketingParams are the tags messengers and mail clients add to a
	// shared link (utm_source, fbclid, ...): a customer's tracking link or
	// a QR code URL passed on must still open.
	marketingParams = []apigw.Param{
		apigw.IgnoredPrefix("utm_"), apigw.IgnoredPrefix("fbclid"), apigw.IgnoredPrefix("gclid"),
		apigw.IgnoredPrefix("yclid"), apigw.IgnoredPrefix("_openstat"),
	}
)

// stageValues lists the workflow's stages as parameter values.
func stageValues() []string {
	out := make([]string, len(workflow.Stages))
	for i, s := range workflow.Stages {
		out[i] = string(s)
	}
	return out
}

func resolutionValues() []string {
	out := make([]string, len(claims.Resolutions))
	for i, r := range claims.Resolutions {
		out[i] = string(r)
	}
	return out
}

// orderNumberMatcher accepts what can be an order's number.
type orderNumberMatcher struct{}

func (orderNumberMatcher) MatchString(s string) bool { return orders.ValidNumber(s) }

// RegistryParams are the registry list's query parameters (GET /v1/claims,
// and its export): its filters and page.
func RegistryParams() []apigw.Param {
	return []apigw.Param{
		apigw.EnumParam("stage", stageValues()...),
		catalogIDParam("categoryId"),
		catalogIDParam("typeId"),
		apigw.PatternParam("dealerId", dealerIDPattern, 64, "a dealer ID: 1-64 letters, digits and _ . -"),
		apigw.PatternParam("customerId", customerPattern, 17, "a customer ID such as CUS-0123456789ABC"),
		serialParam("serial"),
		serialParam("series"),
		apigw.PatternParam("order", orderNumberMatcher{}, 64, "an order number: 1-64 letters, digits and . _ -"),
		userIDParam("assignee"),
		apigw.TimeParam("from"),
		apigw.TimeParam("to"),
		apigw.BoolParam("warrantyCase"),
		apigw.EnumParam("resolution", resolutionValues()...),
		catalogIDParam("rootCause"),
		apigw.EnumParam("faultParty", claims.FaultParties...),
		apigw.TextParam("culpritDepartment", 120),
		apigw.EnumParam("flag", flagValues()...),
		limitParam,
		cursorParam,
	}
}

// flagValues are the values of the registry's flag filter: a kind, or any.
func flagValues() []string {
	out := []string{claims.AnyFlag}
	for _, k := range claims.FlagKinds {
		out = append(out, string(k))
	}
	return out
}

// LangParam picks the language of a page or a file (ru, en).
func LangParam() apigw.Param { return langParam }

// DealerIDParam is a dealer ID parameter.
func DealerIDParam(name string) apigw.Param {
	return apigw.PatternParam(name, dealerIDPattern, 64, "a dealer ID: 1-64 letters, digits and _ . -")
}
