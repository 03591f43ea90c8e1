// Package layers states the module's import rules and checks them: every
// package says its layer in its package comment, on a line of its own
//
//	Layer: domain.
//
// and Check compares what each package imports with what its layer allows.
// The layers, from the inside out:
//
//   - leaf: the vocabulary every layer shares (errors, events, keys, text
//     rules); imports no other package of the module but leaves.
//   - domain: the model and the rules (claims, workflow, SLA, ...); imports
//     leaves and domain packages, and no AWS SDK, no aws-lambda-go, no
//     adapter, edge or wiring package. A domain package that reacts to
//     events (a consumer: the notifier's rules, analytics) imports no
//     package that produces them (a producer: intake, casework, ...): both
//     share the events package instead.
//   - adapter: one package per AWS dependency (DynamoDB, S3, SQS, SES, the
//     SDK configuration); imports leaves, domain packages and the AWS SDK,
//     never an edge or wiring package.
//   - edge: the transports (the HTTP API's payload, its handlers, the public
//     pages); imports leaves and domain packages and aws-lambda-go's event
//     types, never the AWS SDK or an adapter.
//   - wiring: the composition roots (each function's main and its wiring);
//     imports anything of the application.
//   - testing: test support (fakes, stack helpers); only tests import it.
//   - local: the local stack and its test helpers; neither it nor its tests
//     import a package of the application, which it runs only from its
//     template.
//
// Check also keeps each function's binary to what it uses: the functions that
// render no PDF and no QR code link neither library.
//
// It imports only the standard library.
//
// Layer: leaf.
package layers

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Layer is a package's place in the module.
type Layer string

// The layers.
const (
	Leaf    Layer = "leaf"
	Domain  Layer = "domain"
	Adapter Layer = "adapter"
	Edge    Layer = "edge"
	Wiring  Layer = "wiring"
	Testing Layer = "testing"
	Local   Layer = "local"
)

// Package is what Check needs of a package (go list's view).
type Package struct {
	// Path is the import path relative to the module ("shared/claims").
	Path string
	// Doc is the package comment.
	Doc string
	// Imports are the non-test imports, full paths.
	Imports []string
	// TestImports are the imports of the package's tests (in-package and
	// external); only the local stack's are checked: its tests run an
	// application of their own.
	TestImports []string
	// Deps are every package the package links (go list -deps), full
	// paths; only read for commands.
	Deps []string
	// Command marks a main package.
	Command bool
}

// Declared is a package's layer as its comment states it, with its roles.
type Declared struct {
	Layer Layer
	// Consumer and Producer mark domain packages that react to events and
	// that emit them.
	Consumer, Producer bool
}

var layerLine = regexp.MustCompile(`(?m)^Layer: ([a-z]+)((?:, [a-z]+)*)\.`)

// Parse reads the "Layer: ..." line of a package comment.
func Parse(doc string) (Declared, error) {
	m := layerLine.FindAllStringSubmatch(doc, -1)
	if len(m) != 1 {
		return Declared{}, fmt.Errorf("the package comment must have one line \"Layer: <layer>.\" (found %d)", len(m))
	}
	d := Declared{Layer: Layer(m[0][1])}
	if !slices.Contains([]Layer{Leaf, Domain, Adapter, Edge, Wiring, Testing, Local}, d.Layer) {
		return Declared{}, fmt.Errorf("unknown layer %q", d.Layer)
	}
	for _, role := range strings.Split(strings.TrimPrefix(m[0][2], ", "), ", ") {
		switch role {
		case "":
		case "consumer":
			d.Consumer = true
		case "producer":
			d.Producer = true
		default:
			return Declared{}, fmt.Errorf("unknown role %q", role)
		}
	}
	if (d.Consumer || d.Producer) && d.Layer != Domain {
		return Declared{}, fmt.Errorf("only domain packages are consumers or producers")
	}
	return d, nil
}

