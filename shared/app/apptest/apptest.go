// Package apptest checks a function's wiring against template.yaml: it
// sets the environment the template gives one function (as Lambda would,
// with an AWS region, credentials and endpoint), so that a test can run the
// function's wiring with exactly that, and compares what the wiring read
// with what the template sets. It starts nothing: the clients are built,
// never called.
//
// Layer: testing.
package apptest

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/local/template"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/deps"
)

// Lambda is what Lambda itself (not the template) gives every function.
var Lambda = map[string]string{
	"AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
	"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_LAMBDA_LOG_LEVEL": "",
}

// secret is the AppSecret parameter the tests deploy with.
var secret = strings.Repeat("s", 40)

// Stack returns template.yaml resolved as the local stack resolves it, with
// the stack's parameters (AppSecret set; params override).
func Stack(t testing.TB, params map[string]string) *template.Stack {
	t.Helper()
	root := moduleRoot(t)
	tmpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := map[string]string{"AppSecret": secret}
	for k, v := range params {
		p[k] = v
	}
	s, err := template.Build(tmpl, template.Env{StackName: "claims", Region: "eu-central-1", AccountID: "123456789012", Parameters: p}, root)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Function returns a function of the resolved template (Stack).
func Function(t testing.TB, logicalID string, params map[string]string) *template.Function {
	t.Helper()
	fn := Stack(t, params).Function(logicalID)
	if fn == nil {
		t.Fatalf("template.yaml has no function %s", logicalID)
	}
	return fn
}

// Queue returns a queue of the resolved template (Stack).
func Queue(t testing.TB, logicalID string, params map[string]string) *template.Queue {
	t.Helper()
	q := Stack(t, params).Queue(logicalID)
	if q == nil {
		t.Fatalf("template.yaml has no queue %s", logicalID)
	}
	return q
}

// FunctionEnv returns the variables template.yaml gives a function (with
// params as Stack takes them).
func FunctionEnv(t testing.TB, logicalID string, params map[string]string) map[string]string {
	t.Helper()
	return maps.Clone(Function(t, logicalID, params).Env)
}

// Setenv sets vars and what Lambda sets for the rest of the test, and
// clears every other variable a wiring could read by mistake (those of the
// other functions), so that a variable the template forgot shows up.
func Setenv(t testing.TB, vars map[string]string) {
	t.Helper()
	for _, fn := range []string{"PublicFunction", "ClaimsFunction", "AdminFunction", "NotifierFunction", "RelayFunction", "SlaFunction", "ReportMailFunction", "KnowledgeFunction", "SeedFunction"} {
		for k := range FunctionEnv(t, fn, nil) {
			t.Setenv(k, "")
		}
	}
	for k, v := range Lambda {
		t.Setenv(k, v)
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

// ReadsWhatTheTemplateSets fails the test unless the wiring read (env) each
// variable the template sets and no other (Lambda's aside).
func ReadsWhatTheTemplateSets(t testing.TB, env *app.Env, vars map[string]string) {
	t.Helper()
	var read []string
	for _, name := range env.Read() {
		if _, ok := Lambda[name]; !ok {
			read = append(read, name)
		}
	}
	sort.Strings(read)
	if diff := cmp.Diff(slices.Sorted(maps.Keys(vars)), read); diff != "" {
		t.Errorf("the template sets (-) what the wiring does not read, or the wiring reads (+) what the template does not set:\n%s", diff)
	}
}

// WiresFromTheTemplate is a function's wiring test: template.yaml gives the
// function exactly the variables want (sorted); with them set as Lambda
// would, wire builds the function's handler without an error; and it read
// each of them and no other.
func WiresFromTheTemplate[H any](t *testing.T, logicalID string, want []string, wire func(*app.Env) (H, error)) {
	t.Helper()
	vars := FunctionEnv(t, logicalID, nil)
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(vars))); diff != "" {
		t.Errorf("%s's variables in template.yaml mismatch (-want +got):\n%s", logicalID, diff)
	}
	Setenv(t, vars)
	env := app.NewEnv()
	h, err := wire(env)
	if err != nil || deps.Missing(h) {
		t.Fatalf("%s: wire = %v, %v", logicalID, h, err)
	}
	ReadsWhatTheTemplateSets(t, env, vars)
}

// Fields returns the names of the fields err lists (a wiring error: the
// variables it names), failing the test when err is not an apperr.
func Fields(t testing.TB, err error) []string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error %v is not an apperr.Error", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// moduleRoot is the directory of go.mod above the working directory.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
