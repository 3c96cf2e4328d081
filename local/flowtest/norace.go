//go:build !race

package flowtest

const raceDetector = false
