package appconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sampleApp(t *testing.T) string {
	t.Helper()
	return filepath.Join("..", "stacktest", "testdata", "sampleapp")
}

// TestSampleAppConfig reads the sample application's configuration.
func TestSampleAppConfig(t *testing.T) {
	c, err := Find(sampleApp(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != filepath.Join(sampleApp(t), DefaultFile) || c.Name() != "guestbook" {
		t.Errorf("config = %s, stack %s", c.Path, c.Name())
	}
	want := []User{
		{Username: "guest-1", Groups: []string{"guests"}, Email: "guest-1@guestbook.example", Attributes: map[string]string{"custom:table_no": "7"}},
		{Username: "host-1", Groups: []string{"hosts", "guests"}, Email: "host-1@guestbook.example"},
	}
	if diff := cmp.Diff(want, c.Users); diff != "" {
		t.Errorf("users mismatch (-want +got):\n%s", diff)
	}
	// A group's user is its first one.
	if u, ok := c.UserOf("guests"); !ok || u.Username != "guest-1" {
		t.Errorf("UserOf(guests) = %+v %v", u, ok)
	}
	if u, ok := c.UserOf("hosts"); !ok || u.Username != "host-1" {
		t.Errorf("UserOf(hosts) = %+v %v", u, ok)
	}
	if _, ok := c.UserOf("cooks"); ok {
		t.Error("UserOf(cooks) found a user")
	}
	p, err := c.Profile("test")
	if err != nil {
		t.Fatal(err)
	}
	if p.Parameters["HostEmail"] != "test-host@guestbook.example" || p.EnvVars["ApiFunction"]["GREETING"] != "hello from the test profile" {
		t.Errorf("test profile = %+v", p)
	}
	if _, err := c.Profile("staging"); err == nil || !strings.Contains(err.Error(), `has no profile "staging" (profiles: run, test)`) {
		t.Errorf("missing profile: %v", err)
	}
}

func TestNoConfigFile(t *testing.T) {
	c, err := Find(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "" || c.Name() != DefaultStackName || len(c.Users) != 0 || c.HasProfile("run") {
		t.Errorf("config without a file = %+v", c)
	}
	if _, err := Find(t.TempDir(), "elsewhere.yaml"); err == nil {
		t.Error("a configuration named but missing was not refused")
	}
}

func TestClaimNames(t *testing.T) {
	c := &Config{ClaimNames: map[string]string{"team": "custom:team", "floor": "custom:floor"}}
	tests := []struct{ in, want, err string }{
		{"team", "custom:team", ""},
		{"custom:team", "custom:team", ""},
		{"custom:other", "custom:other", ""},
		{"sub", "", `claim "sub": give a custom attribute (custom:<name>) or a short name: floor (custom:floor), team (custom:team)`},
		{"email", "", `claim "email": give a custom attribute (custom:<name>) or a short name: floor (custom:floor), team (custom:team)`},
	}
	for _, tt := range tests {
		got, err := c.ClaimName(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("ClaimName(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	if got := c.ShortName("custom:floor"); got != "floor" {
		t.Errorf("ShortName(custom:floor) = %q", got)
	}
	if got := c.ShortName("custom:other"); got != "custom:other" {
		t.Errorf("ShortName(custom:other) = %q", got)
	}
}

// TestRefusedConfigs: each mistake is refused, naming the field.
func TestRefusedConfigs(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown field", "stackname: x\n", "field stackname not found"},
		{"user without a name", "users:\n  - groups: [a]\n", "users[0].username: required"},
		{"user twice", "users:\n  - {username: u, groups: [a]}\n  - {username: u, groups: [b]}\n", "users[1].username: u is listed twice"},
		{"user without a group", "users:\n  - {username: u}\n", "users[0].groups: at least one group is required"},
		{"standard attribute", "users:\n  - {username: u, groups: [a], attributes: {email: x@y}}\n", `users[0].attributes: "email" is not a custom attribute (custom:<name>)`},
		{"short name of a standard claim", "claimNames: {who: sub}\n", `claimNames.who: "sub" is not a custom attribute (custom:<name>)`},
		{"short name with a colon", "claimNames: {\"custom:x\": custom:x}\n", `claimNames: "custom:x" is not a short name (no colon)`},
		{"package outside the project", "functions: {F: ../elsewhere}\n", `functions.F: "../elsewhere" is not a directory below the project root`},
		{"package at the root", "functions: {F: .}\n", `functions.F: "." is not a directory below the project root`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte("users:\n  - {username: u}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), "local configuration "+path+": ") {
		t.Errorf("Load = %v, want the file named", err)
	}
}

// TestFindBesideTheTemplateOrInInfra: the file is found beside the template
// first, else in the project's infra/ folder.
func TestFindBesideTheTemplateOrInInfra(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(rel, name string) {
		if err := os.WriteFile(filepath.Join(root, rel), []byte("stackName: "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("infra/local-stack.yaml", "from-infra")
	if c, err := Find(root, ""); err != nil || c.Name() != "from-infra" {
		t.Errorf("Find with infra/local-stack.yaml = %+v, %v", c, err)
	}
	write("local-stack.yaml", "beside")
	if c, err := Find(root, ""); err != nil || c.Name() != "beside" {
		t.Errorf("Find with both = %+v, %v; want the one beside the template", c, err)
	}
}
