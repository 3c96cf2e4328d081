package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wallet-accounts/wallet/local/template"
	"github.com/wallet-accounts/wallet/shared/config"
)

// Local stand-ins, as the host uses them (local/host/stack.go).
const (
	region          = "us-east-1"
	accountID       = "123456789012"
	accessKeyID     = "local"
	secretAccessKey = "local"
)

// stack is the local stack the bench runs in, from the variables `host test` sets.
type stack struct {
	API, DynamoDB, SNS, Table, Logs string
}

// stackFromEnv reads WALLET_STACK_*; the bench must run inside `host test`.
func stackFromEnv() (stack, error) {
	s := stack{
		API:      strings.TrimRight(os.Getenv("WALLET_STACK_API"), "/"),
		DynamoDB: os.Getenv("WALLET_STACK_DYNAMODB"),
		SNS:      os.Getenv("WALLET_STACK_SNS"),
		Table:    os.Getenv("WALLET_STACK_TABLE"),
		Logs:     os.Getenv("WALLET_STACK_LOGS"),
	}
	if s.API == "" || s.DynamoDB == "" || s.SNS == "" || s.Table == "" || s.Logs == "" {
		return s, errors.New("WALLET_STACK_* unset: run through `make bench` (.local/bin/host test -- ...)")
	}
	return s, nil
}

// functionEnv is the environment the host gives a function (local/host functionEnv): the
// template's variables plus the local endpoints, dummy credentials, an empty HOME and PATH;
// nothing else from the bench's own environment, so no stray AWS_* setting or AWS_CA_BUNDLE.
func functionEnv(tpl *template.Template, fn template.Function, st stack, pepper, home string) (map[string]string, error) {
	env, err := fn.Environment(templateContext(tpl, st.Table))
	if err != nil {
		return nil, err
	}
	for k, v := range env {
		if template.IsDynamicReference(v) {
			delete(env, k)
		}
	}
	local := map[string]string{
		"AWS_REGION":            region,
		"AWS_DEFAULT_REGION":    region,
		"AWS_ACCESS_KEY_ID":     accessKeyID,
		"AWS_SECRET_ACCESS_KEY": secretAccessKey,
		"TABLE_NAME":            st.Table,
		"DYNAMODB_ENDPOINT":     st.DynamoDB,
		"SNS_ENDPOINT":          st.SNS,
		"PEPPER":                pepper,
		"HOME":                  home,
		"PATH":                  os.Getenv("PATH"),
		"TZ":                    ":UTC",
	}
	if fn.LogFormat != "" {
		local["AWS_LAMBDA_LOG_FORMAT"] = fn.LogFormat
	}
	if fn.ApplicationLogLevel != "" {
		local["AWS_LAMBDA_LOG_LEVEL"] = fn.ApplicationLogLevel
	}
	for k, v := range local {
		env[k] = v
	}
	return env, nil
}

// templateContext resolves the template's references to the local stack's resources.
func templateContext(tpl *template.Template, table string) template.Context {
	ctx := template.Context{Region: region, AccountID: accountID, Refs: map[string]string{}, Attrs: map[string]string{}}
	for id, r := range tpl.Resources {
		switch r.Type {
		case template.TableType:
			ctx.Refs[id] = table
			ctx.Attrs[id+".Arn"] = "arn:aws:dynamodb:" + region + ":" + accountID + ":table/" + table
			ctx.Attrs[id+".StreamArn"] = ctx.Attrs[id+".Arn"] + "/stream/local"
		case "AWS::SNS::Topic":
			arn := "arn:aws:sns:" + region + ":" + accountID + ":wallet-accounts-local-" + id
			ctx.Refs[id], ctx.Attrs[id+".TopicArn"] = arn, arn
		default:
			ctx.Refs[id] = id
		}
	}
	return ctx
}

// newPepper is base64 of 32 random bytes, like the host's.
func newPepper() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// loadConfig is the configuration a function with env reads (shared/config).
func loadConfig(env map[string]string) (config.Config, error) {
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return config.Config{}, fmt.Errorf("function configuration: %w", err)
	}
	return cfg, nil
}

// repoRoot walks up from the working directory to go.mod.
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
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// hasGoPackage reports whether dir holds a non-test Go file (as the host decides whether a
// function is built).
func hasGoPackage(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			return true
		}
	}
	return false
}