// Rules are the module's particulars.
type Rules struct {
	// Module is the module path ("github.com/claimsdesk/backend").
	Module string
	// Forbidden lists, per command, the packages (path prefixes) its binary
	// must not link.
	Forbidden map[string][]string
}

// Violation is one broken rule.
type Violation struct {
	Package, Import, Rule string
}

func (v Violation) String() string {
	if v.Import == "" {
		return v.Package + ": " + v.Rule
	}
	return v.Package + " imports " + v.Import + ": " + v.Rule
}

// Third-party packages the layers care about.
var (
	awsSDK    = []string{"github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go"}
	lambdaLib = []string{"github.com/aws/aws-lambda-go"}
)

func hasPrefix(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Check returns every violation of the rules among pkgs, sorted.
func Check(r Rules, pkgs []Package) []Violation {
	var out []Violation
	declared := map[string]Declared{}
	for _, p := range pkgs {
		d, err := Parse(p.Doc)
		if err != nil {
			out = append(out, Violation{Package: p.Path, Rule: err.Error()})
			continue
		}
		declared[p.Path] = d
	}
	for _, p := range pkgs {
		d, ok := declared[p.Path]
		if !ok {
			continue
		}
		imports := p.Imports
		if d.Layer == Local {
			imports = append(slices.Clone(imports), p.TestImports...)
		}
		for _, imp := range imports {
			rel, inModule := strings.CutPrefix(imp, r.Module+"/")
			if rel == p.Path {
				continue // an external test package importing its own package
			}
			if !inModule {
				if rule := thirdParty(d.Layer, imp); rule != "" {
					out = append(out, Violation{p.Path, imp, rule})
				}
				continue
			}
			to, ok := declared[rel]
			if !ok {
				continue // reported as undeclared itself
			}
			if rule := allowed(d, to); rule != "" {
				out = append(out, Violation{p.Path, rel, rule})
			}
		}
		if p.Command {
			for _, dep := range p.Deps {
				if hasPrefix(dep, r.Forbidden[p.Path]) {
					out = append(out, Violation{p.Path, dep, "this function does not use it, so it must not link it"})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// thirdParty says why a layer may not import an outside package ("" when
// it may).
func thirdParty(l Layer, imp string) string {
	switch l {
	case Leaf, Domain, Edge:
		if hasPrefix(imp, awsSDK) {
			return string(l) + " packages do not use the AWS SDK: an adapter does"
		}
	}
	switch l {
	case Leaf, Domain:
		if hasPrefix(imp, lambdaLib) {
			return string(l) + " packages do not use aws-lambda-go: its event types stay at the edge"
		}
	}
	return ""
}

// allowed says why a package of one layer may not import one of another
// ("" when it may).
func allowed(from, to Declared) string {
	if to.Layer == Testing && from.Layer != Testing {
		return "test support is for tests only"
	}
	switch from.Layer {
	case Leaf:
		if to.Layer != Leaf {
			return "a leaf imports only leaves"
		}
	case Domain:
		if to.Layer != Leaf && to.Layer != Domain {
			return "domain packages import only leaves and domain packages, never " + string(to.Layer) + " packages"
		}
		if from.Consumer && to.Producer {
			return "a consumer of events does not import their producer: both use the events package"
		}
	case Adapter:
		if to.Layer != Leaf && to.Layer != Domain && to.Layer != Adapter {
			return "adapters import leaves, domain packages and other adapters, never " + string(to.Layer) + " packages"
		}
	case Edge:
		if to.Layer != Leaf && to.Layer != Domain && to.Layer != Edge {
			return "the edge imports leaves and domain packages (it gets adapters as interfaces), never " + string(to.Layer) + " packages"
		}
	case Wiring:
		if to.Layer == Local {
			return "the application does not import the local stack"
		}
	case Local:
		if to.Layer != Local {
			return "the local stack knows nothing of the application: it runs it from its template"
		}
	case Testing:
	}
	return ""
}
