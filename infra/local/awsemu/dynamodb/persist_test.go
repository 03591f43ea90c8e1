package dynamodb

import (
	"bufio"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// writeWorkload performs the mutations whose results verifyWorkload checks.
func writeWorkload(t testing.TB, c *dynamodb.Client) {
	t.Helper()
	mustCreate(t, c, claimsTable("claims"))
	mustCreate(t, c, simpleTable("dropped"))
	for i := 0; i < 50; i++ {
		mustPut(t, c, "claims", av{"PK": s(fmt.Sprintf("C#%02d", i)), "SK": s("META"), "GSI1PK": s("open"), "GSI1SK": s(fmt.Sprintf("%02d", i)), "email": s(fmt.Sprintf("u%d@x", i))})
	}
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("claims"), Key: av{"PK": s("C#07"), "SK": s("META")},
		UpdateExpression: aws.String("SET amount = :a REMOVE GSI1PK"), ExpressionAttributeValues: av{":a": n("12.50")}}); err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("claims"), Key: av{"PK": s("C#08"), "SK": s("META")}}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("claims"), Item: av{"PK": s("TX"), "SK": s("1")}}},
		{Delete: &types.Delete{TableName: aws.String("claims"), Key: av{"PK": s("C#09"), "SK": s("META")}}},
	}}); err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("claims"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("email"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String("ByEmail"),
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("email"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}}}); err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("claims"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}}); err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("dropped")}); err != nil {
		t.Fatalf("DeleteTable: %v", err)
	}
	mustPut(t, c, "claims", av{"PK": s("LAST"), "SK": s("1")})
}

type workloadState struct {
	Tables      []string
	ItemCount   int64
	OpenCount   int32
	ByEmail     []map[string]any
	Updated     map[string]any
	TTL         string
	LastPresent bool
}

func readWorkload(t testing.TB, c *dynamodb.Client) workloadState {
	t.Helper()
	var st workloadState
	lt, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	st.Tables = lt.TableNames
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("claims")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	st.ItemCount = aws.ToInt64(d.Table.ItemCount)
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("claims"), IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("GSI1PK = :o"),
		ExpressionAttributeValues: av{":o": s("open")}, Select: types.SelectCount})
	if err != nil {
		t.Fatalf("Query GSI1: %v", err)
	}
	st.OpenCount = q.Count
	q, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("claims"), IndexName: aws.String("ByEmail"), KeyConditionExpression: aws.String("email = :e"),
		ExpressionAttributeValues: av{":e": s("u3@x")}, ProjectionExpression: aws.String("PK, email")})
	if err != nil {
		t.Fatalf("Query ByEmail: %v", err)
	}
	st.ByEmail = plainItems(q.Items)
	st.Updated = mustGet(t, c, "claims", av{"PK": s("C#07"), "SK": s("META")})
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("claims")})
	if err != nil {
		t.Fatalf("DescribeTimeToLive: %v", err)
	}
	st.TTL = string(ttl.TimeToLiveDescription.TimeToLiveStatus) + "/" + aws.ToString(ttl.TimeToLiveDescription.AttributeName)
	st.LastPresent = mustGet(t, c, "claims", av{"PK": s("LAST"), "SK": s("1")}) != nil
	return st
}

var wantWorkload = workloadState{
	Tables:      []string{"claims"},
	ItemCount:   50, // 50 puts - 2 deletes + 1 transactional put + LAST
	OpenCount:   47, // C#07 left the index, C#08 and C#09 were deleted
	ByEmail:     []map[string]any{{"PK": "C#03", "email": "u3@x"}},
	Updated:     map[string]any{"PK": "C#07", "SK": "META", "GSI1SK": "07", "email": "u7@x", "amount": num("12.5")},
	TTL:         "ENABLED/expires",
	LastPresent: true,
}

