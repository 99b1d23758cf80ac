//go:build !windows

package release

import "os"

// SyncDir makes a rename or removal in dir durable. A directory that cannot
// be synced (some network and FUSE filesystems refuse) is no error: the
// rename is then as durable as that filesystem makes it.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
