package template

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sampleApp is the local stack's own sample application.
const sampleApp = "../stacktest/testdata/sampleapp"

var env = Env{StackName: "guestbook", Region: "eu-central-1", AccountID: "123456789012", APIEndpoint: "http://127.0.0.1:3000"}

func loadSample(t *testing.T, params map[string]string) *Stack {
	t.Helper()
	tmpl, err := Load(filepath.Join(sampleApp, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SigningSecret"}, tmpl.SecretParameters()); diff != "" {
		t.Errorf("secret parameters mismatch (-want +got):\n%s", diff)
	}
	e := env
	e.Parameters = map[string]string{"SigningSecret": strings.Repeat("s", 20)}
	for k, v := range params {
		e.Parameters[k] = v
	}
	s, err := Build(tmpl, e, sampleApp)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return s
}

// TestSampleTemplate resolves the sample application: Globals merged,
// packages from CodeUri, variables with intrinsics, the SQS event and the
// queue's redrive policy, the schedule, the authorizer and its user pool
// (groups, custom attributes, the client's readable attributes), CORS,
// routes with and without the authorizer, the table, the bucket, mail, and
// a resource under a condition.
func TestSampleTemplate(t *testing.T) {
	s := loadSample(t, nil)

	worker := s.Function("WorkerFunction")
	if worker == nil {
		t.Fatal("WorkerFunction missing")
	}
	wantEnv := map[string]string{"TABLE_NAME": "guestbook-Table", "MAIL_FROM": "book@guestbook.example", "HOST_EMAIL": "host@guestbook.example"}
	for k, v := range wantEnv {
		if worker.Env[k] != v {
			t.Errorf("WorkerFunction env %s = %q, want %q", k, worker.Env[k], v)
		}
	}
	if worker.Runtime != "provided.al2023" || worker.Handler != "bootstrap" || worker.MemoryMB != 128 || worker.Timeout != 2*time.Second {
		t.Errorf("globals not merged: %+v", worker)
	}
	if worker.CodeURI != "functions/worker" || worker.Package != "functions/worker" || worker.BuildMethod != "go1.x" {
		t.Errorf("worker code = %q, package %q, build %q", worker.CodeURI, worker.Package, worker.BuildMethod)
	}
	if diff := cmp.Diff([]string{"arm64"}, worker.Architectures); diff != "" {
		t.Errorf("architectures mismatch (-want +got):\n%s", diff)
	}
	if worker.LogFormat != "JSON" || worker.AppLogLevel != "INFO" {
		t.Errorf("logging config = %s/%s", worker.LogFormat, worker.AppLogLevel)
	}
	wantSQS := []SQSEvent{{Name: "Entries", Queue: "EntriesQueue", BatchSize: 10, ReportBatchItemFailures: true, Enabled: true}}
	if diff := cmp.Diff(wantSQS, worker.SQSEvents); diff != "" {
		t.Errorf("SQS events mismatch (-want +got):\n%s", diff)
	}

	q := s.Queue("EntriesQueue")
	if q == nil {
		t.Fatal("EntriesQueue missing")
	}
	if got, want := q.Attributes["RedrivePolicy"], `{"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:guestbook-EntriesDeadLetterQueue","maxReceiveCount":2}`; got != want {
		t.Errorf("RedrivePolicy = %s, want %s", got, want)
	}

	digest := s.Function("DigestFunction")
	wantSchedule := []ScheduleEvent{{Name: "Hourly", Type: "ScheduleV2", Expression: "rate(1 hour)", Input: `{"digest":"hourly"}`, HasInput: true, Enabled: true,
		RuleName: digest.ScheduleEvents[0].RuleName}}
	if diff := cmp.Diff(wantSchedule, digest.ScheduleEvents); diff != "" || !strings.HasPrefix(wantSchedule[0].RuleName, "guestbook-") {
		t.Errorf("schedule mismatch (-want +got):\n%s (rule %s)", diff, wantSchedule[0].RuleName)
	}

	if len(s.HTTPAPIs) != 1 {
		t.Fatalf("%d HTTP APIs, want 1", len(s.HTTPAPIs))
	}
	api := s.HTTPAPIs[0]
	pool := s.UserPools[0]
	wantAuth := JWTAuthorizer{IdentitySource: "$request.header.Authorization", Issuer: "https://cognito-idp.eu-central-1.amazonaws.com/" + pool.ID, Audience: pool.Clients}
	if diff := cmp.Diff(wantAuth, api.Authorizers["GuestJwt"]); diff != "" {
		t.Errorf("authorizer mismatch (-want +got):\n%s", diff)
	}
	if pool.Issuer != wantAuth.Issuer || !strings.HasPrefix(pool.ID, "eu-central-1_") {
		t.Errorf("user pool = %+v", pool)
	}
	if diff := cmp.Diff([]string{"guests", "hosts"}, slices.Sorted(slices.Values(pool.Groups))); diff != "" {
		t.Errorf("groups mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"custom:table_no", "custom:allergies"}, pool.CustomAttributes); diff != "" {
		t.Errorf("custom attributes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{pool.Clients[0]: {"email", "email_verified", "custom:table_no"}}, pool.ReadAttributes); diff != "" {
		t.Errorf("read attributes mismatch (-want +got):\n%s", diff)
	}
	if api.CORS == nil || !cmp.Equal(api.CORS.AllowOrigins, []string{"*"}) {
		t.Errorf("CORS = %+v", api.CORS)
	}
	event := func(fn, name string) HTTPEvent {
		for _, ev := range s.Function(fn).HTTPEvents {
			if ev.Name == name {
				return ev
			}
		}
		t.Fatalf("%s has no event %s", fn, name)
		return HTTPEvent{}
	}
	hello := event("ApiFunction", "Hello")
	if hello.Path != "/hello" || hello.Method != "GET" || api.RouteAuthorizer(hello) != "" {
		t.Errorf("hello route = %+v (authorizer %q)", hello, api.RouteAuthorizer(hello))
	}
	me := event("ApiFunction", "Me")
	if api.RouteAuthorizer(me) != "GuestJwt" {
		t.Errorf("/me authorizer = %q, want the default GuestJwt", api.RouteAuthorizer(me))
	}
	if len(s.Tables) != 1 || s.Tables[0].TTLAttribute != "expires" || !s.Tables[0].PointInTimeRecovery {
		t.Errorf("table = %+v", s.Tables)
	}
	if len(s.Buckets) != 1 || s.Buckets[0].Name != "guestbook-photosbucket" || len(s.Buckets[0].CORSRules) != 1 {
		t.Errorf("buckets = %+v", s.Buckets)
	}
	if diff := cmp.Diff([]string{"guestbook.example"}, s.MailIdentities); diff != "" {
		t.Errorf("mail identities mismatch (-want +got):\n%s", diff)
	}
	apiFn := s.Function("ApiFunction")
	if got := apiFn.Env["SIGNING_SECRET"]; got != strings.Repeat("s", 20) {
		t.Errorf("SIGNING_SECRET = %q, want the parameter value", got)
	}
	if got := apiFn.Env["QUEUE_URL"]; got != "https://sqs.eu-central-1.amazonaws.com/123456789012/guestbook-EntriesQueue" {
		t.Errorf("QUEUE_URL = %q", got)
	}
	topic := "arn:aws:sns:eu-central-1:123456789012:guestbook-EntriesTopic"
	wantTopics := []*Topic{{LogicalID: "EntriesTopic", Name: "guestbook-EntriesTopic", ARN: topic, Attributes: map[string]string{"DisplayName": "Guestbook entries"}}}
	if diff := cmp.Diff(wantTopics, s.Topics); diff != "" {
		t.Errorf("topics without AlarmEmail mismatch (-want +got):\n%s", diff)
	}
	wantSubs := []*Subscription{{
		LogicalID: "EntriesSubscription", TopicARN: topic, Protocol: "sqs", Endpoint: "arn:aws:sqs:eu-central-1:123456789012:guestbook-EntriesQueue",
		Attributes: map[string]string{"RawMessageDelivery": "true", "FilterPolicy": `{"kind":[{"prefix":"entry."}]}`},
	}}
	if diff := cmp.Diff(wantSubs, s.Subscriptions); diff != "" {
		t.Errorf("subscriptions mismatch (-want +got):\n%s", diff)
	}
	if !slices.Contains(s.Ignored, "EntriesQueuePolicy (AWS::SQS::QueuePolicy)") {
		t.Errorf("the queue policy is not accepted as a resource without local counterpart: %v", s.Ignored)
	}
	withAlarm := loadSample(t, map[string]string{"AlarmEmail": "ops@example.com"})
	if len(withAlarm.Topics) != 2 || withAlarm.Topics[0].LogicalID != "AlarmTopic" {
		t.Fatalf("topics with AlarmEmail = %+v, want AlarmTopic too", withAlarm.Topics)
	}
	wantMail := &Subscription{LogicalID: "AlarmTopic.Subscription[0]", TopicARN: withAlarm.Topics[0].ARN, Protocol: "email", Endpoint: "ops@example.com", Attributes: map[string]string{}}
	if diff := cmp.Diff(wantMail, withAlarm.Subscriptions[0]); diff != "" {
		t.Errorf("inline subscription mismatch (-want +got):\n%s", diff)
	}
}

func TestIntrinsics(t *testing.T) {
	const doc = `
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Origins: {Type: CommaDelimitedList, Default: "https://a.example, https://b.example"}
Mappings:
  Sizes: {dev: {Memory: 128}, prod: {Memory: 1024}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Equals [a, a]]
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables: {SHARED: global, OVERRIDE: global}
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-data-${Env}"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 7
      MemorySize: !FindInMap [Sizes, !Ref Env, Memory]
      Environment:
        Variables:
          OVERRIDE: own
          SUB: !Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Queue.QueueName}/${!Literal}"
          SUBVARS: !Sub ["${Who}-${AWS::StackName}", {Who: !Ref Env}]
          JOIN: !Join [",", !Ref Origins]
          SELECT: !Select [1, !Split ["/", "a/b/c"]]
          IF: !If [IsProd, yes, no]
          BOTH: !If [Both, both, neither]
          NOVALUE: !If [IsProd, x, !Ref AWS::NoValue]
          TABLE: !Ref Table
          TABLEARN: !GetAtt Table.Arn
          QUEUEURL: !Ref Queue
          B64: !Base64 hi
      Events:
        Tick:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 9 ? * MON-FRI *)
            ScheduleExpressionTimezone: Europe/Moscow
            Input: '{"job":"report"}'
        Rule:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
            Enabled: false
        Any:
          Type: HttpApi
`
	tmpl, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	e := env
	e.QueueURL = func(name string) string { return "http://127.0.0.1:4566/123456789012/" + name }
	s, err := Build(tmpl, e, "")
	if err != nil {
		t.Fatal(err)
	}
	fn := s.Function("Fn")
	want := map[string]string{
		"SHARED":   "global",
		"OVERRIDE": "own",
		"SUB":      "arn:aws:sqs:eu-central-1:123456789012:guestbook-Queue/${Literal}",
		"SUBVARS":  "dev-guestbook",
		"JOIN":     "https://a.example,https://b.example",
		"SELECT":   "b",
		"IF":       "no",
		"BOTH":     "both",
		"TABLE":    "guestbook-data-dev",
		"TABLEARN": "arn:aws:dynamodb:eu-central-1:123456789012:table/guestbook-data-dev",
		"QUEUEURL": "http://127.0.0.1:4566/123456789012/guestbook-Queue",
		"B64":      "aGk=",
	}
	if diff := cmp.Diff(want, fn.Env); diff != "" {
		t.Errorf("environment mismatch (-want +got):\n%s", diff)
	}
	if fn.MemoryMB != 128 || fn.Timeout != 7*time.Second {
		t.Errorf("memory/timeout = %d/%s", fn.MemoryMB, fn.Timeout)
	}
	wantSchedules := []ScheduleEvent{
		{Name: "Rule", Type: "Schedule", Expression: "rate(5 minutes)", Enabled: false, RuleName: "guestbook-Fn-Rule"},
		{Name: "Tick", Type: "ScheduleV2", Expression: "cron(0 9 ? * MON-FRI *)", Timezone: "Europe/Moscow", Input: `{"job":"report"}`, HasInput: true, Enabled: true, RuleName: "guestbook-Fn-Tick"},
	}
	if diff := cmp.Diff(wantSchedules, fn.ScheduleEvents); diff != "" {
		t.Errorf("schedules mismatch (-want +got):\n%s", diff)
	}
	if len(s.HTTPAPIs) != 1 || s.HTTPAPIs[0].LogicalID != "ServerlessHttpApi" || fn.HTTPEvents[0].Path != "$default" {
		t.Errorf("implicit API: %+v / %+v", s.HTTPAPIs, fn.HTTPEvents)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name, doc, params, want string
	}{
		{"unknown ref", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment: {Variables: {X: !Ref Nope}}\n", "", "Nope"},
		{"parameter not allowed", "Parameters:\n  P: {Type: String, Default: a, AllowedValues: [a, b]}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", "P=c", "AllowedValues"},
		{"unknown parameter override", "Resources:\n  Q: {Type: AWS::SQS::Queue}\n", "Zed=1", "no such parameter"},
		{"unsupported intrinsic", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment: {Variables: {X: !ImportValue shared}}\n", "", "not supported"},
		{"bad timeout", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Timeout: 901}\n", "", "Timeout"},
		{"sqs batch too large", "Resources:\n  Q: {Type: AWS::SQS::Queue}\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn, BatchSize: 50}}\n", "", "BatchSize"},
		{"schedule input not json", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: {Type: Schedule, Properties: {Schedule: rate(1 minute), Input: nope}}\n", "", "valid JSON"},
		{"unknown event type", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: {Type: Kinesis}\n", "", "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			e := env
			if tt.params != "" {
				k, v, _ := strings.Cut(tt.params, "=")
				e.Parameters = map[string]string{k: v}
			}
			_, err = Build(tmpl, e, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestFunctionPackages: a function's Go package is the one Env.Packages
// names for it, else its CodeUri when that is a directory below the root;
// a package named outside the root is refused, one that does not exist too.
func TestFunctionPackages(t *testing.T) {
	const doc = `
Globals:
  Function: {CodeUri: .}
Resources:
  Named:
    Type: AWS::Serverless::Function
  Unnamed:
    Type: AWS::Serverless::Function
  OwnDir:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ./cmd/own/}
  InS3:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: {Bucket: b, Key: k}}
`
	tmpl, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range []string{"cmd/named", "cmd/own"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e := env
	e.Packages = map[string]string{"Named": "./cmd/named"}
	s, err := Build(tmpl, e, dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fn := range s.Functions {
		got[fn.LogicalID] = fn.Package
	}
	if diff := cmp.Diff(map[string]string{"Named": "cmd/named", "Unnamed": "", "OwnDir": "cmd/own", "InS3": ""}, got); diff != "" {
		t.Errorf("packages mismatch (-want +got):\n%s", diff)
	}
	e.Packages = map[string]string{"Named": "cmd/missing"}
	if _, err := Build(tmpl, e, dir); err == nil || !strings.Contains(err.Error(), "the Go package of Named, ./cmd/missing, does not exist") {
		t.Errorf("missing package: %v", err)
	}
	e.Packages = map[string]string{"Named": "../outside"}
	if _, err := Build(tmpl, e, dir); err == nil || !strings.Contains(err.Error(), `package "../outside" of Named is not a directory below the project root`) {
		t.Errorf("package outside: %v", err)
	}
}

// TestUserPoolAppClientsAndDomain: an app client's hosted sign-in settings
// (OAuth flows, scopes, callback and sign-out URLs, token lifetimes in
// their units, revocation) and the pool's domain are resolved; a client
// that says nothing gets Cognito's defaults, a unit Cognito does not know
// is refused.
func TestUserPoolAppClientsAndDomain(t *testing.T) {
	const doc = `
Parameters:
  Callbacks: {Type: CommaDelimitedList, Default: "https://a.example/app/, https://b.example/app/"}
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Domain:
    Type: AWS::Cognito::UserPoolDomain
    Properties: {UserPoolId: !Ref Pool, Domain: !Sub "${AWS::StackName}-login"}
  Api:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool}
  Web:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      GenerateSecret: false
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows: [code]
      AllowedOAuthScopes: [openid, email]
      SupportedIdentityProviders: [COGNITO]
      CallbackURLs: !Ref Callbacks
      LogoutURLs: [https://a.example/bye]
      EnableTokenRevocation: false
      IdTokenValidity: 30
      AccessTokenValidity: 2
      RefreshTokenValidity: 600
      TokenValidityUnits: {IdToken: minutes, RefreshToken: minutes}
`
	tmpl, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Build(tmpl, env, "")
	if err != nil {
		t.Fatal(err)
	}
	pool := s.UserPools[0]
	if pool.Domain != env.StackName+"-login" || len(pool.AppClients) != 2 {
		t.Fatalf("pool = %+v, want the domain %s-login and two clients", pool, env.StackName)
	}
	want := []*AppClient{
		{LogicalID: "Api", ID: pool.Clients[0], IDTokenValidity: time.Hour, AccessTokenValidity: time.Hour, RefreshTokenValidity: 30 * 24 * time.Hour, TokenRevocation: true},
		{LogicalID: "Web", ID: pool.Clients[1], OAuth: true, Flows: []string{"code"}, Scopes: []string{"openid", "email"}, IdentityProviders: []string{"COGNITO"},
			CallbackURLs: []string{"https://a.example/app/", "https://b.example/app/"}, LogoutURLs: []string{"https://a.example/bye"},
			IDTokenValidity: 30 * time.Minute, AccessTokenValidity: 2 * time.Hour, RefreshTokenValidity: 10 * time.Hour},
	}
	if diff := cmp.Diff(want, pool.AppClients); diff != "" {
		t.Errorf("app clients mismatch (-want +got):\n%s", diff)
	}

	bad, err := Parse([]byte(strings.Replace(doc, "RefreshToken: minutes", "RefreshToken: weeks", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(bad, env, ""); err == nil || !strings.Contains(err.Error(), "TokenValidityUnits.RefreshToken") {
		t.Errorf("a validity in weeks: err = %v, want one naming TokenValidityUnits.RefreshToken", err)
	}
}
