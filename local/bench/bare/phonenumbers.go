//go:build bench_phonenumbers

package main

// libphonenumber's metadata is parsed in package init (DESIGN §1 mandates the library).
import _ "github.com/nyaruka/phonenumbers"
