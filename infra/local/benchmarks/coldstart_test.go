package benchmarks

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimsdesk/backend/infra/local/build"
	"github.com/claimsdesk/backend/infra/local/runtime"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

// coldStartTarget is how much longer than a hello-world bootstrap's a
// function's cold start may be.
const coldStartTarget = 1.5

// coldHello is the hello-world bootstrap every function is compared with:
// aws-lambda-go and one trivial handler.
const coldHello = `package main

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() { lambda.Start(handle) }

func handle(ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello " + ev.PathParameters["name"]}, nil
}
`

// coldSubject is one bootstrap measured.
type coldSubject struct {
	name   string
	binary string   // built for the host, as the local stack runs it
	env    []string // the function's environment, as the stack gives it
	size   int64    // bytes, built as for Lambda (linux/arm64)
	starts []time.Duration
}

// app is the root of the SAM application whose functions BenchmarkColdStart
// measures: the sample application unless it names another (`make bench`
// names the repository's).
var app = flag.String("app", "", "root of the SAM application whose cold starts to measure (default: the sample application)")

// BenchmarkColdStart measures, per bootstrap, the time from exec to the
// first GET /runtime/invocation/next (Lambda's Init Duration) for each
// function of the application's template.yaml (-app), with the environment
// the template gives it,
// and for a hello-world aws-lambda-go bootstrap built in the same run; each
// b.N iteration starts every bootstrap once, in turn, so that a busy moment
// of the machine falls on all of them. Next to each it prints the size of
// the binary as deployed: built by the application's Makefile
// build-<Function> recipe when it has one (what `sam build` runs:
// linux/arm64, CGO off, -trimpath, -tags lambda.norpc, stripped), the
// hello-world with the same flags.
func BenchmarkColdStart(b *testing.B) {
	root := *app
	if root == "" {
		root = st.SampleApp(b)
	}
	helloRoot := st.FixtureProject(b, map[string]string{"functions/hello/main.go": coldHello})
	out := b.TempDir()
	ctx := context.Background()
	target := []build.Target{{LogicalID: "HelloWorld", Package: "functions/hello"}}
	hello, err := (&build.Builder{Root: helloRoot, OutDir: filepath.Join(out, "host")}).Build(ctx, target)
	if err != nil {
		b.Fatal(err)
	}
	helloLambda, err := (&build.Builder{Root: helloRoot, OutDir: filepath.Join(out, "lambda"), GOOS: "linux", GOARCH: "arm64"}).Build(ctx, target)
	if err != nil {
		b.Fatal(err)
	}
	s := st.Start(b, st.WithRoot(root), st.WithConfig(func(c *stack.Config) { c.NoAPI, c.NoEventSources = true, true }))
	subjects := []*coldSubject{{name: "hello-world (aws-lambda-go)", binary: hello["HelloWorld"], env: []string{"PATH=" + os.Getenv("PATH")},
		size: fileSize(b, helloLambda["HelloWorld"])}}
	for _, fn := range s.Model.Functions {
		cfg := s.Pool(fn.LogicalID).Config()
		subjects = append(subjects, &coldSubject{name: fn.LogicalID, binary: cfg.Binary, env: cfg.Env, size: lambdaSize(b, root, fn.LogicalID)})
	}
	b.ResetTimer()
	for range b.N {
		for _, sub := range subjects {
			p, err := runtime.New(runtime.Config{LogicalID: "Bench", Binary: sub.binary, Env: sub.env, Timeout: 5 * time.Second, Concurrency: 1, TempDir: b.TempDir(), SystemLogLevel: "WARN"})
			if err != nil {
				b.Fatal(err)
			}
			// An event the function rejects quickly is enough: only init is measured.
			res, err := p.Invoke(ctx, []byte(`{"Records":[]}`))
			p.Close()
			if err != nil {
				b.Fatal(err)
			}
			if res.InitDuration == 0 {
				b.Fatalf("%s: no cold start recorded", sub.name)
			}
			sub.starts = append(sub.starts, res.InitDuration)
		}
	}
	b.StopTimer()
	base := quantile(subjects[0].starts, .5)
	worst := 0.0
	var lines []string
	for _, sub := range subjects {
		med := quantile(sub.starts, .5)
		ratio := float64(med) / float64(base)
		worst = max(worst, ratio)
		mark := ""
		if ratio > coldStartTarget {
			mark = "   over the target"
		}
		size := "      -           "
		if sub.size > 0 {
			size = fmt.Sprintf("%7.1f MB  %5.2fx", float64(sub.size)/1e6, float64(sub.size)/float64(subjects[0].size))
		}
		lines = append(lines, fmt.Sprintf("  %-28s %s   median %6.2f ms   p90 %6.2f ms   %.2fx hello-world%s", sub.name,
			size, ms(med), ms(quantile(sub.starts, .9)), ratio, mark))
	}
	b.ReportMetric(ms(base), "hello-init-ms")
	b.ReportMetric(worst, "worst-ratio")
	if b.N >= 5 {
		fmt.Printf("\nCold start, exec to first /next (%d starts each; target: within %.1fx of hello-world), and binary size as built for Lambda (make build-<Function>: linux/arm64)\n", b.N, coldStartTarget)
		fmt.Printf("  %-28s %10s  %5s   %s\n%s\n\n", "bootstrap", "size", "", "cold start", strings.Join(lines, "\n"))
	}
}

// lambdaSize builds a function with the Makefile's recipe, as `sam build`
// does (make build-<LogicalID> with ARTIFACTS_DIR set), and returns the
// size of its bootstrap (0 when the application has no Makefile).
func lambdaSize(b *testing.B, root, logicalID string) int64 {
	b.Helper()
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		return 0
	}
	dir := filepath.Join(b.TempDir(), logicalID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "build-"+logicalID, "ARTIFACTS_DIR="+dir)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("make build-%s: %v\n%s", logicalID, err, out.String())
	}
	return fileSize(b, filepath.Join(dir, "bootstrap"))
}

func fileSize(b *testing.B, path string) int64 {
	b.Helper()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

// quantile returns the q-quantile of samples (nearest rank below).
func quantile(samples []time.Duration, q float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*q)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
