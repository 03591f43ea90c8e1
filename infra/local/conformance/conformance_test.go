// Package conformance checks that the embedded AWS services answer the
// operations the project uses the way AWS does, by running one scenario per
// service through the real AWS SDK against the embedded endpoint and, when
// CONFORMANCE_MOTO=1 (CI, `make conformance`), against moto_server too. Both
// transcripts must equal testdata/transcript.golden, so the two backends give
// the same results. Regenerate the golden file with -update after a deliberate
// change, and review the diff.
//
// Layer: local.
package conformance

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/claimsdesk/backend/infra/local/stack"
)

var update = flag.Bool("update", false, "rewrite testdata/transcript.golden from the embedded services")

const (
	region  = "eu-central-1"
	account = "123456789012"
)

// clients are SDK clients for one backend.
type clients struct {
	endpoint string
	ddb      *dynamodb.Client
	s3       *s3.Client
	sqs      *sqs.Client
	ses      *sesv2.Client
	http     *http.Client
}

func newClients(endpoint string) *clients {
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(stack.LocalAccessKey, stack.LocalSecretKey, ""),
	}
	return &clients{
		endpoint: endpoint,
		ddb:      dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
			// What config.LoadDefaultConfig gives the app's clients.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
		}),
		sqs:  sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		ses:  sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		http: &http.Client{Timeout: 10 * time.Second},
	}
}

// transcript collects one line per observed step.
type transcript struct {
	lines []string
	ops   map[string]bool
}

func (tr *transcript) add(service, op, label string, v any, err error) {
	if tr.ops == nil {
		tr.ops = map[string]bool{}
	}
	tr.ops[service+"."+op] = true
	name := service + " " + op
	if label != "" {
		name += " (" + label + ")"
	}
	tr.lines = append(tr.lines, name+": "+observe(v, err))
}

// observe renders a result: "error <Code>" or "ok <value>".
func observe(v any, err error) string {
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return "error " + apiErr.ErrorCode()
		}
		return "error (no API error) " + err.Error()
	}
	if v == nil {
		return "ok"
	}
	return "ok " + canonical(v)
}

func canonical(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + x[k]
		}
		return "{" + strings.Join(parts, " ") + "}"
	}
	return fmt.Sprint(v)
}

func run(t *testing.T, c *clients) *transcript {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tr := &transcript{}
	dynamoScenario(ctx, t, c, tr)
	s3Scenario(ctx, t, c, tr)
	sqsScenario(ctx, t, c, tr)
	sesScenario(ctx, t, c, tr)
	return tr
}

const golden = "testdata/transcript.golden"

func compareGolden(t *testing.T, backend string, tr *transcript) {
	t.Helper()
	got := strings.Join(tr.lines, "\n") + "\n"
	if *update && backend == "embedded" {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("%s transcript mismatch (-golden +%s):\n%s", backend, backend, diff)
	}
}

func TestConformanceEmbedded(t *testing.T) {
	svc, err := stack.StartServices("", "127.0.0.1:0", region, account, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	tr := run(t, newClients(svc.URL))
	compareGolden(t, "embedded", tr)
	checkCoverage(t, tr)
}

func TestConformanceMoto(t *testing.T) {
	if os.Getenv("CONFORMANCE_MOTO") != "1" {
		t.Skip("set CONFORMANCE_MOTO=1 (make conformance) to run against moto_server")
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal("CONFORMANCE_MOTO=1 but moto_server is not installed")
	}
	endpoint := startMoto(t, bin)
	tr := run(t, newClients(endpoint))
	compareGolden(t, "moto", tr)
}

// startMoto starts moto_server on a free port and stops it by PID when the
// test ends.
func startMoto(t *testing.T, bin string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("moto_server output:\n%s", logs.String())
		}
	})
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			res.Body.Close()
			return endpoint
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s: %v\n%s", endpoint, err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// sdkCall matches the SDK operations production code calls, as
// `.<Op>(ctx, &<service>.<Op>Input{`.
var sdkCall = regexp.MustCompile(`\.(\w+)\(ctx, &(dynamodb|s3|sqs|sesv2)\.(\w+)Input\{`)

// notInMoto are operations production code calls that moto (5.2.1) does not
// implement, so the scenarios cannot compare them; each names where the
// embedded service's behaviour is checked against the AWS documentation.
var notInMoto = map[string]string{
	"sqs.StartMessageMoveTask": "DLQ redrive: infra/local/awsemu/sqs/redrive_test.go and the redrive end-to-end test",
	"sqs.ListMessageMoveTasks": "DLQ redrive status: infra/local/awsemu/sqs/redrive_test.go",
}

// checkCoverage fails when production code (functions/, shared/) or the local
// stack's provisioning calls an operation the scenarios do not exercise.
func checkCoverage(t *testing.T, tr *transcript) {
	t.Helper()
	root := filepath.Join("..", "..", "..")
	var files []string
	for _, dir := range []string{"functions", "shared", "infra/local/stack", "infra/local/events"} {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				files = append(files, p)
			}
			return nil
		})
	}
	service := map[string]string{"dynamodb": "dynamodb", "s3": "s3", "sqs": "sqs", "sesv2": "ses"}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range sdkCall.FindAllStringSubmatch(string(data), -1) {
			op := service[m[2]] + "." + m[3]
			if _, ok := notInMoto[op]; ok {
				continue
			}
			if !tr.ops[op] {
				t.Errorf("%s calls %s, which the conformance scenarios do not exercise", f, op)
			}
		}
	}
}

// postForm uploads a file through a presigned POST like a browser form does.
func postForm(c *clients, url string, fields map[string]string, filename, contentType string, data []byte) (int, string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_ = w.WriteField(k, fields[k])
	}
	if contentType != "" {
		_ = w.WriteField("Content-Type", contentType)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	res, err := c.http.Post(url, w.FormDataContentType(), &body)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), nil
}
