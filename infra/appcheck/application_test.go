// Package appcheck checks ClaimsDesk as one SAM application: what
// template.yaml, the Makefile, local-stack.yaml and events/ say of each
// function agrees; the local stack resolves the template as it is deployed
// (names, variables, queues, the authorizer); the demo users of
// local-stack.yaml fit the user pool; and every AWS operation the
// application's code calls is one the local stack's conformance suite
// checks. They read files only: no stack, no network.
//
// Layer: testing.
package appcheck

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/local/appconfig"
	"github.com/claimsdesk/backend/infra/local/conformance"
	"github.com/claimsdesk/backend/infra/local/stack"
	"github.com/claimsdesk/backend/infra/local/template"
)

// root is the project's root, two folders up.
const root = "../.."

// loadProject resolves template.yaml as the local stack does for `make
// run`: named and built as local-stack.yaml says.
func loadProject(t *testing.T, params map[string]string) *template.Stack {
	t.Helper()
	app, err := appconfig.Find(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if app.Path == "" || app.Name() != "claims" {
		t.Fatalf("local-stack.yaml: %+v, want the stack named claims", app)
	}
	env := template.Env{StackName: app.Name(), Region: "eu-central-1", AccountID: "123456789012", APIEndpoint: "http://127.0.0.1:3000", Packages: app.Functions}
	tmpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"AppSecret"}, tmpl.SecretParameters()); diff != "" {
		t.Errorf("secret parameters mismatch (-want +got):\n%s", diff)
	}
	e := env
	e.Parameters = map[string]string{"AppSecret": strings.Repeat("s", 40)}
	for k, v := range params {
		e.Parameters[k] = v
	}
	s, err := template.Build(tmpl, e, root)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return s
}

