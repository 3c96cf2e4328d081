//go:build !linux

package proc

import "syscall"

// setParentDeathSignal is a no-op where the OS has no parent-death signal: the host's own
// signal handling and deferred cleanup stop its children.
func setParentDeathSignal(*syscall.SysProcAttr) {}
