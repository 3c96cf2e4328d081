package stack

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wallet-accounts/wallet/local/template"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// The environment variables `host test` sets for the command it runs.
const (
	EnvDynamoDB = "WALLET_STACK_DYNAMODB" // DynamoDB Local, http://127.0.0.1:port
	EnvSNS      = "WALLET_STACK_SNS"      // moto_server, http://127.0.0.1:port
	EnvAPI      = "WALLET_STACK_API"      // the local HTTP API, http://127.0.0.1:port
	EnvInternal = "WALLET_STACK_INTERNAL" // the local internal API (SigV4), http://127.0.0.1:port
	EnvTable    = "WALLET_STACK_TABLE"    // the table the functions use
	EnvLogs     = "WALLET_STACK_LOGS"     // absolute path of the functions' log file
	// EnvCalls is the absolute path of the call log (Config.CallLog), when the stack keeps one.
	EnvCalls = "WALLET_STACK_CALLS"
	// EnvCapacity is the absolute path of the capacity meter's lines (Config.Capacity), when the
	// stack meters; the meter is on while CapacitySwitch of it exists.
	EnvCapacity = "WALLET_STACK_CAPACITY"
)

// CapacitySwitch is the file whose existence turns on the meter writing to path.
func CapacitySwitch(path string) string { return path + ".on" }

// LocalIDVWebhookSecret is the local stack's IDV_WEBHOOK_SECRET: not a secret, a test fixture.
const LocalIDVWebhookSecret = "local-idv-webhook-key-not-a-secret-0001"

// Endpoints say where a running stack is: what `host test` tells its command.
type Endpoints struct {
	DynamoDB string // DynamoDB Local endpoint
	SNS      string // moto endpoint
	API      string // HTTP API base URL, no trailing slash
	Internal string // the internal API's base URL (AWS_IAM: sign with SigV4), no trailing slash
	Table    string // the functions' table
	Logs     string // the functions' log file
}

// EndpointsFromEnv reads the WALLET_STACK_* variables; see Missing for the unset ones.
func EndpointsFromEnv() Endpoints {
	return Endpoints{
		DynamoDB: os.Getenv(EnvDynamoDB),
		SNS:      os.Getenv(EnvSNS),
		API:      strings.TrimRight(os.Getenv(EnvAPI), "/"),
		Internal: strings.TrimRight(os.Getenv(EnvInternal), "/"),
		Table:    os.Getenv(EnvTable),
		Logs:     os.Getenv(EnvLogs),
	}
}

// Environ is e as the WALLET_STACK_* variables, KEY=value.
func (e Endpoints) Environ() []string {
	return []string{EnvDynamoDB + "=" + e.DynamoDB, EnvSNS + "=" + e.SNS, EnvAPI + "=" + e.API,
		EnvInternal + "=" + e.Internal, EnvTable + "=" + e.Table, EnvLogs + "=" + e.Logs}
}

// Missing names the WALLET_STACK_* variables e lacks.
func (e Endpoints) Missing() []string {
	var out []string
	for _, kv := range e.Environ() {
		if k, v, _ := strings.Cut(kv, "="); v == "" {
			out = append(out, k)
		}
	}
	return out
}

// Environment is what the stack gives every function besides template.yaml's variables.
type Environment struct {
	Template  *template.Template
	Table     string // the functions' table
	StreamARN string // its stream
	DynamoDB  string // DynamoDB Local endpoint
	SNS       string // moto endpoint
	Pepper    string
	Home      string            // an empty directory
	API       string            // the local HTTP API's base URL, "" without one
	Overrides map[string]string // settings over template.yaml's (host test -env)
	RPOrigin  string            // the HTTP API's origin for passkeys, http://localhost:<port>; "" without an API
	Log       *slog.Logger      // nil: nothing is logged
}

