// Package appconfig reads an application's local configuration: what the
// local stack needs to know of an application and cannot read from its SAM
// template. It is one YAML file beside the template (DefaultFile), owned by
// the application:
//
//	stackName: notes          # the stack's name: physical names, ARNs (default sam-app)
//	functions:                # the Go main package of each function whose CodeUri
//	  ApiFunction: cmd/api    # is the whole project (a makefile build)
//	users:                    # demo users: a token each when the stack starts, and
//	  - username: editor-1    # the user a token request for their group gets
//	    groups: [editors]
//	    email: editor-1@notes.example
//	    attributes: {"custom:team": blue}
//	claimNames:               # short names for custom attributes in token requests
//	  team: custom:team
//	profiles:                 # template parameters and function variables by use
//	  run: {parameters: {Demo: "true", Callbacks: "${ApiUrl}/app/"}}  # ${ApiUrl}: the local API's URL
//	  test: {envVars: {ApiFunction: {CACHE_SECONDS: "0"}}}
//
// Every field is optional: without the file the stack runs the template
// alone. Unknown fields are refused, so that a misspelt key is not ignored.
//
// Of the local stack it imports only the token issuer (for its rule on
// attribute names), and nothing of any application.
//
// Layer: local.
package appconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/claimsdesk/backend/infra/local/cognito"
)

// DefaultFile is the configuration's file name.
const DefaultFile = "local-stack.yaml"

// searched are where Find looks for DefaultFile, relative to the project
// root: beside the template, or in the infra/ folder where a SAM project
// keeps its deployment configuration (samconfig.toml).
var searched = []string{DefaultFile, filepath.Join("infra", DefaultFile)}

// DefaultStackName is the stack's name when the configuration gives none
// (the name `sam init` proposes).
const DefaultStackName = "sam-app"

// Config is an application's local configuration.
type Config struct {
	// Path is the file it was read from ("" when there is none).
	Path string `yaml:"-"`
	// StackName names the stack (AWS::StackName); "" for DefaultStackName.
	StackName string `yaml:"stackName"`
	// Functions maps a function's logical ID to the directory of the Go
	// main package that builds it, relative to the project root.
	Functions map[string]string `yaml:"functions"`
	// Users are the demo users, in the order they are shown.
	Users []User `yaml:"users"`
	// ClaimNames maps short names to custom attributes ("team" ->
	// "custom:team") for token requests.
	ClaimNames map[string]string `yaml:"claimNames"`
	// Profiles are named sets of overrides ("run" for the command's run,
	// "test" for test stacks).
	Profiles map[string]Profile `yaml:"profiles"`
}

// User is a demo user of the template's user pool.
type User struct {
	Username string   `yaml:"username"`
	Groups   []string `yaml:"groups"`
	Email    string   `yaml:"email"`
	// Attributes are custom attributes by claim name ("custom:team").
	Attributes map[string]string `yaml:"attributes"`
}

// Profile is a set of overrides applied under the caller's own.
type Profile struct {
	// Parameters override the template parameters' defaults.
	Parameters map[string]string `yaml:"parameters"`
	// EnvVars override function variables in sam local's --env-vars shape:
	// logical ID (or "Parameters" for every function) -> name -> value.
	EnvVars map[string]map[string]string `yaml:"envVars"`
}

// Find reads the configuration at path or, when path is "", the project's
// DefaultFile beside the template or in its infra/ folder, the first found
// (an empty Config if there is none).
func Find(root, path string) (*Config, error) {
	if path == "" {
		for _, rel := range searched {
			p := filepath.Join(root, rel)
			if _, err := os.Stat(p); err == nil {
				return Load(p)
			} else if !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("local configuration: %w", err)
			}
		}
		return &Config{}, nil
	}
	return Load(path)
}

// Load reads and checks the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("local configuration: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("local configuration %s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

