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
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
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
	sns      *sns.Client
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
		sns:  sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(endpoint) }),
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
	snsScenario(ctx, t, c, tr)
	return tr
}

const goldenFile = "testdata/transcript.golden"

func compareGolden(t *testing.T, backend string, tr *transcript) {
	t.Helper()
	got := strings.Join(tr.lines, "\n") + "\n"
	if *update && backend == "embedded" {
		if err := os.MkdirAll(filepath.Dir(goldenFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenFile)
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
	checkCoverage(t)
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

// checkCoverage fails when the local stack's own provisioning and event
// sources call an operation the scenarios do not check. (An application
// checks its own calls the same way, with Operations and Covered.)
func checkCoverage(t *testing.T) {
	t.Helper()
	var files []string
	for _, dir := range []string{"../stack", "../events"} {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Fatal("no source of the local stack found")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range Operations(string(data)) {
			if _, ok := Covered(op); !ok {
				t.Errorf("%s calls %s, which the conformance scenarios do not exercise", f, op)
			}
		}
	}
}

// TestCovered: Covered knows the operations of the golden transcript and
// those checked elsewhere, and no other.
func TestCovered(t *testing.T) {
	for op, want := range map[string]bool{
		"dynamodb.TransactWriteItems": true, "s3.PutObject": true, "sqs.SendMessageBatch": true, "ses.SendEmail": true,
		"sqs.StartMessageMoveTask": true, "dynamodb.ExecuteStatement": false, "dynamodb.Transact": false, "lambda.Invoke": false,
	} {
		if _, got := Covered(op); got != want {
			t.Errorf("Covered(%s) = %v, want %v", op, got, want)
		}
	}
	src := "out, err := c.ddb.PutItem(ctx, &dynamodb.PutItemInput{\n_, _ = s.SendEmail(ctx, &sesv2.SendEmailInput{"
	if diff := cmp.Diff([]string{"dynamodb.PutItem", "ses.SendEmail"}, Operations(src)); diff != "" {
		t.Errorf("Operations mismatch (-want +got):\n%s", diff)
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
