// Package conformance checks that the embedded AWS services answer the
// operations applications use the way AWS does, by running one scenario per
// service through the real AWS SDK against the embedded endpoint and, when
// CONFORMANCE_MOTO=1 (CI, `make conformance`), against moto_server too. Both
// transcripts must equal testdata/transcript.golden, so the two backends give
// the same results. Regenerate the golden file with -update after a deliberate
// change, and review the diff.
//
// Operations and Covered let an application check that every operation its
// code calls is one the scenarios check.
//
// Layer: local.
package conformance

import (
	_ "embed"
	"regexp"
	"strings"
)

//go:embed testdata/transcript.golden
var golden string

// sdkCall matches an SDK operation called the usual way:
// `.<Op>(ctx, &<service>.<Op>Input{`.
var sdkCall = regexp.MustCompile(`\.(\w+)\(ctx, &(dynamodb|s3|sqs|sesv2|sns)\.(\w+)Input\{`)

// services names the SDK packages as the transcript does.
var services = map[string]string{"dynamodb": "dynamodb", "s3": "s3", "sqs": "sqs", "sesv2": "ses", "sns": "sns"}

// checkedElsewhere are operations that moto (5.2.1) does not implement, so
// the scenarios cannot compare them; each names where the embedded
// service's behaviour is checked against the AWS documentation.
var checkedElsewhere = map[string]string{
	"sqs.StartMessageMoveTask": "DLQ redrive: infra/local/awsemu/sqs/redrive_test.go and the redrive end-to-end test",
	"sqs.ListMessageMoveTasks": "DLQ redrive status: infra/local/awsemu/sqs/redrive_test.go",
}

// Operations returns the AWS operations Go source calls the usual way
// (`client.PutItem(ctx, &dynamodb.PutItemInput{`), as "service.Operation"
// with the services named dynamodb, s3, sqs, ses and sns, in order of
// appearance.
func Operations(src string) []string {
	var out []string
	for _, m := range sdkCall.FindAllStringSubmatch(src, -1) {
		out = append(out, services[m[2]]+"."+m[3])
	}
	return out
}

// Covered says where the embedded services' answer to an operation
// ("sqs.SendMessage") is checked: the scenarios, whose transcript must be
// the same on the embedded services and on moto, or the tests named for
// the few moto lacks. False when nothing checks it.
func Covered(op string) (string, bool) {
	if where, ok := checkedElsewhere[op]; ok {
		return where, true
	}
	service, name, ok := strings.Cut(op, ".")
	if !ok {
		return "", false
	}
	for _, line := range strings.Split(golden, "\n") {
		if strings.HasPrefix(line, service+" "+name+":") || strings.HasPrefix(line, service+" "+name+" (") {
			return "the conformance scenarios (infra/local/conformance/testdata/transcript.golden)", true
		}
	}
	return "", false
}
