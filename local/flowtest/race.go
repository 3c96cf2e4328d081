//go:build race

package flowtest

const raceDetector = true
