package dynamodb

import (
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWireProtocol exercises the raw HTTP contract the SDK relies on.
func TestWireProtocol(t *testing.T) {
	env := newTestEnv(t, Config{})
	tests := []struct {
		name       string
		target     string
		body       string
		status     int
		bodySubstr string
	}{
		{"list tables", "DynamoDB_20120810.ListTables", `{}`, 200, `"TableNames":[]`},
		{"unknown operation", "DynamoDB_20120810.Frobnicate", `{}`, 400, `"__type":"com.amazonaws.dynamodb.v20120810#UnknownOperationException"`},
		{"missing target", "", `{}`, 400, `UnknownOperationException`},
		{"malformed json", "DynamoDB_20120810.ListTables", `{"Limit":`, 400, `"__type":"com.amazonaws.dynamodb.v20120810#SerializationException"`},
		{"wrong json type", "DynamoDB_20120810.ListTables", `{"Limit":"ten"}`, 400, `SerializationException`},
		{"empty attribute value", "DynamoDB_20120810.PutItem", `{"TableName":"tbl","Item":{"PK":{}}}`, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"}`},
		{"two datatypes", "DynamoDB_20120810.PutItem", `{"TableName":"tbl","Item":{"PK":{"S":"a","N":"1"}}}`, 400,
			`Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes`},
		{"missing table", "DynamoDB_20120810.DescribeTable", `{"TableName":"nope"}`, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: nope not found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, env.http.URL+"/", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.bodySubstr) {
				t.Errorf("got %d %s; want %d containing %s", resp.StatusCode, body, tt.status, tt.bodySubstr)
			}
			wantHeaders := [3]string{"application/x-amz-json-1.0", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10), "set"}
			gotHeaders := [3]string{resp.Header.Get("Content-Type"), resp.Header.Get("X-Amz-Crc32"), "set"}
			if resp.Header.Get("x-amzn-RequestId") == "" {
				gotHeaders[2] = "missing"
			}
			if diff := cmp.Diff(wantHeaders, gotHeaders); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
