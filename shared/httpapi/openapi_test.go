package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/local/template"
	"github.com/claimsdesk/backend/infra/seed"
	"github.com/claimsdesk/backend/shared/analytics"
	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/assignment"
	"github.com/claimsdesk/backend/shared/auth"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/claimdocs"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/documents"
	"github.com/claimsdesk/backend/shared/events"
	"github.com/claimsdesk/backend/shared/exports"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/httpapi/kbapi"
	"github.com/claimsdesk/backend/shared/httpapi/reports"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/kb"
	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/orders"
	"github.com/claimsdesk/backend/shared/qrcode"
	"github.com/claimsdesk/backend/shared/quality"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/reportdelivery"
	"github.com/claimsdesk/backend/shared/reportmail"
	"github.com/claimsdesk/backend/shared/sla"
	"github.com/claimsdesk/backend/shared/webhook"
	"github.com/claimsdesk/backend/shared/workflow"
)

// loadSpec parses and validates the embedded httpapi.OpenAPI document.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid httpapi.OpenAPI 3 document: %v", err)
	}
	return doc
}

func TestOpenAPIIsValid(t *testing.T) {
	doc := loadSpec(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
}

// specRoutes lists the operations of the document by route key, with
// whether each requires the cognitoJwt scheme (its own security, else the
// document's).
func specRoutes(doc *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			signedIn := false
			for _, req := range sec {
				if _, ok := req["cognitoJwt"]; ok {
					signedIn = true
				}
			}
			out[method+" "+path] = signedIn
		}
	}
	return out
}

// templateRoutes lists the HttpApi routes of template.yaml by function, with
// whether each has an authorizer.
func templateRoutes(t *testing.T) map[string]map[string]bool {
	t.Helper()
	tmpl, err := template.Load("../../template.yaml")
	if err != nil {
		t.Fatalf("load template: %v", err)
	}
	stack, err := template.Build(tmpl, template.Env{
		StackName: "claims", Region: "eu-central-1", AccountID: "123456789012",
		Parameters: map[string]string{"AppSecret": strings.Repeat("x", 40)},
	}, "../..")
	if err != nil {
		t.Fatalf("build template: %v", err)
	}
	apis := map[string]*template.HTTPAPI{}
	for _, a := range stack.HTTPAPIs {
		apis[a.LogicalID] = a
	}
	out := map[string]map[string]bool{}
	for _, fn := range stack.Functions {
		for _, ev := range fn.HTTPEvents {
			api, ok := apis[ev.API]
			if !ok {
				t.Fatalf("%s event %s: no HttpApi %s", fn.LogicalID, ev.Name, ev.API)
			}
			if out[fn.LogicalID] == nil {
				out[fn.LogicalID] = map[string]bool{}
			}
			out[fn.LogicalID][ev.Method+" "+ev.Path] = api.RouteAuthorizer(ev) != ""
		}
	}
	return out
}

// registeredRoutes lists the route keys each function's router gets, wired
// as in functions/<name>/main.go. Registering uses none of the dependencies.
func registeredRoutes() map[string][]string {
	out := map[string][]string{}
	for fn, r := range functionRouters() {
		out[fn] = r.RouteKeys()
	}
	return out
}

// functionRouters returns each function's router, wired as in
// functions/<name>/main.go but without dependencies (registering uses
// none).
func functionRouters() map[string]*apigw.Router {
	logger := slog.New(slog.DiscardHandler)
	public := apigw.NewRouter(logger)
	httpapi.RegisterHealth(public, nil)
	(&httpapi.PublicSite{}).Register(public)
	(&httpapi.CabinetSite{}).Register(public)
	claimsRouter := apigw.NewRouter(logger)
	(&httpapi.ClaimsAPI{}).Register(claimsRouter)
	(&httpapi.CaseworkAPI{}).Register(claimsRouter)
	(&httpapi.OrdersAPI{}).Register(claimsRouter)
	(&httpapi.MessagesAPI{}).Register(claimsRouter)
	(&httpapi.NotificationsAPI{}).Register(claimsRouter)
	(&httpapi.DocumentsAPI{}).Register(claimsRouter)
	(&httpapi.RatingsAPI{}).Register(claimsRouter)
	(&httpapi.QualityAPI{}).Register(claimsRouter)
	admin := apigw.NewRouter(logger)
	(&httpapi.AdminAPI{}).Register(admin)
	(&httpapi.RosterAPI{}).Register(admin)
	(&httpapi.OpsAPI{}).Register(admin)
	(&httpapi.SLAAdminAPI{}).Register(admin)
	(&httpapi.WebhooksAPI{}).Register(admin)
	(&httpapi.AnalyticsAdminAPI{}).Register(admin)
	reportsRouter := apigw.NewRouter(logger)
	(&reports.ReportsAPI{}).Register(reportsRouter)
	(&reports.ExportsAPI{}).Register(reportsRouter)
	(&reports.SubscriptionsAPI{}).Register(reportsRouter)
	knowledge := apigw.NewRouter(logger)
	(&kbapi.KnowledgeAPI{}).Register(knowledge)
	return map[string]*apigw.Router{"PublicFunction": public, "ClaimsFunction": claimsRouter, "AdminFunction": admin, "ReportsFunction": reportsRouter,
		"KnowledgeFunction": knowledge}
}

