package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/wallet-accounts/wallet/shared/account"
	"github.com/wallet-accounts/wallet/shared/idv"
)

// webhookTimeout bounds one delivery of a case to the vendor, well inside REQUEST_TIMEOUT.
const webhookTimeout = 3 * time.Second

// webhook is the webhook provider: it POSTs each new case to the vendor's URL, signed as the
// vendor's callbacks are (idv.Sign), and takes any 2xx as accepted.
type webhook struct {
	url    string
	key    []byte
	clock  account.Clock
	client *http.Client
}

// caseMessage is what the vendor gets of a case: the only place the document number goes.
type caseMessage struct {
	VerificationID string `json:"verificationId"`
	DocumentType   string `json:"documentType"`
	DocumentNumber string `json:"documentNumber"`
	Name           string `json:"name"`
	Nationality    string `json:"nationality"`
	CallbackURL    string `json:"callbackUrl"`
}

func (webhook) Name() string { return idv.ProviderWebhook }

// Submit delivers the case; a transport error or a status other than 2xx is an error (which
// never names the document).
func (w webhook) Submit(ctx context.Context, s idv.Submission) error {
	body, err := json.Marshal(caseMessage{VerificationID: s.Case.ID, DocumentType: s.Case.DocumentType,
		DocumentNumber: s.DocumentNumber, Name: s.Name, Nationality: s.Case.Nationality, CallbackURL: s.CallbackURL})
	if err != nil {
		return fmt.Errorf("encode case: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	ts, sig := idv.Sign(w.key, w.clock.Now(), body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(idv.HeaderTimestamp, ts)
	req.Header.Set(idv.HeaderSignature, sig)
	res, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: vendor answered %d", res.StatusCode)
	}
	return nil
}
