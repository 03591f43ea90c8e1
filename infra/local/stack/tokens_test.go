package stack_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// TestIssueToken issues tokens of the sample application without a stack,
// as the token command does: the group's demo user from the local
// configuration, any user with custom attributes by claim name or short
// name; and refuses what its user pool would not put in a token.
func TestIssueToken(t *testing.T) {
	cfg := stack.Config{Root: st.SampleApp(t), StateDir: t.TempDir()}
	tests := []struct {
		name string
		req  stack.TokenRequest
		want map[string]any
		err  string
	}{
		{name: "the group's demo user", req: stack.TokenRequest{Role: "guests"},
			want: map[string]any{"sub": "guest-1", "cognito:groups": []any{"guests"}, "email": "guest-1@guestbook.example", "custom:table_no": "7"}},
		{name: "a demo user in two groups", req: stack.TokenRequest{Role: "hosts"},
			want: map[string]any{"sub": "host-1", "cognito:groups": []any{"hosts", "guests"}, "email": "host-1@guestbook.example"}},
		{name: "the demo user's attribute replaced", req: stack.TokenRequest{Role: "guests", Claims: map[string]string{"custom:table_no": "9"}},
			want: map[string]any{"sub": "guest-1", "custom:table_no": "9"}},
		{name: "the demo user's attribute removed", req: stack.TokenRequest{Role: "guests", Claims: map[string]string{"table": ""}},
			want: map[string]any{"sub": "guest-1"}},
		{name: "any user, an attribute by its short name", req: stack.TokenRequest{Role: "hosts", User: "h-2", Claims: map[string]string{"table": "12"}},
			want: map[string]any{"sub": "h-2", "cognito:username": "h-2", "cognito:groups": []any{"hosts"}, "email": "h-2@users.example", "custom:table_no": "12"}},
		{name: "not a group", req: stack.TokenRequest{Role: "cooks"}, err: `role "cooks" is not a group of the user pool (groups: guests, hosts)`},
		{name: "a standard claim", req: stack.TokenRequest{Role: "guests", Claims: map[string]string{"sub": "x"}},
			err: `claim "sub": give a custom attribute (custom:<name>) or a short name: table (custom:table_no)`},
		{name: "an attribute the pool lacks", req: stack.TokenRequest{Role: "guests", Claims: map[string]string{"custom:vip": "yes"}},
			err: "claim custom:vip: custom:vip is not an attribute of user pool UserPool (its custom attributes: custom:table_no, custom:allergies)"},
		{name: "an attribute the client cannot read", req: stack.TokenRequest{Role: "guests", Claims: map[string]string{"custom:allergies": "nuts"}},
			err: "claim custom:allergies: custom:allergies is not in the ReadAttributes of app client "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := stack.IssueToken(cfg, tt.req)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("IssueToken = %v, want an error starting %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			claims := claimsOf(t, tok)
			got := map[string]any{}
			for k := range tt.want {
				got[k] = claims[k]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}
			if _, ok := tt.want["custom:table_no"]; !ok && claims["custom:table_no"] != nil {
				t.Errorf("custom:table_no = %v, want none", claims["custom:table_no"])
			}
		})
	}
}

// TestConfigMustFitTheTemplate: a stack does not start with a local
// configuration its template contradicts, nor with a function it cannot
// build; the error says what to fix, before anything is built.
func TestConfigMustFitTheTemplate(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join(st.SampleApp(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, template, config, want string
	}{
		{"a user in a group the pool lacks", string(sample), "users:\n  - {username: u, groups: [cooks]}\n",
			`users: u: "cooks" is not a group of user pool UserPool (groups: guests, hosts)`},
		{"a user with an attribute the pool lacks", string(sample), "users:\n  - {username: u, groups: [guests], attributes: {custom:vip: \"yes\"}}\n",
			"users: u: custom:vip is not an attribute of user pool UserPool"},
		{"a package for a function the template lacks", string(sample), "functions:\n  MissingFunction: cmd/missing\n",
			"functions: MissingFunction is not a function of the template"},
		{"a profile the configuration lacks", string(sample), "stackName: x\n", `has no profile "test" (it has none)`},
		{"a function without a package", strings.Replace(string(sample), "CodeUri: functions/digest", "CodeUri: .", 1), "",
			`function DigestFunction: no Go package to build: its CodeUri (".") names none; name it under functions: in`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"template.yaml": tt.template}
			if tt.config != "" {
				files["local-stack.yaml"] = tt.config
			}
			root := st.FixtureProject(t, files)
			for _, d := range []string{"functions/api", "functions/worker", "functions/digest"} {
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cfg := stack.Config{Root: root, StateDir: t.TempDir(), APIAddr: "127.0.0.1:0", ServicesAddr: "127.0.0.1:0", Console: &strings.Builder{}}
			if tt.name == "a profile the configuration lacks" {
				cfg.Profile = "test"
			}
			s, err := stack.Start(context.Background(), cfg)
			if err == nil {
				s.Close()
				t.Fatal("the stack started")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one with %q", err, tt.want)
			}
		})
	}
}