// missing returns the keys of have that want lacks, sorted.
func missing[V, W any](have map[string]V, want map[string]W) []string {
	var out []string
	for k := range have {
		if _, ok := want[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIRoutesMatchTemplateAndHandlers checks that the spec, the SAM
// template and the handlers name the same routes, that each function
// registers exactly its template events, and that the spec's security
// matches the template's authorizer on every route.
func TestOpenAPIRoutesMatchTemplateAndHandlers(t *testing.T) {
	spec := specRoutes(loadSpec(t))
	byFunction := templateRoutes(t)
	registered := registeredRoutes()

	inTemplate := map[string]bool{}
	authorized := map[string]bool{}
	for fn, routes := range byFunction {
		for k, auth := range routes {
			inTemplate[k] = true
			authorized[k] = auth
		}
		if _, ok := registered[fn]; !ok {
			t.Errorf("template function %s has HttpApi events %v but no router in this test", fn, slices.Sorted(mapKeys(routes)))
		}
	}
	inHandlers := map[string]bool{}
	for fn, keys := range registered {
		own := map[string]bool{}
		for _, k := range keys {
			inHandlers[k] = true
			own[k] = true
		}
		for _, k := range missing(own, byFunction[fn]) {
			t.Errorf("%s registers %q, which is not an HttpApi event of %s in template.yaml", fn, k, fn)
		}
		for _, k := range missing(byFunction[fn], own) {
			t.Errorf("template.yaml routes %q to %s, whose handlers do not register it", k, fn)
		}
	}
	inSpec := map[string]bool{}
	for k := range spec {
		inSpec[k] = true
	}
	for _, k := range missing(inTemplate, inSpec) {
		t.Errorf("route %q is in template.yaml but not in openapi.yaml", k)
	}
	for _, k := range missing(inSpec, inTemplate) {
		t.Errorf("route %q is in openapi.yaml but not in template.yaml", k)
	}
	for _, k := range missing(inHandlers, inSpec) {
		t.Errorf("route %q is registered by a handler but not in openapi.yaml", k)
	}
	for _, k := range missing(inSpec, inHandlers) {
		t.Errorf("route %q is in openapi.yaml but no handler registers it", k)
	}
	for k, signedIn := range spec {
		if auth, ok := authorized[k]; ok && auth != signedIn {
			t.Errorf("%s: openapi.yaml says signed-in=%v, template.yaml's authorizer says %v", k, signedIn, auth)
		}
	}
	if len(inSpec) == 0 || len(inTemplate) == 0 || len(inHandlers) == 0 {
		t.Fatalf("no routes found: spec %d, template %d, handlers %d", len(inSpec), len(inTemplate), len(inHandlers))
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestOpenAPIOperationsAreDescribed checks what every operation must say:
// a summary and a description, a success, the errors every route can
// produce, and 401 exactly on the signed-in routes.
func TestOpenAPIOperationsAreDescribed(t *testing.T) {
	doc := loadSpec(t)
	signedIn := specRoutes(doc)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			if strings.TrimSpace(op.Summary) == "" {
				t.Errorf("%s: no summary", key)
			}
			if strings.TrimSpace(op.Description) == "" {
				t.Errorf("%s: no description", key)
			}
			if !hasSuccess(op, redirectsOnSuccess[key]) {
				t.Errorf("%s: no 2xx response", key)
			}
			has401 := op.Responses.Status(http.StatusUnauthorized) != nil
			switch {
			case signedIn[key] && !has401:
				t.Errorf("%s: signed-in route without a 401 response", key)
			case !signedIn[key] && has401:
				t.Errorf("%s: public route with a 401 response", key)
			}
			if signedIn[key] && op.Responses.Status(http.StatusForbidden) == nil && !slices.Contains([]string{"GET /v1/me", "GET /v1/catalog", "GET /v1/claims/{id}/transitions",
				// The conversation refuses non-participants with 404, never 403.
				"GET /v1/claims/{id}/messages", "POST /v1/claims/{id}/messages", "POST /v1/claims/{id}/messages/uploads"}, key) {
				t.Errorf("%s: role-checked route without a 403 response", key)
			}
			for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s: no %d response (the gateway can always answer it)", key, status)
				}
			}
			if op.RequestBody != nil {
				for _, status := range []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType} {
					if op.Responses.Status(status) == nil {
						t.Errorf("%s: takes a body but has no %d response", key, status)
					}
				}
			}
		}
	}
}

