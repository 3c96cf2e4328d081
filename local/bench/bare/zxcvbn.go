//go:build bench_zxcvbn

package main

// zxcvbn's dictionaries are loaded in package init (DESIGN §1 mandates the library).
import _ "github.com/ccojocar/zxcvbn-go"
