//go:build race

package breach

// schedRaceSeeds caps TestSchedInterleavings under the race detector,
// which makes every step several times slower.
const schedRaceSeeds = 400
