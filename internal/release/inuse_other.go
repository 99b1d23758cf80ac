//go:build !windows

package release

import "syscall"

// inUseErrnos are the errors of opening or removing a file that another
// program holds open: none where a file can always be opened and unlinked.
var inUseErrnos []syscall.Errno
