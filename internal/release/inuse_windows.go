package release

import "syscall"

// inUseErrnos are the errors Windows gives for a file that another program
// holds open without sharing it (a dump still being written): opening it
// for reading, renaming or deleting it fails with ERROR_SHARING_VIOLATION
// (or ERROR_LOCK_VIOLATION for a locked range).
var inUseErrnos = []syscall.Errno{
	32, // ERROR_SHARING_VIOLATION
	33, // ERROR_LOCK_VIOLATION
}
