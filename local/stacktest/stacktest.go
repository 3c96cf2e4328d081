// Package stacktest gives integration and end-to-end tests the local stack that
// `go run ./local/host test -- <command>` (make test) starts: DynamoDB Local, moto (SNS) and
// the HTTP API, described by WALLET_STACK_* variables. Import it from _test.go files only.
//
// Without the variables a test skips, except in CI (CI set), where the stack must be there;
// with them set but the stack unreachable a test fails. Clients use dummy static credentials,
// region us-east-1 and the stack's endpoints.
package stacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/wallet-accounts/wallet/local/stack"
	"github.com/wallet-accounts/wallet/local/template"
)

// Region is the region of every client and function of the stack.
const Region = stack.Region

// Stack describes the running local stack.
type Stack = stack.Endpoints

// Config returns the stack from the WALLET_STACK_* variables. Unset, the test is skipped
// (failed in CI); set but unreachable, it fails.
func Config(t testing.TB) Stack {
	t.Helper()
	s := stack.EndpointsFromEnv()
	if s.DynamoDB == "" && s.SNS == "" && s.API == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("needs the local stack, and CI must run tests through make test (WALLET_STACK_* unset)")
		}
		t.Skip("needs the local stack: run through make test (WALLET_STACK_* unset)")
	}
	if missing := s.Missing(); len(missing) > 0 {
		t.Fatalf("local stack half configured: %s unset", strings.Join(missing, ", "))
	}
	for name, endpoint := range map[string]string{stack.EnvDynamoDB: s.DynamoDB, stack.EnvSNS: s.SNS, stack.EnvAPI: s.API} {
		if err := reachable(endpoint); err != nil {
			t.Fatalf("local stack unreachable: %s=%s: %v", name, endpoint, err)
		}
	}
	return s
}

// reachable dials the endpoint's host and port.
func reachable(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		return err
	}
	return conn.Close()
}

// StackDynamo returns a DynamoDB client of the stack's DynamoDB Local, for the functions'
// table (Stack.Table). opts can add middleware (APIOptions) or change options.
func StackDynamo(t testing.TB, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	return stack.DynamoDB(Config(t).DynamoDB, opts...)
}

// NewTable creates a fresh table, with a unique name, from template.yaml's table definition
// in the stack's DynamoDB Local, and deletes it when the test ends. It returns a client
// (with opts applied) and the table's name.
//
// The table has no stream: DynamoDB Local slows down with every stream-enabled table created
// and deleted, and few tests read a stream. A test that reads the table's stream uses
// NewStreamTable. (The functions' own table, which the host creates, keeps its stream.)
func NewTable(t testing.TB, opts ...func(*dynamodb.Options)) (*dynamodb.Client, string) {
	t.Helper()
	def := *tableDefinition(t)
	def.StreamViewType = ""
	return newTable(t, &def, opts)
}

// NewStreamTable is NewTable with template.yaml's stream, for a test that reads the stream.
func NewStreamTable(t testing.TB, opts ...func(*dynamodb.Options)) (*dynamodb.Client, string) {
	t.Helper()
	return newTable(t, tableDefinition(t), opts)
}

// newTable creates a table from def and deletes it when the test ends.
func newTable(t testing.TB, def *template.Table, opts []func(*dynamodb.Options)) (*dynamodb.Client, string) {
	t.Helper()
	client := StackDynamo(t, opts...)
	name := tableName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := def.Create(ctx, client, name); err != nil {
		t.Fatalf("new table: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("delete table %s: %v", name, err)
		}
	})
	return client, name
}

// tableDefinition reads the table from the repository's template.yaml.
func tableDefinition(t testing.TB) *template.Table {
	t.Helper()
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	table, err := tpl.Table()
	if err != nil {
		t.Fatal(err)
	}
	return table
}

var unsafeTableChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// tableName is "t-<test name>-<random>", within DynamoDB's 255 characters.
func tableName(testName string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	base := strings.Trim(unsafeTableChars.ReplaceAllString(testName, "-"), "-")
	if len(base) > 200 {
		base = base[:200]
	}
	return "t-" + base + "-" + hex.EncodeToString(b[:])
}

// SNSClient returns an SNS client of the stack's moto; opts can add middleware or change
// options.
func SNSClient(t testing.TB, opts ...func(*sns.Options)) *sns.Client {
	t.Helper()
	return stack.SNS(Config(t).SNS, opts...)
}

// FunctionLogs returns everything the stack's functions have logged so far.
func FunctionLogs(t testing.TB) string {
	t.Helper()
	s := Config(t)
	b, err := os.ReadFile(s.Logs)
	if err != nil {
		t.Fatalf("read function logs: %v", err)
	}
	return string(b)
}

// RunSchedules has the stack run every scheduled function once, now (the closure job): the
// console's POST /console/schedules. It answers each function's response by function.
func RunSchedules(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(Config(t).API, "/")+"/console/schedules", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Console-Action", "run-schedules")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("run schedules: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Runs map[string]json.RawMessage `json:"runs"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		t.Fatalf("run schedules: %s", resp.Status)
	}
	return out.Runs
}
