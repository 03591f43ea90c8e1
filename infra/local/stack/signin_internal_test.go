package stack

import "testing"

// TestFunctionsGetTheLocalSignIn: a function's variable holding the hosted
// sign-in's AWS address (SIGNIN_URL in the template) gets the local one;
// other values, and other domains' addresses, are left alone.
func TestFunctionsGetTheLocalSignIn(t *testing.T) {
	s := &Stack{cfg: Config{Region: "eu-central-1"}, signIns: map[string]*SignIn{
		"claims-123": {Domain: "claims-123", URL: "http://127.0.0.1:4566/_cognito/claims-123"},
	}}
	for in, want := range map[string]string{
		"https://claims-123.auth.eu-central-1.amazoncognito.com":         "http://127.0.0.1:4566/_cognito/claims-123",
		"https://claims-123.auth.eu-central-1.amazoncognito.com/logout":  "http://127.0.0.1:4566/_cognito/claims-123/logout",
		"https://other-9.auth.eu-central-1.amazoncognito.com":            "https://other-9.auth.eu-central-1.amazoncognito.com",
		"https://claims-123.auth.us-east-1.amazoncognito.com":            "https://claims-123.auth.us-east-1.amazoncognito.com",
		"https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_ab": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_ab",
		"": "",
	} {
		if got := s.withLocalSignIn(in); got != want {
			t.Errorf("withLocalSignIn(%q) = %q, want %q", in, got, want)
		}
	}
}
