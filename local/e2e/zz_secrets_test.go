package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/wallet-accounts/wallet/local/stacktest"
)

// TestZNoSecretsStoredOrLogged runs last (Go runs a package's tests file by file, in file-name
// order, and this file sorts last) and scans the whole stack
// table and every function log line for the codes and tokens the other tests saw.
func TestZNoSecretsStoredOrLogged(t *testing.T) {
	st := stacktest.Config(t)
	secrets.mu.Lock()
	values := append([]string(nil), secrets.values...)
	secrets.mu.Unlock()
	if len(values) == 0 {
		t.Fatal("no secrets were collected; run the whole package")
	}
	stacktest.AssertNotStored(t, stacktest.StackDynamo(t), st.Table, values...)
	logs := stacktest.FunctionLogs(t)
	if !strings.Contains(logs, "code requested") {
		t.Fatalf("function logs were not captured (%d bytes)", len(logs))
	}
	for _, v := range values {
		if loggedSecret(logs, v) {
			t.Errorf("a secret appears in the function logs")
		}
	}
	if m := regexp.MustCompile(`\+86139\d{8}`).FindString(logs); m != "" {
		t.Errorf("a full phone number appears in the function logs")
	}
}
