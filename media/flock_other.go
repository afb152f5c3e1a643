//go:build !unix

package media

import "os"

// tryFileLock: without flock, the in-process lock is all there is; run one
// API process for resumable uploads on such systems.
func tryFileLock(*os.File) (bool, error) { return true, nil }
