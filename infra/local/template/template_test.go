package template

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const root = "../../.."

var env = Env{StackName: "claims", Region: "eu-central-1", AccountID: "123456789012", APIEndpoint: "http://127.0.0.1:3000"}

func loadProject(t *testing.T, params map[string]string) *Stack {
	t.Helper()
	tmpl, err := Load(filepath.Join(root, "template.yaml"))
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
	s, err := Build(tmpl, e, root)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return s
}

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
	wantSQS := []SQSEvent{{Name: "Notifications", Queue: "NotificationsQueue", BatchSize: 10, BatchingWindow: time.Second, ReportBatchItemFailures: true, Enabled: true}}
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

	if len(s.HTTPAPIs) != 1 {
		t.Fatalf("%d HTTP APIs, want 1", len(s.HTTPAPIs))
	}
	api := s.HTTPAPIs[0]
	pool := s.UserPools[0]
	wantAuth := JWTAuthorizer{IdentitySource: "$request.header.Authorization", Issuer: "https://cognito-idp.eu-central-1.amazonaws.com/" + pool.ID, Audience: pool.Clients}
	if diff := cmp.Diff(wantAuth, api.Authorizers["CognitoJwt"]); diff != "" {
		t.Errorf("authorizer mismatch (-want +got):\n%s", diff)
	}
	if pool.Issuer != wantAuth.Issuer || !strings.HasPrefix(pool.ID, "eu-central-1_") {
		t.Errorf("user pool = %+v", pool)
	}
	if diff := cmp.Diff([]string{"admins", "dealers", "integrations", "managers", "supervisors"}, sorted(pool.Groups)); diff != "" {
		t.Errorf("groups mismatch (-want +got):\n%s", diff)
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
	for _, ig := range s.Ignored {
		if strings.HasPrefix(ig, "AlarmSubscription ") {
			t.Errorf("AlarmSubscription included although AlarmEmail is empty")
		}
	}
	withAlarm := loadProject(t, map[string]string{"AlarmEmail": "ops@example.com"})
	found := false
	for _, ig := range withAlarm.Ignored {
		found = found || strings.HasPrefix(ig, "AlarmSubscription ")
	}
	if !found {
		t.Errorf("AlarmSubscription missing with AlarmEmail set: %v", withAlarm.Ignored)
	}
}

func sorted(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// Every function must be buildable by `sam build` (a build-<LogicalId> target)
// and by the local stack (the package convention).
func TestEveryFunctionHasABuildTarget(t *testing.T) {
	s := loadProject(t, nil)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range s.Functions {
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
		"SUB":      "arn:aws:sqs:eu-central-1:123456789012:claims-Queue/${Literal}",
		"SUBVARS":  "dev-claims",
		"JOIN":     "https://a.example,https://b.example",
		"SELECT":   "b",
		"IF":       "no",
		"BOTH":     "both",
		"TABLE":    "claims-data-dev",
		"TABLEARN": "arn:aws:dynamodb:eu-central-1:123456789012:table/claims-data-dev",
		"QUEUEURL": "http://127.0.0.1:4566/123456789012/claims-Queue",
		"B64":      "aGk=",
	}
	if diff := cmp.Diff(want, fn.Env); diff != "" {
		t.Errorf("environment mismatch (-want +got):\n%s", diff)
	}
	if fn.MemoryMB != 128 || fn.Timeout != 7*time.Second {
		t.Errorf("memory/timeout = %d/%s", fn.MemoryMB, fn.Timeout)
	}
	wantSchedules := []ScheduleEvent{
		{Name: "Rule", Type: "Schedule", Expression: "rate(5 minutes)", Enabled: false, RuleName: "claims-Fn-Rule"},
		{Name: "Tick", Type: "ScheduleV2", Expression: "cron(0 9 ? * MON-FRI *)", Timezone: "Europe/Moscow", Input: `{"job":"report"}`, HasInput: true, Enabled: true, RuleName: "claims-Fn-Tick"},
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

func TestPackageFor(t *testing.T) {
	for id, want := range map[string]string{
		"PublicFunction":   "functions/public",
		"SlaCheckFunction": "functions/sla-check",
		"ERPSyncFunction":  "functions/erpsync",
		"Notifier":         "functions/notifier",
	} {
		if got := PackageFor(id); got != want {
			t.Errorf("PackageFor(%s) = %s, want %s", id, got, want)
		}
	}
}
