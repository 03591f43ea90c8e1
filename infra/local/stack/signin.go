package stack

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/claimsdesk/backend/infra/local/cognito"
	"github.com/claimsdesk/backend/infra/local/template"
)

// signInPath is where the services address serves each user pool domain's
// hosted sign-in: <ServicesURL>/_cognito/<domain> stands for Cognito's
// https://<domain>.auth.<region>.amazoncognito.com (no bucket name has an
// underscore, so S3's path-style requests never reach it).
const signInPath = "/_cognito/"

// ApiUrlPlaceholder in a parameter value (the Config's or a profile's) is
// replaced by the HTTP API's base URL once the stack listens: what
// !GetAtt <Api>.ApiEndpoint gives in AWS, for the parameters a template
// cannot derive from it (an app client's callback URLs, which the API's
// own authorizer names, would make a cycle).
const ApiUrlPlaceholder = "${ApiUrl}"

// SignIn is the hosted sign-in of a user pool with a domain.
type SignIn struct {
	// Pool is the user pool's logical ID, Domain its domain prefix.
	Pool, Domain string
	// URL is the base of its endpoints (/oauth2/authorize, /login,
	// /oauth2/token, /oauth2/revoke, /logout, /oauth2/userInfo,
	// /.well-known/jwks.json, /.well-known/openid-configuration).
	URL string
	// Clients are the IDs of the app clients it serves (those with
	// AllowedOAuthFlowsUserPoolClient), by logical ID.
	Clients map[string]string
	handler *cognito.HostedUI
}

// startSignIns builds the hosted sign-in of every user pool with a domain.
func (s *Stack) startSignIns() error {
	s.signIns = map[string]*SignIn{}
	for _, pool := range s.Model.UserPools {
		issuer := s.issuers[pool.LogicalID]
		if pool.Domain == "" || issuer == nil {
			continue
		}
		si := &SignIn{Pool: pool.LogicalID, Domain: pool.Domain, URL: s.ServicesURL + signInPath + pool.Domain, Clients: map[string]string{}}
		cfg := cognito.HostedUIConfig{Issuer: issuer, BaseURL: si.URL, Groups: pool.Groups, Attributes: pool.CustomAttributes, Labels: map[string]string{}}
		for _, c := range pool.AppClients {
			cfg.Clients = append(cfg.Clients, hostedClient(c))
			if c.OAuth {
				si.Clients[c.LogicalID] = c.ID
			}
		}
		for _, a := range pool.CustomAttributes {
			if short := s.App.ShortName(a); short != a {
				cfg.Labels[a] = short
			}
		}
		for _, u := range s.App.Users {
			email := u.Email
			if email == "" {
				email = u.Username + "@users.example"
			}
			cfg.Users = append(cfg.Users, cognito.User{Username: u.Username, Email: email, Groups: u.Groups, Attributes: u.Attributes})
		}
		h, err := cognito.NewHostedUI(cfg)
		if err != nil {
			return fmt.Errorf("user pool %s: %w", pool.LogicalID, err)
		}
		si.handler = h
		s.signIns[pool.Domain] = si
		if s.SignIn == nil {
			s.SignIn = si
		}
	}
	return nil
}

func hostedClient(c *template.AppClient) cognito.Client {
	return cognito.Client{
		ID: c.ID, Secret: c.Secret, OAuth: c.OAuth, Flows: c.Flows, Scopes: c.Scopes, IdentityProviders: c.IdentityProviders,
		CallbackURLs: c.CallbackURLs, LogoutURLs: c.LogoutURLs, IDTokenTTL: c.IDTokenValidity, AccessTokenTTL: c.AccessTokenValidity,
		RefreshTokenTTL: c.RefreshTokenValidity, TokenRevocation: c.TokenRevocation, ReadAttributes: c.ReadAttributes,
	}
}

// serveSignIn serves a request under signInPath; false when it names no
// domain of the stack.
func (s *Stack) serveSignIn(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, signInPath)
	if !ok {
		return false
	}
	domain, _, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	si := s.signIns[domain]
	s.mu.Unlock()
	if si == nil {
		http.Error(w, "no user pool domain "+domain+" in this stack", http.StatusNotFound)
		return true
	}
	http.StripPrefix(signInPath+domain, si.handler).ServeHTTP(w, r)
	return true
}

// withLocalSignIn replaces a hosted sign-in's address in AWS in v (what
// !Sub https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com
// gives a function's variable) with the local one: like the services'
// endpoints, the only difference from production. It runs while the
// functions start, after startSignIns.
func (s *Stack) withLocalSignIn(v string) string {
	if !strings.Contains(v, ".amazoncognito.com") {
		return v
	}
	for domain, si := range s.signIns {
		v = strings.ReplaceAll(v, "https://"+domain+".auth."+s.cfg.Region+".amazoncognito.com", si.URL)
	}
	return v
}

// withAPIURL replaces ApiUrlPlaceholder in parameter values.
func withAPIURL(params map[string]string, apiURL string) map[string]string {
	out := make(map[string]string, len(params))
	for k, v := range params {
		out[k] = strings.ReplaceAll(v, ApiUrlPlaceholder, apiURL)
	}
	return out
}
