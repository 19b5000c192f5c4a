//go:build !race

package breach

// schedRaceSeeds caps TestSchedInterleavings; see sched_race_test.go.
const schedRaceSeeds = 1 << 30