// TestProjectTemplate: the local stack resolves template.yaml as it is
// deployed: names, Globals, variables, queues, the authorizer and its user
// pool, the table, the bucket, mail, the seed custom resource, conditions.
func TestProjectTemplate(t *testing.T) {
	s := loadProject(t, nil)

	notifier := s.Function("NotifierFunction")
	if notifier == nil {
		t.Fatal("NotifierFunction missing")
	}
	wantEnv := map[string]string{"TABLE_NAME": "claims-Table", "MAIL_FROM": "claims@claimsdesk.example"}
	for k, v := range wantEnv {
		if notifier.Env[k] != v {
			t.Errorf("NotifierFunction env %s = %q, want %q", k, notifier.Env[k], v)
		}
	}
	if notifier.Runtime != "provided.al2023" || notifier.Handler != "bootstrap" || notifier.MemoryMB != 256 || notifier.Timeout != 30*time.Second {
		t.Errorf("globals not merged: %+v", notifier)
	}
	if diff := cmp.Diff([]string{"arm64"}, notifier.Architectures); diff != "" {
		t.Errorf("architectures mismatch (-want +got):\n%s", diff)
	}
	if notifier.LogFormat != "JSON" || notifier.AppLogLevel != "INFO" {
		t.Errorf("logging config = %s/%s", notifier.LogFormat, notifier.AppLogLevel)
	}
	wantSQS := []template.SQSEvent{{Name: "Notifications", Queue: "NotificationsQueue", BatchSize: 10, BatchingWindow: time.Second, ReportBatchItemFailures: true, Enabled: true}}
	if diff := cmp.Diff(wantSQS, notifier.SQSEvents); diff != "" {
		t.Errorf("SQS events mismatch (-want +got):\n%s", diff)
	}

	q := s.Queue("NotificationsQueue")
	if q == nil {
		t.Fatal("NotificationsQueue missing")
	}
	if got, want := q.Attributes["RedrivePolicy"], `{"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:claims-NotificationsDeadLetterQueue","maxReceiveCount":5}`; got != want {
		t.Errorf("RedrivePolicy = %s, want %s", got, want)
	}

	// Events fan out through one topic to one queue per consumer, raw; the
	// analytics' queue takes the claim events only.
	topic := s.Topic("EventsTopic")
	if topic == nil {
		t.Fatal("EventsTopic missing")
	}
	subs := map[string]map[string]string{}
	for _, sub := range s.Subscriptions {
		if sub.TopicARN == topic.ARN && sub.Protocol == "sqs" {
			subs[sub.Endpoint] = sub.Attributes
		}
	}
	wantSubs := map[string]map[string]string{
		s.Queue("NotificationsQueue").ARN: {"RawMessageDelivery": "true"},
		s.Queue("AnalyticsQueue").ARN:     {"RawMessageDelivery": "true", "FilterPolicy": `{"eventType":[{"prefix":"claim."}]}`},
	}
	if diff := cmp.Diff(wantSubs, subs); diff != "" {
		t.Errorf("events topic subscriptions mismatch (-want +got):\n%s", diff)
	}
	if got, want := s.Queue("AnalyticsQueue").Attributes["RedrivePolicy"], `{"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:claims-AnalyticsDeadLetterQueue","maxReceiveCount":5}`; got != want {
		t.Errorf("analytics RedrivePolicy = %s, want %s", got, want)
	}
	for _, fn := range []string{"PublicFunction", "ClaimsFunction", "ReportsFunction", "RelayFunction", "SlaFunction", "ReportMailFunction"} {
		if got := s.Function(fn).Env["EVENTS_TOPIC_ARN"]; got != topic.ARN {
			t.Errorf("%s EVENTS_TOPIC_ARN = %q, want the topic's ARN %s", fn, got, topic.ARN)
		}
	}

	if len(s.HTTPAPIs) != 1 {
		t.Fatalf("%d HTTP APIs, want 1", len(s.HTTPAPIs))
	}
	api := s.HTTPAPIs[0]
	pool := s.UserPools[0]
	clients := map[string]*template.AppClient{}
	for _, c := range pool.AppClients {
		clients[c.LogicalID] = c
	}
	api2, cabinet := clients["UserPoolClient"], clients["CabinetClient"]
	if api2 == nil || cabinet == nil {
		t.Fatalf("app clients = %v, want UserPoolClient and CabinetClient", clients)
	}
	// The API accepts the tokens of both clients: the integrations' and
	// the cabinet's hosted sign-in.
	wantAuth := template.JWTAuthorizer{IdentitySource: "$request.header.Authorization", Issuer: "https://cognito-idp.eu-central-1.amazonaws.com/" + pool.ID, Audience: []string{api2.ID, cabinet.ID}}
	if diff := cmp.Diff(wantAuth, api.Authorizers["CognitoJwt"]); diff != "" {
		t.Errorf("authorizer mismatch (-want +got):\n%s", diff)
	}
	if pool.Issuer != wantAuth.Issuer || !strings.HasPrefix(pool.ID, "eu-central-1_") {
		t.Errorf("user pool = %+v", pool)
	}
	// The cabinet signs in as a public client with the code flow and PKCE,
	// on the pool's domain; its ID tokens carry the dealer.
	wantCabinet := &template.AppClient{LogicalID: "CabinetClient", ID: cabinet.ID, OAuth: true, Flows: []string{"code"}, Scopes: []string{"openid", "email", "profile"},
		IdentityProviders: []string{"COGNITO"}, CallbackURLs: []string{"http://localhost:3000/cabinet"}, LogoutURLs: []string{"http://localhost:3000/cabinet"},
		IDTokenValidity: time.Hour, AccessTokenValidity: time.Hour, RefreshTokenValidity: 12 * time.Hour, TokenRevocation: true,
		ReadAttributes: []string{"email", "email_verified", "custom:dealer_id"}}
	if diff := cmp.Diff(wantCabinet, cabinet); diff != "" {
		t.Errorf("cabinet client mismatch (-want +got):\n%s", diff)
	}
	if api2.OAuth || pool.Domain != "claims-123456789012" {
		t.Errorf("API client OAuth = %v, domain = %q, want no hosted sign-in for the API client and the domain claims-123456789012", api2.OAuth, pool.Domain)
	}
	if diff := cmp.Diff([]string{"admins", "dealers", "integrations", "managers", "supervisors"}, slices.Sorted(slices.Values(pool.Groups))); diff != "" {
		t.Errorf("groups mismatch (-want +got):\n%s", diff)
	}
	if api.CORS == nil || !cmp.Equal(api.CORS.AllowOrigins, []string{"*"}) {
		t.Errorf("CORS = %+v", api.CORS)
	}
	event := func(fn, name string) template.HTTPEvent {
		for _, ev := range s.Function(fn).HTTPEvents {
			if ev.Name == name {
				return ev
			}
		}
		t.Fatalf("%s has no event %s", fn, name)
		return template.HTTPEvent{}
	}
	health := event("PublicFunction", "Health")
	if health.Path != "/health" || health.Method != "GET" || api.RouteAuthorizer(health) != "" {
		t.Errorf("health route = %+v (authorizer %q)", health, api.RouteAuthorizer(health))
	}
	me := event("ClaimsFunction", "Me")
	if api.RouteAuthorizer(me) != "CognitoJwt" {
		t.Errorf("/v1/me authorizer = %q, want the default CognitoJwt", api.RouteAuthorizer(me))
	}
	if len(s.Tables) != 1 || s.Tables[0].TTLAttribute != "ttl" || !s.Tables[0].PointInTimeRecovery || len(s.Tables[0].GlobalIndexes) < 1 {
		t.Errorf("table = %+v", s.Tables)
	}
	if len(s.Buckets) != 1 || s.Buckets[0].Name != "claims-attachmentsbucket" || len(s.Buckets[0].CORSRules) != 1 {
		t.Errorf("buckets = %+v", s.Buckets)
	}
	if diff := cmp.Diff([]string{"claimsdesk.example"}, s.MailIdentities); diff != "" {
		t.Errorf("mail identities mismatch (-want +got):\n%s", diff)
	}
	if len(s.CustomResources) != 1 || s.CustomResources[0].Function != "SeedFunction" || s.CustomResources[0].Properties["Version"] == nil {
		t.Errorf("custom resources = %+v", s.CustomResources)
	}
	if got := s.Function("PublicFunction").Env["APP_SECRET"]; got != strings.Repeat("s", 40) {
		t.Errorf("APP_SECRET = %q, want the parameter value", got)
	}
	alarmMail := func(st *template.Stack) *template.Subscription {
		for _, sub := range st.Subscriptions {
			if sub.LogicalID == "AlarmSubscription" {
				return sub
			}
		}
		return nil
	}
	if sub := alarmMail(s); sub != nil {
		t.Errorf("AlarmSubscription included although AlarmEmail is empty: %+v", sub)
	}
	withAlarm := loadProject(t, map[string]string{"AlarmEmail": "ops@example.com"})
	if sub := alarmMail(withAlarm); sub == nil || sub.Protocol != "email" || sub.Endpoint != "ops@example.com" || sub.TopicARN != withAlarm.Topic("AlarmTopic").ARN {
		t.Errorf("AlarmSubscription with AlarmEmail set = %+v, want an e-mail subscription of the alarm topic", sub)
	}
}

