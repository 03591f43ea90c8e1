//go:build !unix

package dynamodb

import "os"

// Without flock the directory is not protected against a second server;
// the local stack only runs on unix-like systems.
func lockExclusive(*os.File) error { return nil }

func unlock(*os.File) {}
