// Package cabinet is the dealer cabinet: one page at /cabinet that dealers
// sign in to through the user pool's hosted sign-in, and that files,
// follows and discusses their claims through the public JSON API with the
// dealer's own token. It holds the page's shell, script and stylesheet (no
// framework, no build step) and renders the shell with the page's
// configuration (the hosted sign-in's base URL, the app client's ID, the
// API's base) written into it as a JSON block, so that the same files work
// in AWS and on the local stack with only these values differing.
//
// The page is served with a strict Content-Security-Policy (see CSP): its
// own script and stylesheet only, no inline code, connections to this site,
// the sign-in domain and the upload bucket only. Tokens stay in the tab
// (session storage); everything shown comes from the API as a dealer gets
// it, so nothing the API hides from a dealer can reach the page.
//
// It imports only the standard library and the project's webform package
// (for the stage and decision names the claimant's pages use).
//
// Layer: edge.
package cabinet

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"strings"
	"sync"

	"github.com/claimsdesk/backend/shared/webform"
)

//go:embed assets/*
var files embed.FS

// Config is what the page needs to know to sign in and call the API.
type Config struct {
	// SignInURL is the hosted sign-in's base URL (the user pool domain's:
	// /oauth2/authorize, /oauth2/token, /oauth2/revoke and /logout are
	// below it).
	SignInURL string `json:"signInUrl"`
	// ClientID is the cabinet's app client (public, authorization code
	// with PKCE).
	ClientID string `json:"clientId"`
	// APIBase is the API's base URL; "" means the page's own site.
	APIBase string `json:"apiBase"`
}

// Check reports what is wrong with cfg: the sign-in URL must be an absolute
// http(s) URL, the client ID given, the API base empty or absolute.
func (c Config) Check() error {
	if u, err := url.Parse(c.SignInURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("cabinet: sign-in URL %q is not an absolute http(s) URL", c.SignInURL)
	}
	if strings.TrimSpace(c.ClientID) == "" {
		return fmt.Errorf("cabinet: no app client ID")
	}
	if c.APIBase != "" {
		if u, err := url.Parse(c.APIBase); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("cabinet: API base %q is not an absolute http(s) URL", c.APIBase)
		}
	}
	return nil
}

// pageData is the JSON block in the shell: the configuration and the
// shared texts in both languages.
type pageData struct {
	Config
	Texts map[string]map[string]string `json:"texts"`
}

// sharedTexts are the webform texts the page uses, by key prefix.
var sharedTexts = []string{"stage.", "desired.", "decision.resolution."}

var shell = sync.OnceValue(func() *template.Template {
	return template.Must(template.ParseFS(files, "assets/index.html"))
})

// Shell renders the page with cfg in its JSON block.
func Shell(cfg Config) ([]byte, error) {
	data := pageData{Config: cfg, Texts: map[string]map[string]string{
		webform.LangRU: webform.Texts(webform.LangRU, sharedTexts...),
		webform.LangEN: webform.Texts(webform.LangEN, sharedTexts...),
	}}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("cabinet config: %w", err)
	}
	var b bytes.Buffer
	// html/template escapes the JSON for the script element it sits in.
	if err := shell().Execute(&b, map[string]any{"Config": template.JS(raw)}); err != nil {
		return nil, fmt.Errorf("render the cabinet: %w", err)
	}
	return b.Bytes(), nil
}

// Assets are the files the shell loads, by name, with their media types.
var Assets = map[string]string{
	"app.js":  "text/javascript; charset=utf-8",
	"app.css": "text/css; charset=utf-8",
}

// Asset returns an asset's bytes and media type; false for a name not in
// Assets.
func Asset(name string) ([]byte, string, bool) {
	ct, ok := Assets[name]
	if !ok {
		return nil, "", false
	}
	b, err := files.ReadFile("assets/" + name)
	if err != nil {
		return nil, "", false
	}
	return b, ct, true
}

// CSP is the page's Content-Security-Policy: its own script and stylesheet,
// images from this site, the bucket and the page itself (photo previews),
// fetches to this site, the API, the sign-in domain and the bucket; no
// frames, no forms, no base element.
func CSP(cfg Config, uploadOrigin string) string {
	connect := []string{"'self'"}
	for _, u := range []string{cfg.APIBase, cfg.SignInURL, uploadOrigin} {
		if o := origin(u); o != "" && !contains(connect, o) {
			connect = append(connect, o)
		}
	}
	img := "'self' data: blob:"
	if o := origin(uploadOrigin); o != "" {
		img += " " + o
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + img + "; connect-src " + strings.Join(connect, " ") +
		"; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
}

// origin returns the scheme and host of an absolute URL, "" otherwise.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Files returns the page's embedded files (assets/index.html, app.js,
// app.css), for tests that read them.
func Files() fs.FS { return files }
