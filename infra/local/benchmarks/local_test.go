// Package benchmarks holds the figures `make bench` prints for the local
// stack itself: what the gateway and the runtime add to a request, and how
// long each function's bootstrap takes to start compared with a hello-world
// aws-lambda-go bootstrap built in the same run (the functions of the
// sample application, or of the project -app names).
//
// Layer: local.
package benchmarks

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/claimsdesk/backend/infra/local/build"
	"github.com/claimsdesk/backend/infra/local/runtime"
	"github.com/claimsdesk/backend/infra/local/stack"
	st "github.com/claimsdesk/backend/infra/local/stacktest"
)

const trivialTemplate = `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: provided.al2023, Handler: bootstrap, Timeout: 3, MemorySize: 128}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  HelloFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: go1.x}
    Properties:
      CodeUri: functions/hello
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: "/hello/{name}", Method: GET}}
`

// trivialHandler is the function body both paths run: behind the gateway (in
// its bootstrap) and called directly.
const trivialHandler = `func handle(ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"content-type": "text/plain"}, Body: "hello " + ev.PathParameters["name"]}, nil
}`

func handle(ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"content-type": "text/plain"}, Body: "hello " + ev.PathParameters["name"]}, nil
}

const helloMain = `package main

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() { lambda.Start(handle) }

` + trivialHandler + "\n"

func percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	idx := int(float64(len(s)-1) * p)
	return s[idx]
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

// BenchmarkGatewayRuntimeOverhead measures a GET through the local HTTP API
// (routing, event mapping, Runtime API round trip, response mapping) against
// calling the same handler directly; the difference is the local stack's
// overhead per request.
func BenchmarkGatewayRuntimeOverhead(b *testing.B) {
	root := st.FixtureProject(b, map[string]string{"template.yaml": trivialTemplate, "functions/hello/main.go": helloMain})
	s := st.Start(b, st.WithRoot(root))
	url := s.APIURL + "/hello/world"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func() {
		res, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != "hello world" {
			b.Fatalf("GET = %d %s", res.StatusCode, body)
		}
	}
	for range 200 { // warm: process started, connections open
		get()
	}
	ev := events.APIGatewayV2HTTPRequest{PathParameters: map[string]string{"name": "world"}}
	through := make([]time.Duration, 0, b.N)
	direct := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		get()
		through = append(through, time.Since(t0))
		t1 := time.Now()
		res, _ := handle(ev)
		direct = append(direct, time.Since(t1))
		if res.StatusCode != 200 {
			b.Fatal("direct call failed")
		}
	}
	b.StopTimer()
	gwP50, gwP99 := percentile(through, .50), percentile(through, .99)
	dP50, dP99 := percentile(direct, .50), percentile(direct, .99)
	b.ReportMetric(us(gwP50), "gw-p50-µs")
	b.ReportMetric(us(gwP99), "gw-p99-µs")
	b.ReportMetric(us(gwP50-dP50), "overhead-p50-µs")
	b.ReportMetric(us(gwP99-dP99), "overhead-p99-µs")
	if b.N >= 100 {
		fmt.Printf("\nGateway + runtime overhead per request (%d requests, trivial function)\n", b.N)
		fmt.Printf("  through local HTTP API   p50 %8.1f µs   p99 %8.1f µs\n", us(gwP50), us(gwP99))
		fmt.Printf("  handler called directly  p50 %8.1f µs   p99 %8.1f µs\n", us(dP50), us(dP99))
		fmt.Printf("  overhead                 p50 %8.1f µs   p99 %8.1f µs   (target: p50 under 1000 µs)\n\n", us(gwP50-dP50), us(gwP99-dP99))
	}
}

// app is the root of the SAM application whose functions BenchmarkColdStart
// measures: the sample application unless it names another (`make bench`
// names the repository's).
var app = flag.String("app", "", "root of the SAM application whose cold starts to measure (default: the sample application)")

// BenchmarkColdStart measures, per bootstrap, the time from exec to the first
// GET /runtime/invocation/next (Lambda's Init Duration) for the functions of
// an application (-app) and for a hello-world aws-lambda-go bootstrap built
// in the same run. Each b.N iteration starts every bootstrap once.
func BenchmarkColdStart(b *testing.B) {
	helloRoot := st.FixtureProject(b, map[string]string{"functions/hello/main.go": helloMain})
	out := b.TempDir()
	hello, err := (&build.Builder{Root: helloRoot, OutDir: filepath.Join(out, "hello")}).Build(context.Background(), []build.Target{{LogicalID: "HelloWorld", Package: "functions/hello"}})
	if err != nil {
		b.Fatal(err)
	}
	root := *app
	if root == "" {
		root = st.SampleApp(b)
	}
	s := st.Start(b, st.WithRoot(root), st.WithConfig(func(c *stack.Config) { c.NoAPI, c.NoEventSources = true, true }))
	type subject struct {
		name, binary string
		env          []string
	}
	subjects := []subject{{name: "hello-world (aws-lambda-go)", binary: hello["HelloWorld"], env: []string{"PATH=" + os.Getenv("PATH")}}}
	for _, fn := range s.Model.Functions {
		cfg := s.Pool(fn.LogicalID).Config()
		subjects = append(subjects, subject{name: fn.LogicalID, binary: cfg.Binary, env: cfg.Env})
	}
	samples := map[string][]time.Duration{}
	b.ResetTimer()
	for range b.N {
		for _, sub := range subjects {
			p, err := runtime.New(runtime.Config{LogicalID: "Bench", Binary: sub.binary, Env: sub.env, Timeout: 5 * time.Second, Concurrency: 1, TempDir: b.TempDir(), SystemLogLevel: "WARN"})
			if err != nil {
				b.Fatal(err)
			}
			// An event the function rejects quickly is enough: only init is measured.
			res, err := p.Invoke(context.Background(), []byte(`{"Records":[]}`))
			p.Close()
			if err != nil {
				b.Fatal(err)
			}
			if res.InitDuration == 0 {
				b.Fatalf("%s: no cold start recorded", sub.name)
			}
			samples[sub.name] = append(samples[sub.name], res.InitDuration)
		}
	}
	b.StopTimer()
	base := percentile(samples[subjects[0].name], .5)
	var lines []string
	worst := 0.0
	for _, sub := range subjects {
		med := percentile(samples[sub.name], .5)
		ratio := float64(med) / float64(base)
		worst = max(worst, ratio)
		lines = append(lines, fmt.Sprintf("  %-30s median %7.2f ms   p90 %7.2f ms   %.2fx hello-world", sub.name,
			float64(med.Microseconds())/1000, float64(percentile(samples[sub.name], .9).Microseconds())/1000, ratio))
	}
	b.ReportMetric(float64(base.Microseconds())/1000, "hello-init-ms")
	b.ReportMetric(worst, "worst-ratio")
	if b.N >= 5 {
		fmt.Printf("\nCold start, exec to first /next (%d starts each; target: within 2x of hello-world)\n%s\n\n", b.N, strings.Join(lines, "\n"))
	}
}
