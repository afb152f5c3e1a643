//go:build !unix

package main

import "time"

// processCPU is not measured here; bench then reports 0.
func processCPU() time.Duration { return 0 }
