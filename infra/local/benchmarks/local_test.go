// Package benchmarks holds the figures `make bench` prints for the local
// stack itself: what the gateway and the runtime add to a request, and, for
// each function of an application (the local stack's sample application,
// or the project -app names), how long its bootstrap takes to start and how
// big it is as built for Lambda, next to a hello-world aws-lambda-go
// bootstrap built in the same run.
//
// Layer: local.
package benchmarks

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

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
    Metadata: {BuildMethod: makefile}
    Properties:
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
