package main

import (
	"fmt"
	"strings"
)

// checkMigrateArgs refuses anything after migrate but "status", before
// the database is opened (which applies the pending migrations).
func checkMigrateArgs(args []string) error {
	if len(args) == 0 || len(args) == 1 && args[0] == "status" {
		return nil
	}
	return fmt.Errorf("migrate takes no argument, or status; not %q", strings.Join(args, " "))
}

// isMigrateStatus reports whether args are `migrate status`, which opens
// the database without applying the pending migrations it lists.
func isMigrateStatus(args []string) bool {
	return len(args) == 2 && args[0] == "migrate" && args[1] == "status"
}
