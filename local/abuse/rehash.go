package abuse

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wallet-accounts/wallet/local/flowtest"
	"github.com/wallet-accounts/wallet/local/stacktest"
	"github.com/wallet-accounts/wallet/shared/secret"
)

// Rehash rewrites the login, payment and answer hashes of an account made by flowtest (cheap
// argon2id parameters) with h, so that checking its secrets costs what the dummy checks of an
// unknown number cost with h. The answers live in an item of their own (ANSWERS).
func Rehash(t testing.TB, db *dynamodb.Client, table string, a flowtest.Account, h *secret.Hasher) {
	t.Helper()
	item := stacktest.GetItem(t, db, table, "ACCOUNT#"+a.ID, "ACCOUNT")
	var err error
	if item["loginHash"], err = h.Hash(a.Password); err != nil {
		t.Fatal(err)
	}
	if item["paymentHash"], err = h.HashPeppered(a.PaymentPassword); err != nil {
		t.Fatal(err)
	}
	stacktest.PutItem(t, db, table, item)
	item = stacktest.GetItem(t, db, table, "ACCOUNT#"+a.ID, "ANSWERS")
	answers, _ := item["answers"].([]any)
	for _, ans := range answers {
		ans := ans.(map[string]any)
		if ans["h"], err = h.HashPeppered(secret.NormalizeAnswer(a.Answers[ans["q"].(string)])); err != nil {
			t.Fatal(err)
		}
	}
	if len(answers) > 0 {
		stacktest.PutItem(t, db, table, item)
	}
}