// redirectsOnSuccess are the routes whose success is a redirect: S3 sends
// the browser to them after an upload, and they send it on; the tracking
// page's reply form posts and is sent back to the conversation.
var redirectsOnSuccess = map[string]string{
	"GET /t/{token}/uploaded":  "303",
	"POST /t/{token}/messages": "303",
	// The rating links and the comment form: back to the rating section.
	"GET /t/{token}/rating":  "303",
	"POST /t/{token}/rating": "303",
	// A report mail's file link: to a fresh presigned download.
	"GET /report-files/{token}": "302",
	// A document's file: to its presigned download link.
	"GET /v1/claims/{id}/documents/{documentId}/file": "302",
}

// hasSuccess reports whether op documents a 2xx response, or the redirect
// status given.
func hasSuccess(op *openapi3.Operation, redirect string) bool {
	for code := range op.Responses.Map() {
		if code[0] == '2' || code == redirect && redirect != "" {
			return true
		}
	}
	return false
}

// schemaCheck ties a component schema to the Go type encoding/json
// reads or writes for it.
type schemaCheck struct {
	schema string
	typ    reflect.Type
	// use is what the schema describes: "response" (what Go writes: every
	// field Go always writes is required, and only those), "request" (what
	// Go reads: only the names are compared, required means "the handler
	// refuses the request without it"), or "both" (required fields must be
	// ones Go always writes).
	use string
}

