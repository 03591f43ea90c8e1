package stack

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/claimsdesk/backend/infra/local/appconfig"
	"github.com/claimsdesk/backend/infra/local/cognito"
	"github.com/claimsdesk/backend/infra/local/template"
)

// KeyPath is where the local token signing key lives under the state dir.
func KeyPath(stateDir string) string { return filepath.Join(stateDir, "keys", "jwt-rs256.pem") }

func (s *Stack) loadIssuers() error {
	issuers, err := issuersFor(s.Model, s.cfg.StateDir)
	if err != nil {
		return err
	}
	s.issuers = issuers
	return nil
}

func issuersFor(model *template.Stack, stateDir string) (map[string]*cognito.Issuer, error) {
	out := map[string]*cognito.Issuer{}
	if len(model.UserPools) == 0 {
		return out, nil
	}
	key, err := cognito.LoadOrCreateKey(KeyPath(stateDir))
	if err != nil {
		return nil, fmt.Errorf("token signing key: %w", err)
	}
	for _, p := range model.UserPools {
		if len(p.Clients) == 0 {
			continue
		}
		out[p.LogicalID] = cognito.NewIssuer(key, p.Issuer, tokenClient(p))
	}
	return out, nil
}

// tokenClient is the app client the stack's own tokens (`token`, the
// banner's, the tests') are for: they stand for a sign-in through the user
// pool API (InitiateAuth), so the first client without the hosted sign-in,
// else the first client.
func tokenClient(p *template.UserPool) string {
	for _, c := range p.AppClients {
		if !c.OAuth {
			return c.ID
		}
	}
	return p.Clients[0]
}

// checkApp refuses a local configuration that does not fit the template: a
// package for a function the template lacks, a demo user in a group the
// user pool lacks or with an attribute its tokens cannot carry.
func checkApp(model *template.Stack, app *appconfig.Config) error {
	var errs []error
	for _, id := range sortedKeys(app.Functions) {
		if model.Function(id) == nil {
			errs = append(errs, fmt.Errorf("functions: %s is not a function of the template", id))
		}
	}
	if len(app.Users) > 0 && len(model.UserPools) == 0 {
		errs = append(errs, errors.New("users: the template has no Cognito user pool"))
	}
	if len(model.UserPools) > 0 {
		pool := model.UserPools[0]
		for _, u := range app.Users {
			for _, g := range u.Groups {
				if !slices.Contains(pool.Groups, g) {
					errs = append(errs, fmt.Errorf("users: %s: %q is not a group of user pool %s (groups: %s)", u.Username, g, pool.LogicalID, strings.Join(pool.Groups, ", ")))
				}
			}
			for _, name := range sortedKeys(u.Attributes) {
				if err := carried(pool, name); err != nil {
					errs = append(errs, fmt.Errorf("users: %s: %w", u.Username, err))
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		where := app.Path
		if where == "" {
			where = "local configuration"
		}
		return fmt.Errorf("%s does not fit the template: %w", where, err)
	}
	return nil
}

// carried fails when a custom attribute cannot be in the pool's ID tokens:
// the pool's Schema does not declare it, or its client's ReadAttributes
// leave it out (Cognito would leave it out of the token).
func carried(pool *template.UserPool, attribute string) error {
	if !slices.Contains(pool.CustomAttributes, attribute) {
		declared := "it declares none"
		if len(pool.CustomAttributes) > 0 {
			declared = "its custom attributes: " + strings.Join(pool.CustomAttributes, ", ")
		}
		return fmt.Errorf("%s is not an attribute of user pool %s (%s)", attribute, pool.LogicalID, declared)
	}
	if len(pool.Clients) > 0 {
		client := tokenClient(pool)
		if read, ok := pool.ReadAttributes[client]; ok && !slices.Contains(read, attribute) {
			return fmt.Errorf("%s is not in the ReadAttributes of app client %s, so its tokens cannot carry it", attribute, client)
		}
	}
	return nil
}

// TokenRequest asks for an ID token of the template's user pool.
type TokenRequest struct {
	// Role is the user pool group the user is in.
	Role string
	// Groups are more groups the user is in, besides Role.
	Groups []string
	// User is the user's ID (the token's sub); "" takes the first demo user
	// of the group in the local configuration, with their email, groups
	// and attributes.
	User string
	// Email defaults to the demo user's, else <user>@users.example.
	Email string
	// Claims are custom attributes, by claim name ("custom:team") or by a
	// short name of the local configuration ("team"); they replace the demo
	// user's. An empty value leaves the attribute out.
	Claims map[string]string
	TTL    time.Duration
}

// Token returns an ID token for the request signed by the local user pool.
// It fails when the role is not a group of the pool, no user is given and
// the group has no demo user, or a claim is not a custom attribute the
// pool's tokens carry.
func (s *Stack) Token(req TokenRequest) (string, error) {
	return token(s.Model, s.issuers, s.App, req)
}

// IssueToken issues a token without a running stack: it resolves the template
// for the issuer and audience and signs with the state dir's key.
func IssueToken(cfg Config, req TokenRequest) (string, error) {
	app, err := cfg.load()
	if err != nil {
		return "", err
	}
	tmpl, err := template.Load(cfg.Template)
	if err != nil {
		return "", err
	}
	params, err := localParameters(cfg.StateDir, tmpl, cfg.Parameters)
	if err != nil {
		return "", err
	}
	model, err := template.Build(tmpl, template.Env{StackName: cfg.StackName, Region: cfg.Region, AccountID: cfg.AccountID, Parameters: params}, "")
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	issuers, err := issuersFor(model, cfg.StateDir)
	if err != nil {
		return "", err
	}
	return token(model, issuers, app, req)
}

func token(model *template.Stack, issuers map[string]*cognito.Issuer, app *appconfig.Config, req TokenRequest) (string, error) {
	if len(model.UserPools) == 0 || len(issuers) == 0 {
		return "", errors.New("the template has no Cognito user pool with a client")
	}
	pool := model.UserPools[0]
	if !slices.Contains(pool.Groups, req.Role) {
		return "", fmt.Errorf("role %q is not a group of the user pool (groups: %s)", req.Role, strings.Join(pool.Groups, ", "))
	}
	groups := []string{req.Role}
	for _, g := range req.Groups {
		if !slices.Contains(pool.Groups, g) {
			return "", fmt.Errorf("group %q is not a group of the user pool (groups: %s)", g, strings.Join(pool.Groups, ", "))
		}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	attributes := map[string]string{}
	if req.User == "" {
		u, ok := app.UserOf(req.Role)
		if !ok {
			return "", fmt.Errorf("group %s has no demo user in the local configuration: give a user ID", req.Role)
		}
		req.User, groups = u.Username, u.Groups
		if req.Email == "" {
			req.Email = u.Email
		}
		for k, v := range u.Attributes {
			attributes[k] = v
		}
	}
	for _, name := range sortedKeys(req.Claims) {
		full, err := app.ClaimName(name)
		if err != nil {
			return "", err
		}
		if err := carried(pool, full); err != nil {
			return "", fmt.Errorf("claim %s: %w", name, err)
		}
		attributes[full] = req.Claims[name]
	}
	if req.Email == "" {
		req.Email = req.User + "@users.example"
	}
	return issuers[pool.LogicalID].Token(cognito.TokenRequest{
		Subject: req.User, Username: req.User, Email: req.Email, Attributes: attributes,
		Groups: groups, TTL: req.TTL,
	}, time.Now())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