// For is fn's complete environment: template.yaml's variables (Globals merged, parameters at
// their defaults, references resolved to the local resources), with an API the freeze links of
// alert SMS on its /f/ (FREEZE_LINK_BASE), Overrides over them, plus the local endpoints and
// dummy credentials. Nothing comes from the caller's environment but
// PATH: no AWS_PROFILE, AWS_CA_BUNDLE or other AWS_* setting reaches a function (parsing a CA
// bundle alone adds ~6 ms to a cold start), and HOME is an empty directory, so no ~/.aws files
// are read either, as on Lambda.
func (e Environment) For(fn template.Function) (map[string]string, error) {
	env, err := fn.Environment(e.TemplateContext())
	if err != nil {
		return nil, err
	}
	for k, v := range env {
		if k != "PEPPER" && template.IsDynamicReference(v) {
			if e.Log != nil {
				e.Log.Warn("dynamic reference has no local value; variable left unset", "function", fn.LogicalID, "var", k)
			}
			delete(env, k)
		}
	}
	local := map[string]string{
		"AWS_REGION":            Region,
		"AWS_DEFAULT_REGION":    Region,
		"AWS_ACCESS_KEY_ID":     AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": SecretAccessKey,
		"TABLE_NAME":            e.Table,
		"DYNAMODB_ENDPOINT":     e.DynamoDB,
		"SNS_ENDPOINT":          e.SNS,
		"SES_ENDPOINT":          e.SNS, // moto serves SES (v2) beside SNS
		"PEPPER":                e.Pepper,
		"HOME":                  e.Home,
		"PATH":                  os.Getenv("PATH"),
		"TZ":                    ":UTC",
	}
	if fn.LogFormat != "" {
		local["AWS_LAMBDA_LOG_FORMAT"] = fn.LogFormat
	}
	if fn.ApplicationLogLevel != "" {
		local["AWS_LAMBDA_LOG_LEVEL"] = fn.ApplicationLogLevel
	}
	if e.API != "" {
		env["FREEZE_LINK_BASE"] = e.API + "/f/" // where AccountFunction serves the link's page
	}
	// Passkeys: the relying party is localhost (WebAuthn takes no IP address as its id) and a
	// browser on the HTTP API is at http://localhost:<its port>; without an API, the defaults.
	env["RP_ID"] = "localhost"
	delete(env, "RP_ORIGINS")
	if e.RPOrigin != "" {
		env["RP_ORIGINS"] = e.RPOrigin
	}
	// Identity verification: the webhook's HMAC key is a fixed local one, which tests sign the
	// vendor's callbacks with (on AWS it comes from Secrets Manager); -env may replace it.
	env["IDV_WEBHOOK_SECRET"] = LocalIDVWebhookSecret
	for k, v := range e.Overrides {
		env[k] = v
	}
	for k, v := range local {
		env[k] = v
	}
	return env, nil
}

// TemplateContext resolves the template's references to the local resources.
func (e Environment) TemplateContext() template.Context {
	ctx := template.Context{Region: Region, Refs: map[string]string{"AWS::AccountId": AccountID}, Attrs: map[string]string{}}
	for id, r := range e.Template.Resources {
		switch r.Type {
		case template.TableType:
			ctx.Refs[id] = e.Table
			ctx.Attrs[id+".Arn"] = "arn:aws:dynamodb:" + Region + ":" + AccountID + ":table/" + e.Table
			ctx.Attrs[id+".StreamArn"] = e.StreamARN
		case "AWS::SNS::Topic":
			arn := "arn:aws:sns:" + Region + ":" + AccountID + ":wallet-accounts-local-" + id
			ctx.Refs[id], ctx.Attrs[id+".TopicArn"] = arn, arn
		default:
			ctx.Refs[id] = id
		}
	}
	return ctx
}

// NewPepper is a one-key pepper setting: key id "1" with 32 random bytes.
func NewPepper() (string, error) {
	return newPepperKey("1")
}

func newPepperKey(id string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate pepper: %w", err)
	}
	return id + ":" + base64.StdEncoding.EncodeToString(b), nil
}

// pepperFile is where a persistent stack keeps its pepper setting, beside the data.
func pepperFile(persistDir string) string { return filepath.Join(persistDir, "pepper") }

// loadPepper returns a new pepper, or with persistDir the one kept there beside the
// persisted data, which its hashes would not match after a restart otherwise.
func loadPepper(persistDir string) (string, error) {
	if persistDir == "" {
		return NewPepper()
	}
	if b, err := os.ReadFile(pepperFile(persistDir)); err == nil {
		setting := strings.TrimSpace(string(b))
		if _, err := secret.ParseKeyring(setting); err != nil {
			return "", fmt.Errorf("%s: %w (a pepper kept before key ids: delete %s to start over)", pepperFile(persistDir), err, persistDir)
		}
		return setting, nil
	}
	pepper, err := NewPepper()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(pepperFile(persistDir), []byte(pepper+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep pepper: %w", err)
	}
	return pepper, nil
}

// RotatePepper does to a persistent stack's pepper what the README's rotation procedure does to
// the Secrets Manager secret: a new random key, with the next free number as its id, becomes the
// current one, and the old keys stay as previous ones. It takes effect at the next start and
// returns the new key's id.
func RotatePepper(persistDir string) (string, error) {
	b, err := os.ReadFile(pepperFile(persistDir))
	if err != nil {
		return "", fmt.Errorf("rotate pepper: %w", err)
	}
	setting := strings.TrimSpace(string(b))
	keys, err := secret.ParseKeyring(setting)
	if err != nil {
		return "", fmt.Errorf("rotate pepper: %w", err)
	}
	next := 1
	for _, k := range keys.Keys() {
		if n, err := strconv.Atoi(k.ID); err == nil && n >= next {
			next = n + 1
		}
	}
	id := strconv.Itoa(next)
	key, err := newPepperKey(id)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(pepperFile(persistDir), []byte(key+","+setting+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("rotate pepper: %w", err)
	}
	return id, nil
}
