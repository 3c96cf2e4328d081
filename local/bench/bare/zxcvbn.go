//go:build bench_zxcvbn

package main

// zxcvbn's dictionaries are loaded in package init (shared/secret/strength is built on it).
import _ "github.com/ccojocar/zxcvbn-go"
