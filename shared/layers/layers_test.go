package layers

import (
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const module = "github.com/claimsdesk/backend"

// What a function may do without: the rendering libraries and the AWS
// services only some functions use.
const (
	gopdf    = "github.com/signintech/gopdf"
	goqrcode = "github.com/skip2/go-qrcode"
	s3SDK    = "github.com/aws/aws-sdk-go-v2/service/s3"
	sqsSDK   = "github.com/aws/aws-sdk-go-v2/service/sqs"
	sesSDK   = "github.com/aws/aws-sdk-go-v2/service/sesv2"
	snsSDK   = "github.com/aws/aws-sdk-go-v2/service/sns"
	// The knowledge base's Markdown renderer and sanitizer: only the
	// function that writes articles renders them.
	goldmark   = "github.com/yuin/goldmark"
	bluemonday = "github.com/microcosm-cc/bluemonday"
)

// rules are the module's: each function links only what it uses. One
// rendering package (pdfdoc, with go-qrcode for the claim sheet's QR code)
// draws every PDF: the admin function's label sheets, the public site's
// sample documents, the notifier's claim documents and the claims API's
// TORG-2 act; the claim-facing functions and the notifier keep files (S3);
// the notifier alone sends mail (SES); the functions that change claims
// (the public site, the claims API, the SLA check) and the relay publish
// events to the topic (SNS) and send nothing to a queue; the notifier
// reads its queue and the admin function its dead letters (SQS), neither
// publishes; the relay and the SLA check touch neither files nor PDF; the
// seed writes the table only; the report functions draw files and keep
// the mails' (the notifier sends them).
var rules = Rules{
	Module: module,
	Forbidden: map[string][]string{
		"functions/relay":    {gopdf, goqrcode, s3SDK, sesSDK, sqsSDK},
		"functions/sla":      {gopdf, goqrcode, s3SDK, sesSDK, sqsSDK},
		"functions/seed":     {gopdf, goqrcode, s3SDK, sqsSDK, sesSDK, snsSDK},
		"functions/claims":   {sesSDK, sqsSDK, goldmark, bluemonday},
		"functions/public":   {sesSDK, sqsSDK, goldmark, bluemonday},
		"functions/admin":    {s3SDK, sesSDK, snsSDK},
		"functions/notifier": {snsSDK},
		// Reports read the aggregates and draw files; the report
		// subscriptions' "send now" keeps its files and publishes its event;
		// the background exports are queued (and their links signed): no
		// mail.
		"functions/reports": {sesSDK},
		// The report mails: files kept and events published, no mail sent
		// (the notifier's), no queue.
		"functions/reportmail": {sesSDK, sqsSDK},
		// The exports write files from the registry (reportfile links the
		// PDF and QR libraries): no mail, no events.
		"functions/exports": {sesSDK, snsSDK},
		// The analytics count the claims and publish the surge alerts'
		// events: no files, no mail.
		"functions/analytics": {gopdf, goqrcode, s3SDK, sesSDK},
		// The knowledge base: articles and their files, the search index
		// in the bucket; no PDF, no mail, no queue, no event.
		"functions/knowledge": {gopdf, goqrcode, sesSDK, sqsSDK, snsSDK},
	},
}

// modulePackages lists the module's packages with go list.
func modulePackages(t *testing.T) []Package {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-json=ImportPath,Name,Dir,GoFiles,TestGoFiles,XTestGoFiles,Imports,TestImports,XTestImports,Deps", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []Package
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath, Name, Dir                    string
			GoFiles, TestGoFiles, XTestGoFiles       []string
			Imports, TestImports, XTestImports, Deps []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		files := p.GoFiles
		if len(files) == 0 {
			// A package of tests only (conformance, benchmarks).
			files = append(p.TestGoFiles, p.XTestGoFiles...)
		}
		pkgs = append(pkgs, Package{Path: rel, Doc: packageDoc(t, p.Dir, files), Imports: p.Imports,
			TestImports: append(p.TestImports, p.XTestImports...), Deps: p.Deps, Command: p.Name == "main"})
	}
	if len(pkgs) < 30 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// packageDoc returns the package comment of a package's files (go list's
// Doc is only its first sentence).
func packageDoc(t *testing.T, dir string, files []string) string {
	t.Helper()
	var docs []string
	for _, f := range files {
		file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, f), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if file.Doc != nil {
			docs = append(docs, file.Doc.Text())
		}
	}
	return strings.Join(docs, "\n")
}

// TestModuleFollowsItsLayers checks every package of the module against
// the layer its comment declares.
func TestModuleFollowsItsLayers(t *testing.T) {
	for _, v := range Check(rules, modulePackages(t)) {
		t.Error(v)
	}
}

// exampleRules forbid the relay function the PDF library.
var exampleRules = Rules{Module: module, Forbidden: map[string][]string{"functions/relay": {"github.com/signintech/gopdf"}}}

