package release

import "syscall"

// SetHook sets the fault hook for a test; the returned function restores it.
func SetHook(f func(stage string)) (restore func()) {
	old := hook
	hook = f
	return func() { hook = old }
}

const StaleAfter = staleAfter

// SetInUseErrnos makes errs the errors of a file in use, as Windows's
// sharing violation is; the returned function restores them.
func SetInUseErrnos(errs ...syscall.Errno) (restore func()) {
	old := inUseErrnos
	inUseErrnos = errs
	return func() { inUseErrnos = old }
}

// InUse is inUse, for tests.
var InUse = inUse
