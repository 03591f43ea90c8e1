package cabinet_test

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/shared/cabinet"
	"github.com/claimsdesk/backend/shared/orders"
)

var good = cabinet.Config{SignInURL: "https://claims-1.auth.eu-central-1.amazoncognito.com", ClientID: "4kq1c3abcde"}

var configBlock = regexp.MustCompile(`(?s)<script type="application/json" id="config">(.*?)</script>`)

// TestShellCarriesTheConfig: the page's JSON block holds the configuration
// and the shared texts in both languages, and a hostile value stays inside
// the block as data.
func TestShellCarriesTheConfig(t *testing.T) {
	cfg := good
	cfg.ClientID = `</script><script>alert(1)</script>`
	page, err := cabinet.Shell(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), "<script>alert(1)") {
		t.Fatalf("the client ID broke out of the JSON block:\n%s", page)
	}
	m := configBlock.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no config block in\n%s", page)
	}
	var got struct {
		SignInURL, ClientID, APIBase string
		Texts                        map[string]map[string]string
	}
	if err := json.Unmarshal(m[1], &got); err != nil {
		t.Fatalf("the config block is not JSON: %v\n%s", err, m[1])
	}
	if got.SignInURL != cfg.SignInURL || got.ClientID != cfg.ClientID || got.APIBase != "" {
		t.Errorf("config = %+v, want %+v", got, cfg)
	}
	for lang, want := range map[string]string{"ru": "Новая", "en": "New"} {
		if got.Texts[lang]["stage.new"] != want || got.Texts[lang]["decision.resolution.replace"] == "" || got.Texts[lang]["desired.refund"] == "" {
			t.Errorf("%s texts lack the stage, resolution or desired result names: %v", lang, got.Texts[lang])
		}
	}
	for _, ref := range []string{`src="cabinet/app.js"`, `href="cabinet/app.css"`} {
		if !strings.Contains(string(page), ref) {
			t.Errorf("the page does not load %s", ref)
		}
	}
	if strings.Contains(regexp.MustCompile(`(?s)<script[^>]*id="config".*?</script>`).ReplaceAllString(string(page), ""), "<script>") {
		t.Error("the page has an inline script (the CSP refuses it)")
	}
}

// TestCabinetStaysSmall: the page, script and stylesheet stay within the
// issue's 150 KB, uncompressed, and the server serves exactly the assets
// the page loads.
func TestCabinetStaysSmall(t *testing.T) {
	page, err := cabinet.Shell(good)
	if err != nil {
		t.Fatal(err)
	}
	total := len(page)
	for name := range cabinet.Assets {
		b, ct, ok := cabinet.Asset(name)
		if !ok || len(b) == 0 || ct == "" {
			t.Fatalf("asset %s: %v %q", name, ok, ct)
		}
		total += len(b)
	}
	t.Logf("page, script and stylesheet: %d bytes", total)
	if total > 150<<10 {
		t.Errorf("the cabinet is %d bytes, over 150 KB", total)
	}
	if _, _, ok := cabinet.Asset("index.html"); ok {
		t.Error("the shell's template is served as an asset")
	}
	if _, _, ok := cabinet.Asset("../cabinet.go"); ok {
		t.Error("a path outside the assets is served")
	}
}

func TestConfigCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  cabinet.Config
		ok   bool
	}{
		{"AWS", good, true},
		{"local", cabinet.Config{SignInURL: "http://127.0.0.1:4566/_cognito/claims-123", ClientID: "x"}, true},
		{"with an API base", cabinet.Config{SignInURL: good.SignInURL, ClientID: "x", APIBase: "https://api.example.com"}, true},
		{"relative sign-in", cabinet.Config{SignInURL: "/oauth2", ClientID: "x"}, false},
		{"javascript sign-in", cabinet.Config{SignInURL: "javascript:alert(1)", ClientID: "x"}, false},
		{"no client", cabinet.Config{SignInURL: good.SignInURL}, false},
		{"relative API base", cabinet.Config{SignInURL: good.SignInURL, ClientID: "x", APIBase: "v1"}, false},
	} {
		if err := tc.cfg.Check(); (err == nil) != tc.ok {
			t.Errorf("%s: Check() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// TestCSP: the page may load only its own files, and connect only to its
// site, the sign-in domain and the bucket.
func TestCSP(t *testing.T) {
	got := cabinet.CSP(good, "http://127.0.0.1:4566")
	want := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http://127.0.0.1:4566; " +
		"connect-src 'self' https://claims-1.auth.eu-central-1.amazoncognito.com http://127.0.0.1:4566; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSP mismatch (-want +got):\n%s", diff)
	}
	local := cabinet.Config{SignInURL: "http://127.0.0.1:4566/_cognito/claims-1", ClientID: "x"}
	if got := cabinet.CSP(local, "http://127.0.0.1:4566"); strings.Count(got, "http://127.0.0.1:4566") != 2 {
		t.Errorf("one origin for sign-in and bucket is listed once per directive: %s", got)
	}
}

var (
	textBlock = regexp.MustCompile(`(?s)\n(ru|en): \{\n(.*?)\n\}`)
	textKey   = regexp.MustCompile(`'([a-zA-Z0-9.]+)': '`)
	textUse   = regexp.MustCompile(`\bt\('([a-zA-Z0-9.]+)'[,)]`)
)

// TestTextsInBothLanguages: the script's Russian and English texts have
// the same keys, and every text the script names exists.
func TestTextsInBothLanguages(t *testing.T) {
	src, err := fs.ReadFile(cabinet.Files(), "assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for _, m := range textBlock.FindAllStringSubmatch(string(src), -1) {
		for _, k := range textKey.FindAllStringSubmatch(m[2], -1) {
			keys[m[1]] = append(keys[m[1]], k[1])
		}
	}
	slices.Sort(keys["ru"])
	slices.Sort(keys["en"])
	if len(keys["ru"]) < 100 {
		t.Fatalf("found %d Russian texts: is the dictionary still written as the test reads it?", len(keys["ru"]))
	}
	if diff := cmp.Diff(keys["ru"], keys["en"]); diff != "" {
		t.Errorf("the Russian (-) and English (+) texts differ:\n%s", diff)
	}
	// Texts the script builds from a value: an order's kind.
	for _, k := range []orders.Kind{orders.Source, orders.Rework, orders.Additional} {
		if !slices.Contains(keys["ru"], "kind."+string(k)) {
			t.Errorf("no text for the order kind %q", k)
		}
	}
	for _, m := range textUse.FindAllStringSubmatch(string(src), -1) {
		if !slices.Contains(keys["ru"], m[1]) {
			t.Errorf("the script uses the text %q, which neither language has", m[1])
		}
	}
}