func TestPersistenceAcrossCloseAndNew(t *testing.T) {
	dir := t.TempDir()
	srv, err := New(Config{Dir: dir, TTLSweepInterval: -1})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(srv)
	writeWorkload(t, newClient(hs.URL))
	hs.Close()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, walFile)); err != nil || fi.Size() != 0 {
		t.Errorf("log after Close = %v, %v; want compacted into the snapshot", fi, err)
	}
	env := newTestEnv(t, Config{Dir: dir})
	if diff := cmp.Diff(wantWorkload, readWorkload(t, env.client)); diff != "" {
		t.Errorf("state after reopen mismatch (-want +got):\n%s", diff)
	}
}

func TestPersistenceDirectoryLock(t *testing.T) {
	dir := t.TempDir()
	first := newTestEnv(t, Config{Dir: dir})
	_, err := New(Config{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "in use by another dynamodb server") {
		t.Fatalf("second New on a live directory = %v; want an in-use error", err)
	}
	if err := first.srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	again, err := New(Config{Dir: dir, TTLSweepInterval: -1})
	if err != nil {
		t.Fatalf("New after Close: %v", err)
	}
	again.Close()
}

// TestPersistenceTornWrite copies a live server's files, as a kill -9 would
// leave them, and damages the end of the log.
func TestPersistenceTornWrite(t *testing.T) {
	dir := t.TempDir()
	env := newTestEnv(t, Config{Dir: dir})
	mustCreate(t, env.client, simpleTable("tbl"))
	for i := 0; i < 20; i++ {
		mustPut(t, env.client, "tbl", av{"PK": s(fmt.Sprint(i)), "SK": s("s")})
	}
	tests := []struct {
		name   string
		damage func(wal []byte) []byte
		want   int32
	}{
		{"partial header appended", func(w []byte) []byte { return append(w, 0x10, 0x00, 0x00) }, 20},
		{"partial payload appended", func(w []byte) []byte { return append(w, 0xFF, 0x00, 0x00, 0x00, 1, 2, 3, 4, '[', '{') }, 20},
		{"last record cut short", func(w []byte) []byte { return w[:len(w)-5] }, 19},
		{"last record corrupted", func(w []byte) []byte {
			c := append([]byte(nil), w...)
			c[len(c)-3] ^= 0xFF
			return c
		}, 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			copyDir := t.TempDir()
			for _, f := range []string{snapshotFile, walFile} {
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatalf("read %s: %v", f, err)
				}
				if f == walFile {
					data = tt.damage(data)
				}
				if err := os.WriteFile(filepath.Join(copyDir, f), data, 0o644); err != nil {
					t.Fatalf("write %s: %v", f, err)
				}
			}
			re := newTestEnv(t, Config{Dir: copyDir})
			out, err := re.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), Select: types.SelectCount})
			if err != nil {
				t.Fatalf("Scan after recovery: %v", err)
			}
			if out.Count != tt.want {
				t.Errorf("items after recovery = %d, want %d", out.Count, tt.want)
			}
			// The recovered server keeps working and persisting.
			mustPut(t, re.client, "tbl", av{"PK": s("after"), "SK": s("s")})
		})
	}
}

const crashDirEnv = "DYNAMODB_EMU_CRASH_DIR"

// TestCrashHelperProcess is the child of TestPersistenceSurvivesKill9: it
// writes the workload, reports "ready" and waits to be killed.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("only runs as the child process of TestPersistenceSurvivesKill9")
	}
	srv, err := New(Config{Dir: dir, TTLSweepInterval: -1})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	hs := httptest.NewServer(srv)
	writeWorkload(t, newClient(hs.URL))
	fmt.Println("ready")
	time.Sleep(time.Minute)
	os.Exit(2)
}

func TestPersistenceSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stdout pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		t.Fatalf("child said %q, %v; want ready", line, err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no Close, no compaction
		t.Fatalf("kill child: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	_ = cmd.Wait()
	if fi, err := os.Stat(filepath.Join(dir, walFile)); err != nil || fi.Size() == 0 {
		t.Fatalf("log after kill = %v, %v; want the un-compacted mutations", fi, err)
	}
	env := newTestEnv(t, Config{Dir: dir})
	if diff := cmp.Diff(wantWorkload, readWorkload(t, env.client)); diff != "" {
		t.Errorf("state after kill -9 mismatch (-want +got):\n%s", diff)
	}
}
