//go:build unix

package policy

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwner refuses a file owned by another user than the one running.
func checkOwner(st fs.FileInfo) error {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Geteuid(); int(s.Uid) != uid && s.Uid != 0 {
		return fmt.Errorf("owned by uid %d, not by root or by uid %d running dumpguard", s.Uid, uid)
	}
	return nil
}