var schemaChecks = []schemaCheck{
	{"Error", reflect.TypeFor[apigw.ErrorBody](), "response"},
	{"FieldError", reflect.TypeFor[apperr.FieldError](), "response"},
	{"Principal", reflect.TypeFor[auth.Principal](), "response"},
	{"Catalog", reflect.TypeFor[catalog.Catalog](), "response"},
	{"Category", reflect.TypeFor[catalog.Category](), "response"},
	{"CategoryInput", reflect.TypeFor[catalog.Category](), "request"},
	{"Type", reflect.TypeFor[catalog.Type](), "response"},
	{"TypeInput", reflect.TypeFor[catalog.Type](), "request"},
	{"Document", reflect.TypeFor[catalog.Document](), "both"},
	{"PhotoZone", reflect.TypeFor[catalog.PhotoZone](), "both"},
	{"Claim", reflect.TypeFor[claims.Claim](), "response"},
	{"Task", reflect.TypeFor[claims.Task](), "response"},
	{"SLA", reflect.TypeFor[claims.SLA](), "response"},
	{"Decision", reflect.TypeFor[claims.Decision](), "response"},
	{"Money", reflect.TypeFor[claims.Money](), "both"},
	{"RootCause", reflect.TypeFor[catalog.RootCause](), "both"},
	{"Model", reflect.TypeFor[catalog.Model](), "response"},
	{"ModelInput", reflect.TypeFor[catalog.Model](), "request"},
	{"RootCauseInput", reflect.TypeFor[catalog.RootCause](), "request"},
	{"TransitionRequest", reflect.TypeFor[httpapi.TransitionRequest](), "request"},
	{"Transitions", reflect.TypeFor[httpapi.Transitions](), "response"},
	{"BlockedMove", reflect.TypeFor[workflow.Blocked](), "response"},
	{"DecisionRequest", reflect.TypeFor[httpapi.DecisionRequest](), "request"},
	{"AssignmentRequest", reflect.TypeFor[httpapi.AssignmentRequest](), "request"},
	{"EditRequest", reflect.TypeFor[httpapi.EditRequest](), "request"},
	{"TaskRequest", reflect.TypeFor[httpapi.TaskRequest](), "request"},
	{"CompleteRequest", reflect.TypeFor[httpapi.CompleteRequest](), "request"},
	{"DismissFlagRequest", reflect.TypeFor[httpapi.DismissFlagRequest](), "request"},
	{"Flag", reflect.TypeFor[claims.Flag](), "response"},
	{"History", reflect.TypeFor[httpapi.History](), "response"},
	{"Verification", reflect.TypeFor[casework.Verification](), "response"},
	{"Worklist", reflect.TypeFor[registry.Worklist](), "response"},
	{"DeadLetterStatus", reflect.TypeFor[notify.DeadLetterStatus](), "response"},
	{"MoveTask", reflect.TypeFor[notify.MoveTask](), "response"},
	{"SLAConfig", reflect.TypeFor[sla.Config](), "both"},
	{"SLAPolicy", reflect.TypeFor[sla.Policy](), "both"},
	{"WorkingCalendar", reflect.TypeFor[sla.Calendar](), "both"},
	{"WorkingHours", reflect.TypeFor[sla.WorkingHours](), "both"},
	{"CalendarYear", reflect.TypeFor[sla.Year](), "both"},
	{"WorkItem", reflect.TypeFor[registry.WorkItem](), "response"},
	{"Claimant", reflect.TypeFor[claims.Claimant](), "both"},
	{"Product", reflect.TypeFor[claims.Product](), "both"},
	{"Order", reflect.TypeFor[claims.Order](), "both"},
	{"OrderItem", reflect.TypeFor[claims.OrderItem](), "both"},
	{"Attachment", reflect.TypeFor[claims.Attachment](), "response"},
	{"AttachmentView", reflect.TypeFor[registry.AttachmentView](), "response"},
	{"DocumentView", reflect.TypeFor[registry.DocumentView](), "response"},
	{"Company", reflect.TypeFor[documents.Company](), "both"},
	{"ReportResult", reflect.TypeFor[analytics.Result](), "response"},
	{"ReportSubscription", reflect.TypeFor[reportmail.Subscription](), "response"},
	{"ReportSubscriptionInput", reflect.TypeFor[reportmail.Input](), "request"},
	{"ReportSubscriptionQuery", reflect.TypeFor[reportmail.Query](), "request"},
	{"ReportSchedule", reflect.TypeFor[reportmail.Schedule](), "request"},
	{"ReportMailPreview", reflect.TypeFor[reportdelivery.Preview](), "response"},
	{"ReportMailFile", reflect.TypeFor[reportdelivery.PreviewFile](), "response"},
	{"ReportRow", reflect.TypeFor[analytics.Row](), "response"},
	{"AnalyticsPage", reflect.TypeFor[analytics.Page](), "response"},
	{"RecountRequest", reflect.TypeFor[httpapi.RecountRequest](), "request"},
	{"DocumentList", reflect.TypeFor[httpapi.Documents](), "response"},
	{"Torg2Document", reflect.TypeFor[httpapi.Torg2Document](), "response"},
	{"Torg2Values", reflect.TypeFor[httpapi.Torg2Values](), "response"},
	{"Torg2Request", reflect.TypeFor[claimdocs.Torg2Request](), "request"},
	{"Torg2Line", reflect.TypeFor[claimdocs.Torg2Line](), "request"},
	{"Event", reflect.TypeFor[claims.Event](), "response"},
	{"ClaimPage", reflect.TypeFor[registry.Page](), "response"},
	{"ExportJob", reflect.TypeFor[exports.View](), "response"},
	{"ExportFilters", reflect.TypeFor[exports.Filters](), "response"},
	{"ExportJobList", reflect.TypeFor[exports.List](), "response"},
	{"ClaimView", reflect.TypeFor[httpapi.ClaimDetail](), "response"},
	{"Article", reflect.TypeFor[kb.Article](), "response"},
	{"ArticleInput", reflect.TypeFor[kb.Input](), "request"},
	{"ArticleSummary", reflect.TypeFor[kb.Summary](), "response"},
	{"ArticleFile", reflect.TypeFor[kb.File](), "response"},
	{"ArticleChange", reflect.TypeFor[kb.Change](), "response"},
	{"ArticleRevision", reflect.TypeFor[kb.Revision](), "response"},
	{"ArticlePage", reflect.TypeFor[kbapi.ArticlePage](), "response"},
	{"ArticleVersions", reflect.TypeFor[kbapi.ArticleVersions](), "response"},
	{"ArticleSuggestion", reflect.TypeFor[kb.Suggestion](), "response"},
	{"ArticleUploadRequest", reflect.TypeFor[kb.UploadRequest](), "request"},
	{"ArticleUpload", reflect.TypeFor[kb.Upload](), "response"},
	{"ArticleSearchResult", reflect.TypeFor[kbapi.SearchResult](), "response"},
	{"ArticleSearchHit", reflect.TypeFor[kbapi.SearchHit](), "response"},
	{"ArticleCoverage", reflect.TypeFor[kbapi.Coverage](), "response"},
	{"ArticleIndexRebuilt", reflect.TypeFor[kbapi.RebuildResult](), "response"},
	{"SelfHelpArticle", reflect.TypeFor[httpapi.SelfHelpArticle](), "response"},
	{"SelfHelpList", reflect.TypeFor[httpapi.SelfHelpList](), "response"},
	{"Deflection", reflect.TypeFor[kb.Deflection](), "response"},
	{"DeflectionReport", reflect.TypeFor[kbapi.DeflectionReport](), "response"},
	{"ClaimRequest", reflect.TypeFor[httpapi.ClaimRequest](), "request"},
	{"ClaimResponse", reflect.TypeFor[httpapi.ClaimResponse](), "response"},
	{"AttachmentRef", reflect.TypeFor[intake.AttachmentRef](), "request"},
	{"UploadRequest", reflect.TypeFor[intake.UploadRequest](), "request"},
	{"ClaimUploadRequest", httpapi.ClaimUploadRequestType, "request"},
	{"PublicUploadRequest", httpapi.UploadRequestType, "request"},
	{"UploadTicket", reflect.TypeFor[intake.UploadTicket](), "response"},
	{"IssueRequest", reflect.TypeFor[qrcode.IssueRequest](), "request"},
	{"QRCode", reflect.TypeFor[httpapi.IssuedCode](), "response"},
	{"Revocation", reflect.TypeFor[qrcode.Revocation](), "request"},
	{"IssueResponse", reflect.TypeFor[httpapi.IssueResponse](), "response"},
	{"Message", reflect.TypeFor[httpapi.MessageView](), "response"},
	{"MessageAttachment", reflect.TypeFor[httpapi.MessageAttachment](), "response"},
	{"MessageAttachmentRef", reflect.TypeFor[chat.AttachmentRef](), "request"},
	{"MessagesResponse", reflect.TypeFor[httpapi.MessagesResponse](), "response"},
	{"MessageRequest", reflect.TypeFor[httpapi.MessageRequest](), "request"},
	{"MessagePosted", reflect.TypeFor[httpapi.MessagePosted](), "response"},
	{"MessageUploadRequest", reflect.TypeFor[httpapi.MessageUploadRequest](), "request"},
	{"MessageUploadTicket", reflect.TypeFor[httpapi.MessageUploadTicket](), "response"},
	{"Absence", reflect.TypeFor[assignment.Absence](), "both"},
	{"Manager", reflect.TypeFor[assignment.Manager](), "response"},
	{"ManagerView", reflect.TypeFor[httpapi.ManagerView](), "response"},
	{"ManagerInput", reflect.TypeFor[httpapi.ManagerView](), "request"},
	{"ManagerList", reflect.TypeFor[httpapi.ManagerList](), "response"},
	{"AbsencesRequest", reflect.TypeFor[httpapi.AbsencesRequest](), "request"},
	{"PersonalManagerRequest", reflect.TypeFor[httpapi.PersonalManagerRequest](), "request"},
	{"PersonalManagerResponse", reflect.TypeFor[httpapi.PersonalManagerResponse](), "response"},
	{"OrderCustomer", reflect.TypeFor[orders.Customer](), "both"},
	{"OrderLine", reflect.TypeFor[orders.Item](), "both"},
	{"OrderRecord", reflect.TypeFor[orders.Order](), "response"},
	{"ERPOrder", reflect.TypeFor[orders.ERPOrder](), "request"},
	{"StatusReport", reflect.TypeFor[orders.StatusReport](), "request"},
	{"ERPResult", reflect.TypeFor[httpapi.ERPResult](), "response"},
	{"CreateOrderRequest", reflect.TypeFor[httpapi.CreateOrderRequest](), "request"},
	{"CreatedOrder", reflect.TypeFor[httpapi.CreatedOrder](), "response"},
	{"ClaimRef", reflect.TypeFor[httpapi.ClaimRef](), "response"},
	{"OrderView", reflect.TypeFor[httpapi.OrderView](), "response"},
	{"OrderPage", reflect.TypeFor[httpapi.OrderPage](), "response"},
	{"Notification", reflect.TypeFor[notify.Note](), "response"},
	{"NotificationPage", reflect.TypeFor[notify.InboxPage](), "response"},
	{"WebhookTarget", reflect.TypeFor[webhook.Target](), "response"},
	{"WebhookTargetInput", reflect.TypeFor[httpapi.WebhookTargetInput](), "request"},
	{"WebhookTargetCreated", reflect.TypeFor[httpapi.WebhookTargetCreated](), "response"},
	{"WebhookTargetList", reflect.TypeFor[httpapi.WebhookTargetList](), "response"},
	{"WebhookDelivery", reflect.TypeFor[webhook.Payload](), "response"},
	{"WebhookEvent", reflect.TypeFor[events.Event](), "response"},
	{"EventReceived", reflect.TypeFor[events.Received](), "response"},
	{"EventStageChange", reflect.TypeFor[events.StageChange](), "response"},
	{"EventAssignment", reflect.TypeFor[events.Assignment](), "response"},
	{"EventDecision", reflect.TypeFor[events.Decision](), "response"},
	{"EventOrder", reflect.TypeFor[events.Order](), "response"},
	{"EventOrderItem", reflect.TypeFor[events.OrderItem](), "response"},
	{"EventOrderCustomer", reflect.TypeFor[events.OrderCustomer](), "response"},
	{"EventMessage", reflect.TypeFor[events.Message](), "response"},
	{"EventUpdate", reflect.TypeFor[events.Update](), "response"},
	{"EventSLA", reflect.TypeFor[events.SLA](), "response"},
	{"EventRating", reflect.TypeFor[events.Rating](), "response"},
	{"EventSurge", reflect.TypeFor[events.Surge](), "response"},
	{"SurgeWindow", reflect.TypeFor[events.Window](), "response"},
	{"ERPShipments", reflect.TypeFor[quality.ERPShipments](), "request"},
	{"Shipment", reflect.TypeFor[quality.Shipment](), "both"},
	{"Shipments", reflect.TypeFor[quality.Shipments](), "response"},
	{"ShipmentsResult", reflect.TypeFor[httpapi.ShipmentsResult](), "response"},
	{"QualityAlert", reflect.TypeFor[quality.Alert](), "response"},
	{"SurgeFinding", reflect.TypeFor[quality.Finding](), "response"},
	{"QualityAlertList", reflect.TypeFor[httpapi.AlertList](), "response"},
	{"QualityAlertRef", reflect.TypeFor[quality.Ref](), "response"},
	{"MuteAlertRequest", reflect.TypeFor[httpapi.MuteRequest](), "request"},
	{"CloseAlertRequest", reflect.TypeFor[httpapi.CloseAlertRequest](), "request"},
	{"Satisfaction", reflect.TypeFor[claims.Satisfaction](), "response"},
	{"RatingRequest", reflect.TypeFor[httpapi.RatingRequest](), "request"},
}

