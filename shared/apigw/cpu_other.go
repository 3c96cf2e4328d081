//go:build !unix

package apigw

import "time"

// processCPU is not measured off Unix (Lambda runs Linux): cpu_ms is then 0.
func processCPU() time.Duration { return 0 }
