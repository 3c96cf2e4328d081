package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wallet-accounts/wallet/local/stack"
)

// barePackage is the baseline function (local/bench/bare).
const barePackage = "./local/bench/bare"

// program is one binary the bench builds: a function or a baseline.
type program struct {
	Name string   // "OtpFunction", "bare", "bare+sns+phonenumbers"
	Pkg  string   // "./functions/otp"
	Tags []string // build tags besides lambda.norpc
}

// linked is something a function links that its baseline must link too, found in
// `go list -deps` of the function.
type linked struct {
	Pkg   string // import path
	Tag   string // the bare program's build tag
	Label string
	// Library marks a mandated third-party library that parses its data in package init:
	// only baseline (b) links it.
	Library bool
}

// linkables are what the bare program can link, by build tag (see bare/main.go).
func linkables() []linked {
	return []linked{
		{Pkg: "github.com/aws/aws-sdk-go-v2/service/sns", Tag: "bench_sns", Label: "sns"},
		{Pkg: "github.com/aws/aws-sdk-go-v2/service/sesv2", Tag: "bench_sesv2", Label: "sesv2"},
		{Pkg: "github.com/nyaruka/phonenumbers", Tag: "bench_phonenumbers", Label: "phonenumbers", Library: true},
		{Pkg: "github.com/ccojocar/zxcvbn-go", Tag: "bench_zxcvbn", Label: "zxcvbn", Library: true},
		{Pkg: "github.com/go-webauthn/webauthn/webauthn", Tag: "bench_webauthn", Label: "webauthn", Library: true},
	}
}

// baselines returns a function's two baselines, from its dependencies: (a) the bare function
// with the SDK clients it links, and (b) that plus the mandated libraries with init-time cost
// it links. They are the same program when it links none.
func baselines(deps []string) (bare, withLibs program) {
	bare = program{Name: "bare", Pkg: barePackage}
	for _, l := range linkables() {
		if !slices.Contains(deps, l.Pkg) {
			continue
		}
		if !l.Library {
			bare.Tags = append(bare.Tags, l.Tag)
			bare.Name += "+" + l.Label
		}
	}
	withLibs = bare
	withLibs.Tags = slices.Clone(bare.Tags)
	for _, l := range linkables() {
		if l.Library && slices.Contains(deps, l.Pkg) {
			withLibs.Tags = append(withLibs.Tags, l.Tag)
			withLibs.Name += "+" + l.Label
		}
	}
	return bare, withLibs
}

// unmatchedServices lists the AWS SDK service clients a function links that no baseline builds.
func unmatchedServices(deps []string) []string {
	var out []string
	for _, d := range deps {
		svc, ok := strings.CutPrefix(d, "github.com/aws/aws-sdk-go-v2/service/")
		if !ok || strings.Contains(svc, "/") {
			continue
		}
		switch svc {
		case "dynamodb", "sns", "sesv2", "sts", "sso", "ssooidc", "signin", "dynamodbstreams":
			// dynamodb and sns are built by the baselines; the others come with
			// config.LoadDefaultConfig (credential providers) or attributevalue.
		default:
			out = append(out, svc)
		}
	}
	return out
}

// goDeps is `go list -deps` of pkg.
func goDeps(ctx context.Context, root, pkg string) ([]string, error) {
	cmd := exec.CommandContext(ctx, stack.GoCommand(), "list", "-deps", "-f", "{{.ImportPath}}", pkg)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s: %w", pkg, err)
	}
	return strings.Fields(string(out)), nil
}

// build builds p for goos/goarch as the host and SAM build a function (stack.BuildBootstrap)
// and returns the binary's path under dir.
func build(ctx context.Context, root, dir, goos, goarch string, p program) (string, error) {
	out := filepath.Join(dir, goos+"-"+goarch, p.Name, "bootstrap")
	if err := stack.BuildBootstrap(ctx, root, p.Pkg, out, goos, goarch, p.Tags...); err != nil {
		return "", fmt.Errorf("%s: %w", p.Name, err)
	}
	return out, nil
}

// fileSize is the size of path in bytes.
func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
