package app_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFunctionsBuildNoSDKSchemasAtStart: no function links a service
// client of the AWS SDK whose version builds every operation's schema at
// package initialisation (the service's schemas package, from DynamoDB
// v1.69, DynamoDB Streams v1.42, SQS v1.49, SES v2 v1.75 on): in every
// cold start they cost 0.8x of a hello-world's, which go.mod's pinned
// versions avoid. An upgrade of one of them fails here first.
func TestFunctionsBuildNoSDKSchemasAtStart(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./functions/...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sdk := 0
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/") {
			continue
		}
		sdk++
		if strings.HasSuffix(p, "/schemas") {
			t.Errorf("a function links %s: its version builds every operation's schema at start", p)
		}
	}
	if sdk == 0 {
		t.Fatal("go list found no SDK service package: the test checks nothing")
	}
}
