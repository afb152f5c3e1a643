package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// platformHelperEnv makes this test binary act as `serentak-bench
// fake-platform` (TestPlatformHelperProcess).
const platformHelperEnv = "SERENTAK_TEST_PLATFORM_HELPER"

// TestPlatformHelperProcess is not a test: it is the fake platform when
// TestFloorCallsEachDeliveryOnceAtItsSecond runs this binary as its child.
func TestPlatformHelperProcess(t *testing.T) {
	if os.Getenv(platformHelperEnv) != "1" {
		t.Skip("runs only as the child of TestFloorCallsEachDeliveryOnceAtItsSecond")
	}
	if err := benchPlatformCommand(context.Background(), []string{"-latency", "10ms", "-pages", "3"}, os.Stdin, os.Stdout); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// The floor is a yardstick: it must make every call, once, and none
// before the due second, or the figure it prints beside the drain means
// nothing.
func TestFloorCallsEachDeliveryOnceAtItsSecond(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPlatformHelperProcess$")
	cmd.Env = append(os.Environ(), platformHelperEnv+"=1")
	fake, err := startPlatformProcess(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	opt, err := embeddedForBench()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := platformFloor(context.Background(), opt, fake, 60, 3, 20, time.Second, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lost != 0 || rep.Duplicates != 0 || rep.Early != 0 {
		t.Errorf("lost %d, duplicates %d, early %d; want none", rep.Lost, rep.Duplicates, rep.Early)
	}
	if rep.Throughput <= 0 || rep.LateFirst < 0 || rep.LateP99 < rep.LateFirst {
		t.Errorf("throughput %.0f/s, first %v, p99 %v: not a measurement", rep.Throughput, rep.LateFirst, rep.LateP99)
	}
	// The due second is past the lead and the enqueueing, not at once.
	if rep.LateMax > time.Since(start) {
		t.Errorf("latest call %v after a due second that came after the start, %v ago", rep.LateMax, time.Since(start))
	}
}
