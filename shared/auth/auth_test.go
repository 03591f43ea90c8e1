package auth

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/apperr"
)

func TestFromClaims(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]string
		want   *Principal
	}{
		{"no subject", map[string]string{"cognito:groups": "[admins]"}, nil},
		{"dealer", map[string]string{"sub": "u1", "cognito:groups": "[dealers]", "custom:dealer_id": "DLR-1", "email": "a@b.c", "cognito:username": "u1"},
			&Principal{UserID: "u1", Username: "u1", Email: "a@b.c", Roles: []Role{Dealer}, DealerID: "DLR-1"}},
		{"several groups", map[string]string{"sub": "u2", "cognito:groups": "[managers supervisors]", "username": "u2"},
			&Principal{UserID: "u2", Username: "u2", Roles: []Role{Manager, Supervisor}}},
		{"json-ish array", map[string]string{"sub": "u3", "cognito:groups": `["admins","managers"]`},
			&Principal{UserID: "u3", Roles: []Role{Admin, Manager}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, FromClaims(tt.claims)); diff != "" {
				t.Errorf("principal mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	p := &Principal{UserID: "u", Roles: []Role{Dealer}}
	if err := Require(nil, Dealer); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("nil principal: %v", err)
	}
	if err := Require(p, Manager, Supervisor); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("wrong role: %v", err)
	}
	if err := Require(p, Manager, Dealer); err != nil {
		t.Errorf("right role: %v", err)
	}
}
