// Package auth describes who is calling: the principal taken from a verified
// token (Cognito ID token claims) and the roles the application knows.
//
// It imports only the standard library and package apperr; turning transport
// claims into a Principal is the HTTP edge's job.
//
// Layer: leaf.
package auth

import (
	"slices"
	"strings"

	"github.com/claimsdesk/backend/shared/apperr"
)

// Role is a user pool group.
type Role string

// The roles, one per Cognito group in template.yaml.
const (
	Dealer      Role = "dealers"
	Manager     Role = "managers"
	Supervisor  Role = "supervisors"
	Admin       Role = "admins"
	Integration Role = "integrations"
)

// Principal is a signed-in caller.
type Principal struct {
	UserID   string `json:"userId"`
	Username string `json:"username,omitempty"`
	Email    string `json:"email,omitempty"`
	// Name is the user's display name (the user pool's name attribute),
	// "" when the pool has none for them.
	Name  string `json:"name,omitempty"`
	Roles []Role `json:"roles"`
	// DealerID is set for dealer users (custom:dealer_id).
	DealerID string `json:"dealerId,omitempty"`
}

// Has reports whether the principal holds role.
func (p *Principal) Has(role Role) bool {
	return p != nil && slices.Contains(p.Roles, role)
}

// HasAny reports whether the principal holds one of roles.
func (p *Principal) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if p.Has(r) {
			return true
		}
	}
	return false
}

// Require returns Unauthorized for a missing principal and Forbidden when it
// holds none of roles.
func Require(p *Principal, roles ...Role) error {
	if p == nil || p.UserID == "" {
		return apperr.Errorf(apperr.Unauthorized, "sign-in required")
	}
	if !p.HasAny(roles...) {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		return apperr.Errorf(apperr.Forbidden, "this needs one of the roles: %s", strings.Join(names, ", "))
	}
	return nil
}

// FromClaims builds a principal from token claims as API Gateway passes them:
// a map of strings in which array claims look like "[a b]".
func FromClaims(claims map[string]string) *Principal {
	if claims["sub"] == "" {
		return nil
	}
	p := &Principal{
		Roles:    []Role{},
		UserID:   claims["sub"],
		Username: firstNonEmpty(claims["cognito:username"], claims["username"]),
		Email:    claims["email"],
		Name:     claims["name"],
		DealerID: claims["custom:dealer_id"],
	}
	for _, g := range ParseList(claims["cognito:groups"]) {
		p.Roles = append(p.Roles, Role(g))
	}
	return p
}

// ParseList parses an array claim as API Gateway flattens it ("[a b]"); a plain
// value yields one item.
func ParseList(v string) []string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "[")
	v = strings.TrimSuffix(v, "]")
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		if f = strings.Trim(f, `"`); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