// Parse decodes and checks a configuration document.
func Parse(data []byte) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) check() error {
	var errs []error
	for id, pkg := range c.Functions {
		clean := filepath.ToSlash(filepath.Clean(pkg))
		if pkg == "" || clean == "." || filepath.IsAbs(pkg) || strings.HasPrefix(clean, "../") {
			errs = append(errs, fmt.Errorf("functions.%s: %q is not a directory below the project root", id, pkg))
		}
	}
	seen := map[string]bool{}
	for i, u := range c.Users {
		at := fmt.Sprintf("users[%d]", i)
		switch {
		case u.Username == "":
			errs = append(errs, fmt.Errorf("%s.username: required", at))
		case seen[u.Username]:
			errs = append(errs, fmt.Errorf("%s.username: %s is listed twice", at, u.Username))
		}
		seen[u.Username] = true
		if len(u.Groups) == 0 {
			errs = append(errs, fmt.Errorf("%s.groups: at least one group is required", at))
		}
		for _, name := range sortedKeys(u.Attributes) {
			if !cognito.IsCustomAttribute(name) {
				errs = append(errs, fmt.Errorf("%s.attributes: %q is not a custom attribute (custom:<name>)", at, name))
			}
		}
	}
	for _, short := range sortedKeys(c.ClaimNames) {
		if short == "" || strings.Contains(short, ":") {
			errs = append(errs, fmt.Errorf("claimNames: %q is not a short name (no colon)", short))
		}
		if !cognito.IsCustomAttribute(c.ClaimNames[short]) {
			errs = append(errs, fmt.Errorf("claimNames.%s: %q is not a custom attribute (custom:<name>)", short, c.ClaimNames[short]))
		}
	}
	return errors.Join(errs...)
}

// Profile returns the named profile; it fails when the configuration has no
// such profile.
func (c *Config) Profile(name string) (Profile, error) {
	p, ok := c.Profiles[name]
	if !ok {
		where := c.Path
		if where == "" {
			where = "the local configuration (" + DefaultFile + ", none found)"
		}
		names := sortedKeys(c.Profiles)
		if len(names) == 0 {
			return Profile{}, fmt.Errorf("%s has no profile %q (it has none)", where, name)
		}
		return Profile{}, fmt.Errorf("%s has no profile %q (profiles: %s)", where, name, strings.Join(names, ", "))
	}
	return p, nil
}

// HasProfile reports whether the configuration has the named profile.
func (c *Config) HasProfile(name string) bool {
	_, ok := c.Profiles[name]
	return ok
}

// Name returns the stack's name.
func (c *Config) Name() string {
	if c.StackName == "" {
		return DefaultStackName
	}
	return c.StackName
}

// UserOf returns the first demo user in group.
func (c *Config) UserOf(group string) (User, bool) {
	for _, u := range c.Users {
		if slices.Contains(u.Groups, group) {
			return u, true
		}
	}
	return User{}, false
}

// ClaimName resolves a claim named in a token request: a custom attribute
// ("custom:team") as it is, a short name through ClaimNames. It fails for
// anything else, naming the short names there are.
func (c *Config) ClaimName(name string) (string, error) {
	if full, ok := c.ClaimNames[name]; ok {
		return full, nil
	}
	if cognito.IsCustomAttribute(name) {
		return name, nil
	}
	if len(c.ClaimNames) == 0 {
		return "", fmt.Errorf("claim %q: give a custom attribute (custom:<name>)", name)
	}
	var known []string
	for _, short := range sortedKeys(c.ClaimNames) {
		known = append(known, short+" ("+c.ClaimNames[short]+")")
	}
	return "", fmt.Errorf("claim %q: give a custom attribute (custom:<name>) or a short name: %s", name, strings.Join(known, ", "))
}

// ShortName returns the short name of a custom attribute, or the attribute
// itself when it has none.
func (c *Config) ShortName(attribute string) string {
	for _, short := range sortedKeys(c.ClaimNames) {
		if c.ClaimNames[short] == attribute {
			return short
		}
	}
	return attribute
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
