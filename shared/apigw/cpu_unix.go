//go:build unix

package apigw

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the process has used so far. A Lambda instance
// serves one request at a time, so the difference across a request is that request's CPU,
// its garbage collection included: what the bench prices as Lambda duration.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
