//go:build bench_webauthn

package main

// go-webauthn registers its attestation formats and COSE algorithms in package init
// (shared/passkey/ceremony is built on it; only the functions that run passkey ceremonies link it).
import _ "github.com/go-webauthn/webauthn/webauthn"
