package stack

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/claimsdesk/backend/infra/local/cognito"
	"github.com/claimsdesk/backend/infra/local/template"
)

// DemoUser is a ready-made user per group, for the tokens printed at start and
// the seed data that refers to them.
type DemoUser struct {
	Role, User, Email, DealerID string
}

// DemoUsers are the local users, one per user pool group of the template.
var DemoUsers = []DemoUser{
	{Role: "dealers", User: "dealer-1", Email: "dealer-1@dealers.example", DealerID: "DLR-001"},
	{Role: "managers", User: "manager-1", Email: "manager-1@claimsdesk.example"},
	{Role: "supervisors", User: "supervisor-1", Email: "supervisor-1@claimsdesk.example"},
	{Role: "admins", User: "admin-1", Email: "admin-1@claimsdesk.example"},
	{Role: "integrations", User: "erp", Email: "erp@claimsdesk.example"},
}

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
		out[p.LogicalID] = cognito.NewIssuer(key, p.Issuer, p.Clients[0])
	}
	return out, nil
}

// TokenRequest asks for a token as a given user.
type TokenRequest struct {
	Role, User, DealerID, Email string
	TTL                         time.Duration
}

// Token returns an ID token for the request signed by the local user pool.
func (s *Stack) Token(req TokenRequest) (string, error) {
	return token(s.Model, s.issuers, req)
}

// IssueToken issues a token without a running stack: it resolves the template
// for the issuer and audience and signs with the state dir's key.
func IssueToken(cfg Config, req TokenRequest) (string, error) {
	cfg.defaults()
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
	return token(model, issuers, req)
}

func token(model *template.Stack, issuers map[string]*cognito.Issuer, req TokenRequest) (string, error) {
	if len(model.UserPools) == 0 || len(issuers) == 0 {
		return "", errors.New("the template has no Cognito user pool with a client")
	}
	pool := model.UserPools[0]
	known := false
	for _, g := range pool.Groups {
		if g == req.Role {
			known = true
		}
	}
	if !known {
		return "", fmt.Errorf("role %q is not a group of the user pool (groups: %s)", req.Role, strings.Join(pool.Groups, ", "))
	}
	if req.User == "" {
		for _, d := range DemoUsers {
			if d.Role == req.Role {
				req.User, req.Email = d.User, d.Email
				if req.DealerID == "" {
					req.DealerID = d.DealerID
				}
			}
		}
	}
	if req.User == "" {
		return "", errors.New("a user ID is required")
	}
	if req.Email == "" {
		req.Email = req.User + "@users.example"
	}
	return issuers[pool.LogicalID].Token(cognito.TokenRequest{
		Subject: req.User, Username: req.User, Email: req.Email, DealerID: req.DealerID,
		Groups: []string{req.Role}, TTL: req.TTL,
	}, time.Now())
}