// unchecked are the object schemas without a Go type to compare with.
var unchecked = map[string]string{
	"Health":              "a map literal in RegisterHealth",
	"GatewayError":        "written by API Gateway, not by Go",
	"ClaimForm":           "an urlencoded form read field by field",
	"MessageForm":         "an urlencoded form read field by field",
	"RatingCommentForm":   "an urlencoded form read field by field",
	"AttachRequest":       "an anonymous struct in httpapi.ClaimsAPI.attach",
	"InvalidError":        "Error with its code fixed",
	"Name":                "catalog.Text, a map",
	"Description":         "catalog.Text, a map",
	"Instructions":        "catalog.Text, a map",
	"Hint":                "catalog.Text, a map",
	"DocumentTitle":       "catalog.Text, a map",
	"ErrorCode":           "",
	"HTMLPage":            "",
	"Role":                "",
	"CatalogID":           "",
	"ModelID":             "",
	"Priority":            "",
	"FlagKind":            "",
	"WarrantyMonths":      "",
	"MediaType":           "",
	"UploadMediaType":     "",
	"RequiredField":       "",
	"ClaimNumber":         "",
	"Channel":             "",
	"DesiredResult":       "",
	"Stage":               "",
	"Language":            "",
	"SerialNumber":        "",
	"DateOrTime":          "",
	"Cursor":              "",
	"UserID":              "",
	"DealerID":            "",
	"UploadID":            "",
	"QRKind":              "",
	"Version":             "",
	"ManagerID":           "",
	"AbsenceKind":         "",
	"OrderNumber":         "",
	"OrderKind":           "",
	"EventType":           "",
	"WebhookID":           "",
	"WebhookSubscription": "",
}

