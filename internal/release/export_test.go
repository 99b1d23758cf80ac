package release

// SetHook sets the fault hook for a test; the returned function restores it.
func SetHook(f func(stage string)) (restore func()) {
	old := hook
	hook = f
	return func() { hook = old }
}

const StaleAfter = staleAfter
