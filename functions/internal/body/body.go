// Package body holds the request-body parts that several handlers decode: the device a request
// comes from, a security answer, a passkey's answer. Their API names are written here once, in the JSON tags, and
// each converts to the flow type it stands for. Being internal, only functions/* can use it.
package body

import (
	"encoding/json"

	"github.com/wallet-accounts/wallet/shared/factor"
	"github.com/wallet-accounts/wallet/shared/passkey"
	"github.com/wallet-accounts/wallet/shared/session"
)

// Device is the device a request comes from: session.DeviceInput as the API spells it.
type Device struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
	Secret   string `json:"secret"` // the deviceSecret the device's last sign-in or signup gave it
}

// Input is d as the flows take it; a nil d (no device sent) stays nil.
func (d *Device) Input() *session.DeviceInput {
	return (*session.DeviceInput)(d)
}

// Answer is one security question and its answer as the API spells it: factor.Answer, and
// signup.AnswerInput at signup.
type Answer struct {
	QuestionID string `json:"questionId"`
	Answer     string `json:"answer"`
}

// Answers is in as the recovery flows take it.
func Answers(in []Answer) []factor.Answer {
	out := make([]factor.Answer, len(in))
	for i, a := range in {
		out[i] = factor.Answer(a)
	}
	return out
}

// Passkey is a passkey's answer as a request carries it: the ceremony the options opened (POST
// /v1/sessions/passkey/options) and the PublicKeyCredential's JSON.
type Passkey struct {
	CeremonyID string          `json:"ceremonyId"`
	Credential json.RawMessage `json:"credential"`
}

// Answer is p as the flows take it; a nil p (no passkey sent) stays nil.
func (p *Passkey) Answer() *passkey.Answer {
	if p == nil {
		return nil
	}
	return &passkey.Answer{CeremonyID: p.CeremonyID, Credential: p.Credential}
}