// jsonFields returns the JSON names encoding/json uses for a struct's
// fields (embedded structs and pointers to structs flattened), each with
// whether it is always written (neither omitempty nor omitzero).
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if et := embedded(f); et != nil && name == "" {
			for k, v := range jsonFields(et) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		o := strings.Split(opts, ",")
		out[name] = !slices.Contains(o, "omitempty") && !slices.Contains(o, "omitzero")
	}
	return out
}

// embedded returns the struct type encoding/json flattens an embedded
// field into (a struct, or a pointer to one), or nil.
func embedded(f reflect.StructField) reflect.Type {
	if !f.Anonymous {
		return nil
	}
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// fieldType returns the type of the struct field encoding/json names
// jsonName, looking into embedded structs.
func fieldType(t reflect.Type, jsonName string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if et := embedded(f); et != nil && name == "" {
			if ft, ok := fieldType(et, jsonName); ok {
				return ft, true
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == jsonName && f.IsExported() {
			return f.Type, true
		}
	}
	return nil, false
}

// schemaFields returns a schema's properties and required names, with
// those of its allOf parts merged.
func schemaFields(s *openapi3.Schema) (map[string]*openapi3.SchemaRef, map[string]bool) {
	props := map[string]*openapi3.SchemaRef{}
	required := map[string]bool{}
	for k, v := range s.Properties {
		props[k] = v
	}
	for _, r := range s.Required {
		required[r] = true
	}
	for _, part := range s.AllOf {
		p, r := schemaFields(part.Value)
		for k, v := range p {
			props[k] = v
		}
		for k := range r {
			required[k] = true
		}
	}
	return props, required
}

// compareSchema reports the differences between a schema and a Go type;
// inline object properties are compared with their struct types too.
func compareSchema(t *testing.T, name string, s *openapi3.Schema, typ reflect.Type, use string) {
	t.Helper()
	fields := jsonFields(typ)
	props, required := schemaFields(s)
	for f := range fields {
		if _, ok := props[f]; !ok {
			t.Errorf("schema %s lacks property %q of Go type %s", name, f, typ)
		}
	}
	for p := range props {
		if _, ok := fields[p]; !ok {
			t.Errorf("schema %s has property %q that Go type %s does not have", name, p, typ)
		}
	}
	for f, always := range fields {
		if _, ok := props[f]; !ok {
			continue
		}
		switch {
		case use != "request" && required[f] && !always:
			t.Errorf("schema %s requires %q, which Go type %s omits when empty", name, f, typ)
		case use == "response" && always && !required[f]:
			t.Errorf("schema %s does not require %q, which Go type %s always writes", name, f, typ)
		}
	}
	for f := range fields {
		p, ok := props[f]
		if !ok || p.Ref != "" || p.Value == nil || len(p.Value.Properties) == 0 {
			continue
		}
		if ft, ok := fieldType(typ, f); ok && ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			compareSchema(t, name+"."+f, p.Value, ft, use)
		}
	}
}

// TestOpenAPISchemasMatchGoTypes checks each schema's properties against
// the Go type the handlers encode or decode, so that a field added to a
// struct cannot go undocumented.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := loadSpec(t)
	checked := map[string]bool{}
	for _, c := range schemaChecks {
		ref, ok := doc.Components.Schemas[c.schema]
		if !ok {
			t.Errorf("no schema %s (for %s)", c.schema, c.typ)
			continue
		}
		checked[c.schema] = true
		compareSchema(t, c.schema, ref.Value, c.typ, c.use)
	}
	for name := range doc.Components.Schemas {
		if _, ok := unchecked[name]; !ok && !checked[name] {
			t.Errorf("schema %s is neither compared with a Go type nor listed as unchecked", name)
		}
	}
}

