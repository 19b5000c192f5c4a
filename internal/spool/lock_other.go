//go:build !unix

package spool

// tryLock has no portable advisory lock to use here; the spool relies on
// the documented rule of one process per Dir.
func tryLock(f file) error { return nil }
