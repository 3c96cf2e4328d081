// Command archlint checks the dependency rules (docs/architecture.md, Layers) with `go list -deps`:
//
//   - only shared/dynamo, shared/sms, shared/ses, shared/config/awsenv and functions/*/main.go import the AWS SDK;
//   - only shared/apigw and functions/* import aws-lambda-go;
//   - flow packages (everything else under shared/) never depend on an adapter;
//   - under shared/, only shared/apigw imports net/http: a flow says what went wrong with an
//     account.Error code, and apigw's one table turns the code into an HTTP status;
//   - no package imports text/template or html/template, whose executor makes the linker keep
//     every exported method, but functions/account html/template (the freeze link's page);
//   - the packages that are slow to initialise (libphonenumber's metadata, zxcvbn's dictionaries)
//     are reached only through shared/phone and shared/secret/strength, which only the functions
//     that parse phones or judge new passwords import, so no other function pays for them.
//
// It also checks that no tracked file refers to a path outside the repository. It prints each
// violation and exits 1 if there is any.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

const module = "github.com/wallet-accounts/wallet"

const (
	sdk    = "github.com/aws/aws-sdk-go-v2"
	smithy = "github.com/aws/smithy-go"
	lambda = "github.com/aws/aws-lambda-go"
)

// sdkAllowed and lambdaAllowed may depend on the SDK and on aws-lambda-go.
var (
	sdkAllowed    = []string{"shared/dynamo", "shared/sms", "shared/ses", "shared/config/awsenv"}
	lambdaAllowed = []string{"shared/apigw"}
	httpAllowed   = []string{"shared/apigw"}
	adapters      = []string{"shared/dynamo", "shared/sms", "shared/ses", "shared/apigw"}
	// reflective packages call reflect's MethodByName: none of our packages may import them,
	// but for reflectiveAllowed.
	reflective = []string{"text/template", "html/template"}
	// reflectiveAllowed is the one exception: the freeze link's page (functions/account/landing.go)
	// is escaped by html/template. Measured (arm64, stripped), it adds 0.5 MB to AccountFunction
	// (19.2 to 19.7 MB); the same import would add 5.6 MB to AlertFunction (11.1 to 16.8 MB).
	reflectiveAllowed = map[string]string{"html/template": "functions/account"}
	// heavy maps a slow-to-initialise module to the one shared package that may depend on it.
	heavy = map[string]string{
		"github.com/nyaruka/phonenumbers": "shared/phone",
		"github.com/ccojocar/zxcvbn-go":   "shared/secret/strength",
		"github.com/go-webauthn/webauthn": "shared/passkey/ceremony", // ~0.5 ms of init: only the functions that run ceremonies
	}
)

type pkg struct {
	ImportPath string
	Dir        string
	Deps       []string
	Imports    []string
	GoFiles    []string
}

func main() {
	pkgs, err := list()
	if err != nil {
		fmt.Fprintln(os.Stderr, "archlint:", err)
		os.Exit(2)
	}
	var bad []string
	for _, p := range pkgs {
		bad = append(bad, check(p)...)
	}
	bad = append(bad, outsideReferences()...)
	for _, b := range bad {
		fmt.Println(b)
	}
	if len(bad) > 0 {
		os.Exit(1)
	}
	fmt.Printf("archlint: %d packages follow the dependency rules\n", len(pkgs))
}

func list() ([]pkg, error) {
	out, err := exec.Command("go", "list", "-json", "./shared/...", "./functions/...").Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			return pkgs, nil
		} else if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
}

func check(p pkg) []string {
	rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
	var bad []string
	for _, d := range reflective {
		if slices.Contains(p.Imports, d) && reflectiveAllowed[d] != rel {
			bad = append(bad, rel+": depends on "+d+", whose executor makes the linker keep every exported method (see shared/courier)")
		}
	}
	if strings.HasPrefix(rel, "functions/") {
		return append(bad, checkFunction(p, rel)...)
	}
	uses := func(prefix string) bool {
		return slices.ContainsFunc(p.Deps, func(d string) bool { return d == prefix || strings.HasPrefix(d, prefix+"/") })
	}
	if (uses(sdk) || uses(smithy)) && !slices.Contains(sdkAllowed, rel) {
		bad = append(bad, rel+": depends on the AWS SDK; only "+strings.Join(sdkAllowed, ", ")+" may")
	}
	if uses(lambda) && !slices.Contains(lambdaAllowed, rel) {
		bad = append(bad, rel+": depends on aws-lambda-go; only shared/apigw and functions/* may")
	}
	if slices.Contains(p.Imports, "net/http") && !slices.Contains(httpAllowed, rel) {
		bad = append(bad, rel+": imports net/http; only "+strings.Join(httpAllowed, ", ")+" may (HTTP statuses come from apigw's code table)")
	}
	for mod, owner := range heavy {
		if uses(mod) && rel != owner {
			bad = append(bad, rel+": depends on "+mod+" (slow init); only "+owner+" may, imported by the functions that need it")
		}
	}
	if !slices.Contains(adapters, rel) && !strings.HasPrefix(rel, "shared/config") {
		for _, a := range adapters {
			if uses(module + "/" + a) {
				bad = append(bad, rel+": depends on the adapter "+a)
			}
		}
	}
	return bad
}

// checkFunction allows the SDK only in main.go, the composition root.
func checkFunction(p pkg, rel string) []string {
	var bad []string
	for _, f := range p.GoFiles {
		if f == "main.go" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(p.Dir, f))
		if err != nil {
			return append(bad, rel+": "+err.Error())
		}
		if bytes.Contains(src, []byte(`"`+sdk)) || bytes.Contains(src, []byte(`"`+smithy)) {
			bad = append(bad, rel+"/"+f+": imports the AWS SDK; only main.go may")
		}
	}
	return bad
}

// outside are the spellings of a reference to a file outside the repository: the design brief the
// project started from lives beside it, not in it, and nobody who clones the project has it.
// (Split so that this file does not name them itself.)
var outside = []string{"../" + "shared/", "DESIGN" + ".md", "DESIGN" + " §"}

// outsideReferences names every tracked file that refers to a path outside the repository.
func outsideReferences() []string {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		return nil // not a checkout (an exported tree): nothing to compare against
	}
	var bad []string
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src, err := os.ReadFile(f)
		if err != nil {
			continue // deleted in the work tree
		}
		for _, o := range outside {
			if bytes.Contains(src, []byte(o)) {
				bad = append(bad, f+": refers to "+o+", outside the repository; say it in the project's own words")
			}
		}
	}
	return bad
}