// visit validates a Go value, as encoding/json writes it, against a schema.
func visit(t *testing.T, doc *openapi3.T, schema string, v any, opts ...openapi3.SchemaValidationOption) error {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var decoded any
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Schemas[schema].Value.VisitJSON(decoded, opts...)
}

// TestOpenAPISeedCatalog validates real data: the catalog a new
// installation starts with must be a valid response of the catalog routes,
// and each of its entries a valid body of the admin PUT routes.
func TestOpenAPISeedCatalog(t *testing.T) {
	doc := loadSpec(t)
	cat, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if err := visit(t, doc, "Catalog", cat, openapi3.VisitAsResponse()); err != nil {
		t.Errorf("the seed catalog is not a valid Catalog: %v", err)
	}
	if err := visit(t, doc, "Catalog", cat.Active(), openapi3.VisitAsResponse()); err != nil {
		t.Errorf("the active seed catalog is not a valid Catalog: %v", err)
	}
	if err := visit(t, doc, "Catalog", &catalog.Catalog{}, openapi3.VisitAsResponse()); err != nil {
		t.Errorf("an empty catalog (null lists) is not a valid Catalog: %v", err)
	}
	bare := catalog.Type{ID: "bare", CategoryID: "defect", Name: catalog.Text{"ru": "Тип"}, DefaultPriority: catalog.Normal}
	if err := visit(t, doc, "Type", bare, openapi3.VisitAsResponse()); err != nil {
		t.Errorf("a type stored without instructions, zones and fields (nulls) is not a valid Type: %v", err)
	}
	for _, c := range cat.Categories {
		if err := visit(t, doc, "CategoryInput", c, openapi3.VisitAsRequest()); err != nil {
			t.Errorf("seed category %s is not a valid CategoryInput: %v", c.ID, err)
		}
	}
	for _, ty := range cat.Types {
		if err := visit(t, doc, "TypeInput", ty, openapi3.VisitAsRequest()); err != nil {
			t.Errorf("seed type %s is not a valid TypeInput: %v", ty.ID, err)
		}
	}
}