// Every function must be buildable by `sam build` (a build-<LogicalId> target)
// and by the local stack (its package in local-stack.yaml), from the same
// package, and have a sample event.
func TestEveryFunctionHasABuildTarget(t *testing.T) {
	s := loadProject(t, nil)
	app, err := appconfig.Find(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Functions) != len(s.Functions) {
		t.Errorf("local-stack.yaml names %d function packages, the template has %d functions", len(app.Functions), len(s.Functions))
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range s.Functions {
		if fn.Package == "" {
			t.Errorf("%s: no package in local-stack.yaml", fn.LogicalID)
		}
		if fn.BuildMethod != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %q, want makefile", fn.LogicalID, fn.BuildMethod)
		}
		target := regexp.MustCompile(`(?m)^build-` + fn.LogicalID + `:\n\t\$\(call lambda,` + fn.LogicalID + `,` + strings.TrimPrefix(fn.Package, "functions/") + `\)`)
		if !target.Match(mk) {
			t.Errorf("Makefile lacks `build-%s:` building ./%s", fn.LogicalID, fn.Package)
		}
		if !regexp.MustCompile(`(?m)^FUNCTIONS\s*:=.*\b` + fn.LogicalID + `\b`).Match(mk) {
			t.Errorf("Makefile FUNCTIONS does not list %s", fn.LogicalID)
		}
		if _, err := os.Stat(filepath.Join(root, "events", fn.LogicalID+".json")); err != nil {
			t.Errorf("no sample event events/%s.json", fn.LogicalID)
		}
	}
}

// TestAWSOperationsConform fails when the application's code (functions/,
// shared/, infra/seed/) calls an AWS operation whose answer from the local
// stack's embedded services nothing checks against AWS.
func TestAWSOperationsConform(t *testing.T) {
	var files []string
	for _, dir := range []string{"functions", "shared", "infra/seed"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range conformance.Operations(string(data)) {
			calls++
			if _, ok := conformance.Covered(op); !ok {
				t.Errorf("%s calls %s, which the local stack's conformance scenarios do not exercise", f, op)
			}
		}
	}
	if calls < 10 {
		t.Errorf("found %d AWS calls in the application's code: is the pattern still right?", calls)
	}
}

// TestDemoUsersGetTokens: every demo user of local-stack.yaml gets a token
// as `make token ROLE=<group>` issues it (their groups and attributes fit
// the user pool), and `make token DEALER=` sets the dealer through the
// configuration's short name.
func TestDemoUsersGetTokens(t *testing.T) {
	app, err := appconfig.Find(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Users) == 0 {
		t.Fatal("local-stack.yaml has no demo users")
	}
	cfg := stack.Config{Root: root, StateDir: t.TempDir(), Profile: "run"}
	for _, u := range app.Users {
		tok, err := stack.IssueToken(cfg, stack.TokenRequest{Role: u.Groups[0]})
		if err != nil {
			t.Errorf("%s: %v", u.Username, err)
			continue
		}
		claims := payload(t, tok)
		if claims["sub"] != u.Username || claims["email"] != u.Email || claims["custom:dealer_id"] != u.Attributes["custom:dealer_id"] {
			t.Errorf("token of %s: sub %v, email %v, dealer %v", u.Username, claims["sub"], claims["email"], claims["custom:dealer_id"])
		}
	}
	tok, err := stack.IssueToken(cfg, stack.TokenRequest{Role: "dealers", User: "d-42", Claims: map[string]string{"dealer": "DLR-042"}})
	if err != nil {
		t.Fatal(err)
	}
	if claims := payload(t, tok); claims["sub"] != "d-42" || claims["custom:dealer_id"] != "DLR-042" {
		t.Errorf("DEALER=DLR-042 token: sub %v, dealer %v", claims["sub"], claims["custom:dealer_id"])
	}
}

// payload decodes a token's claims; absent string claims read as "".
func payload(t *testing.T, token string) map[string]string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range claims {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}
