//go:build bench_phonenumbers

package main

// libphonenumber's metadata is parsed in package init (shared/phone is built on the library).
import _ "github.com/nyaruka/phonenumbers"