// TestOpenAPIEnumsMatchGo checks the enums the spec copies from Go.
func TestOpenAPIEnumsMatchGo(t *testing.T) {
	doc := loadSpec(t)
	schemaEnum := func(name string) []string {
		var out []string
		for _, v := range doc.Components.Schemas[name].Value.Enum {
			out = append(out, fmt.Sprint(v))
		}
		sort.Strings(out)
		return out
	}
	strs := func(vs ...string) []string { sort.Strings(vs); return vs }
	var samples []string
	for _, s := range documents.Samples() {
		samples = append(samples, s+".pdf")
	}
	var sampleEnum []string
	for _, p := range doc.Paths.Value("/samples/{name}").Parameters {
		for _, v := range p.Value.Schema.Value.Enum {
			sampleEnum = append(sampleEnum, fmt.Sprint(v))
		}
	}
	sort.Strings(sampleEnum)
	tests := []struct {
		name      string
		got, want []string
	}{
		{"Priority", schemaEnum("Priority"), strs(convert(catalog.Priorities)...)},
		{"DesiredResult", schemaEnum("DesiredResult"), strs(convert(claims.DesiredResults)...)},
		{"FlagKind", schemaEnum("FlagKind"), strs(convert(claims.FlagKinds)...)},
		{"RequiredField", schemaEnum("RequiredField"), strs(slices.Clone(catalog.Fields)...)},
		{"Channel", schemaEnum("Channel"), strs(string(claims.ChannelQR), string(claims.ChannelDealerForm), string(claims.ChannelAPI), string(claims.ChannelPhone))},
		{"AbsenceKind", schemaEnum("AbsenceKind"), strs(convert(assignment.AbsenceKinds)...)},
		{"OrderKind", schemaEnum("OrderKind"), strs(string(orders.Source), string(orders.Rework), string(orders.Additional))},
		{"QRKind", schemaEnum("QRKind"), strs(qrcode.KindModel, qrcode.KindSeries, qrcode.KindSerial)},
		{"Role", schemaEnum("Role"), strs(string(auth.Dealer), string(auth.Manager), string(auth.Supervisor), string(auth.Admin), string(auth.Integration))},
		{"ErrorCode", schemaEnum("ErrorCode"), strs(string(apperr.Invalid), string(apperr.Unprocessable), string(apperr.NotFound), string(apperr.Conflict), string(apperr.Gone),
			string(apperr.Forbidden), string(apperr.Unauthorized), string(apperr.TooLarge), string(apperr.UnsupportedMedia), string(apperr.RateLimited), string(apperr.Internal))},
		{"/samples/{name}", sampleEnum, strs(samples...)},
		{"EventType", schemaEnum("EventType"), strs(slices.Clone(webhook.EventTypes)...)},
		{"WebhookSubscription", schemaEnum("WebhookSubscription"), strs(append(slices.Clone(webhook.EventTypes), webhook.AllEvents)...)},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("%s enum mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

func convert[S ~string](vs []S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// TestOpenAPIDescribesEveryEvent: the webhook payload of every event type
// the events package declares validates against the description, and the
// EventType enum lists exactly those types.
func TestOpenAPIDescribesEveryEvent(t *testing.T) {
	doc := loadSpec(t)
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	samples := map[string]events.Payload{
		events.ClaimReceived:    events.Received{Number: "RC-2026-000001", Channel: "qr", ClaimantName: "Анна", Language: "ru", BaseURL: "https://x", CategoryID: "defect", TypeID: "noise", ProductModel: "TH-2000"},
		events.StageChanged:     events.StageChange{From: "new", To: "information_check", Number: "RC-2026-000001", Language: "en"},
		events.Assigned:         events.Assignment{Number: "RC-2026-000001", Assignee: "m-2", Reason: "отпуск"},
		events.DecisionRecorded: events.Decision{Number: "RC-2026-000001", Resolution: "repair"},
		events.OrderCreated: events.Order{Number: "RW-RC-2026-000001-1", Kind: "rework", Claim: "RC-2026-000001", CreatedBy: "managers:m-1",
			Items: []events.OrderItem{{SKU: "TH-2000", Quantity: 1}}},
		events.MessagePosted: events.Message{Number: "RC-2026-000001", MessageID: "m1", AuthorRole: events.AuthorDealer, Stage: "new", Language: "ru"},
		events.Updated:       events.Update{Number: "RC-2026-000001", Fields: []string{"essence"}},
		events.SLAWarning:    events.SLA{Number: "RC-2026-000001", Clock: "resolution", Due: at, Stage: "diagnostics", Priority: "normal"},
		events.Escalated:     events.Escalation{Number: "RC-2026-000001", Clock: "resolution", Due: at, Level: 1, Stage: "diagnostics", Priority: "high"},
		events.Rated:         events.Rating{Number: "RC-2026-000001", Score: 2, Low: true, Comment: "Долго", RatedBy: "claimant", DealerID: "DLR-1"},
		events.SurgeDetected: events.Surge{AlertID: "QA-0190000000000abcdef01234567", Series: "2026-11", Model: "TH-2000", TypeID: "overheating",
			Observed: 10, Expected: 0.5, Window: events.Window{From: "2026-12-07", To: "2026-12-07", Days: 1}, Ratio: 3,
			Claims: []string{"RC-2026-000001"}, Announcement: 1},
	}
	var enum []string
	for _, v := range doc.Components.Schemas["EventType"].Value.Enum {
		enum = append(enum, v.(string))
	}
	if diff := cmp.Diff(events.TypeNames(), enum); diff != "" {
		t.Errorf("EventType enum mismatch (-events +openapi.yaml):\n%s", diff)
	}
	for _, p := range events.Types {
		sample, ok := samples[p.EventType()]
		if !ok {
			t.Errorf("no sample of %s", p.EventType())
			continue
		}
		e, err := events.New("RC-2026-000001", "managers:m-1", at, sample)
		if err != nil {
			t.Fatal(err)
		}
		d, err := webhook.NewDelivery(e, webhook.Target{ID: "crm"})
		if err != nil {
			t.Fatal(err)
		}
		var body any
		if err := json.Unmarshal(d.Body, &body); err != nil {
			t.Fatal(err)
		}
		if err := doc.Components.Schemas["WebhookDelivery"].Value.VisitJSON(body); err != nil {
			t.Errorf("%s delivery does not match WebhookDelivery: %v", p.EventType(), err)
		}
	}
}