// TestCheckCatchesEachViolation shows the checker failing on each kind of
// violation the rules name (and passing the same graph without it).
func TestCheckCatchesEachViolation(t *testing.T) {
	doc := func(l string) string { return "Package x does things.\n\nLayer: " + l + ".\n" }
	base := []Package{
		{Path: "shared/apperr", Doc: doc("leaf")},
		{Path: "shared/events", Doc: doc("leaf"), Imports: []string{"time"}},
		{Path: "shared/claims", Doc: doc("domain"), Imports: []string{module + "/shared/apperr", "strings"}},
		{Path: "shared/casework", Doc: doc("domain, producer"), Imports: []string{module + "/shared/claims", module + "/shared/events"}},
		{Path: "shared/notify", Doc: doc("domain, consumer"), Imports: []string{module + "/shared/events", module + "/shared/claims"}},
		{Path: "shared/dynamo", Doc: doc("adapter"), Imports: []string{module + "/shared/claims", "github.com/aws/aws-sdk-go-v2/service/dynamodb"}},
		{Path: "shared/apigw", Doc: doc("edge"), Imports: []string{"github.com/aws/aws-lambda-go/events"}},
		{Path: "shared/httpapi", Doc: doc("edge"), Imports: []string{module + "/shared/apigw", module + "/shared/casework"}},
		{Path: "shared/chattest", Doc: doc("testing"), Imports: []string{module + "/shared/casework"}},
		{Path: "shared/app", Doc: doc("wiring"), Imports: []string{module + "/shared/dynamo", module + "/shared/httpapi"}},
		{Path: "functions/relay", Doc: doc("wiring"), Command: true, Imports: []string{module + "/shared/app"},
			Deps: []string{module + "/shared/app", "github.com/aws/aws-lambda-go/lambda"}},
		{Path: "infra/local/stack", Doc: doc("local"), Imports: []string{"net/http"}, TestImports: []string{"testing"}},
	}
	if got := Check(exampleRules, base); len(got) != 0 {
		t.Fatalf("a clean graph has violations: %v", got)
	}
	tests := []struct {
		name   string
		change func(pkgs []Package) []Package
		want   string
	}{
		{"domain imports the AWS SDK", addImport("shared/claims", "github.com/aws/aws-sdk-go-v2/service/s3"),
			"shared/claims imports github.com/aws/aws-sdk-go-v2/service/s3: domain packages do not use the AWS SDK: an adapter does"},
		{"domain imports aws-lambda-go", addImport("shared/claims", "github.com/aws/aws-lambda-go/events"),
			"shared/claims imports github.com/aws/aws-lambda-go/events: domain packages do not use aws-lambda-go: its event types stay at the edge"},
		{"domain imports storage", addImport("shared/casework", module+"/shared/dynamo"),
			"shared/casework imports shared/dynamo: domain packages import only leaves and domain packages, never adapter packages"},
		{"domain imports the edge", addImport("shared/claims", module+"/shared/apigw"),
			"shared/claims imports shared/apigw: domain packages import only leaves and domain packages, never edge packages"},
		{"a consumer imports a producer", addImport("shared/notify", module+"/shared/casework"),
			"shared/notify imports shared/casework: a consumer of events does not import their producer: both use the events package"},
		{"the edge imports storage", addImport("shared/httpapi", module+"/shared/dynamo"),
			"shared/httpapi imports shared/dynamo: the edge imports leaves and domain packages (it gets adapters as interfaces), never adapter packages"},
		{"the edge imports the AWS SDK", addImport("shared/httpapi", "github.com/aws/aws-sdk-go-v2/service/sqs"),
			"shared/httpapi imports github.com/aws/aws-sdk-go-v2/service/sqs: edge packages do not use the AWS SDK: an adapter does"},
		{"a leaf imports the domain", addImport("shared/events", module+"/shared/claims"),
			"shared/events imports shared/claims: a leaf imports only leaves"},
		{"the local stack imports the application", addImport("infra/local/stack", module+"/shared/claims"),
			"infra/local/stack imports shared/claims: the local stack knows nothing of the application: it runs it from its template"},
		{"the local stack's tests import the application", func(ps []Package) []Package {
			return update(ps, "infra/local/stack", func(p *Package) { p.TestImports = append(p.TestImports, module+"/shared/httpapi") })
		}, "infra/local/stack imports shared/httpapi: the local stack knows nothing of the application: it runs it from its template"},
		{"production code imports test support", addImport("shared/httpapi", module+"/shared/chattest"),
			"shared/httpapi imports shared/chattest: test support is for tests only"},
		{"a function links a library it does not use", func(ps []Package) []Package {
			return update(ps, "functions/relay", func(p *Package) { p.Deps = append(p.Deps, "github.com/signintech/gopdf") })
		}, "functions/relay imports github.com/signintech/gopdf: this function does not use it, so it must not link it"},
		{"a package without a layer", func(ps []Package) []Package {
			return update(ps, "shared/claims", func(p *Package) { p.Doc = "Package claims is the claim." })
		}, "shared/claims: the package comment must have one line \"Layer: <layer>.\" (found 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs := tt.change(clonePkgs(base))
			var got []string
			for _, v := range Check(exampleRules, pkgs) {
				got = append(got, v.String())
			}
			if diff := cmp.Diff([]string{tt.want}, got); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func clonePkgs(ps []Package) []Package {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Imports = slices.Clone(out[i].Imports)
		out[i].TestImports = slices.Clone(out[i].TestImports)
		out[i].Deps = slices.Clone(out[i].Deps)
	}
	return out
}

func update(ps []Package, path string, f func(*Package)) []Package {
	for i := range ps {
		if ps[i].Path == path {
			f(&ps[i])
		}
	}
	return ps
}

func addImport(path, imp string) func([]Package) []Package {
	return func(ps []Package) []Package {
		return update(ps, path, func(p *Package) { p.Imports = append(p.Imports, imp) })
	}
}

func TestParse(t *testing.T) {
	for doc, want := range map[string]Declared{
		"Package a.\n\nLayer: domain, consumer.\n": {Layer: Domain, Consumer: true},
		"Package a.\n\nLayer: adapter.":            {Layer: Adapter},
	} {
		got, err := Parse(doc)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", doc, got, err, want)
		}
	}
	for _, doc := range []string{"Package a.", "Layer: domain.\nLayer: leaf.", "Layer: storage.", "Layer: adapter, consumer.", "Layer: domain, reader."} {
		if _, err := Parse(doc); err == nil {
			t.Errorf("Parse(%q) accepted it", doc)
		}
	}
}
