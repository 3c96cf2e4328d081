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
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/wallet-accounts/wallet/local/template"
)

// The environment variables the host sets for the command it runs.
const (
	EnvDynamoDB = "WALLET_STACK_DYNAMODB" // DynamoDB Local, http://127.0.0.1:port
	EnvSNS      = "WALLET_STACK_SNS"      // moto_server, http://127.0.0.1:port
	EnvAPI      = "WALLET_STACK_API"      // the local HTTP API, http://127.0.0.1:port
	EnvTable    = "WALLET_STACK_TABLE"    // the table the functions use
	EnvLogs     = "WALLET_STACK_LOGS"     // absolute path of the functions' log file
)

// Region is the region of every client and function of the stack.
const Region = "us-east-1"

// Stack describes the running local stack.
type Stack struct {
	DynamoDB string // DynamoDB Local endpoint
	SNS      string // moto endpoint
	API      string // HTTP API base URL, no trailing slash
	Table    string // the functions' table
	Logs     string // the functions' log file
}

// Config returns the stack from the WALLET_STACK_* variables. Unset, the test is skipped
// (failed in CI); set but unreachable, it fails.
func Config(t testing.TB) Stack {
	t.Helper()
	s := Stack{
		DynamoDB: os.Getenv(EnvDynamoDB),
		SNS:      os.Getenv(EnvSNS),
		API:      strings.TrimRight(os.Getenv(EnvAPI), "/"),
		Table:    os.Getenv(EnvTable),
		Logs:     os.Getenv(EnvLogs),
	}
	if s.DynamoDB == "" && s.SNS == "" && s.API == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("needs the local stack, and CI must run tests through make test (WALLET_STACK_* unset)")
		}
		t.Skip("needs the local stack: run through make test (WALLET_STACK_* unset)")
	}
	var missing []string
	for name, v := range map[string]string{EnvDynamoDB: s.DynamoDB, EnvSNS: s.SNS, EnvAPI: s.API, EnvTable: s.Table, EnvLogs: s.Logs} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("local stack half configured: %s unset", strings.Join(missing, ", "))
	}
	for name, endpoint := range map[string]string{EnvDynamoDB: s.DynamoDB, EnvSNS: s.SNS, EnvAPI: s.API} {
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

// credentialsProvider signs requests with dummy keys, which DynamoDB Local and moto accept.
func credentialsProvider() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("local", "local", "")
}

// StackDynamo returns a DynamoDB client of the stack's DynamoDB Local, for the functions'
// table (Stack.Table). opts can add middleware (APIOptions) or change options.
func StackDynamo(t testing.TB, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	s := Config(t)
	return dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.DynamoDB),
		Credentials:  credentialsProvider(),
	}, opts...)
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
	root, err := repoRoot()
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

// repoRoot walks up from the working directory (a package directory under go test) to go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// SNSClient returns an SNS client of the stack's moto; opts can add middleware or change
// options.
func SNSClient(t testing.TB, opts ...func(*sns.Options)) *sns.Client {
	t.Helper()
	s := Config(t)
	return sns.New(sns.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.SNS),
		Credentials:  credentialsProvider(),
	}, opts...)
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
