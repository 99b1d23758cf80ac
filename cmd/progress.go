package cmd

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows bytes, throughput and files on a terminal, and nothing
// anywhere else.
type progress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	files int
	total int
}

func newProgress(w io.Writer, bytes int64, files int, quiet bool) *progress {
	p := &progress{total: files}
	f, ok := w.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return p
	}
	p.bar = progressbar.NewOptions64(max(bytes, 1),
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("scanning"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth(),
	)
	return p
}

// add counts n more bytes scanned; safe for concurrent use.
func (p *progress) add(n int64) {
	if p.bar != nil {
		p.mu.Lock()
		p.bar.Add64(n)
		p.mu.Unlock()
	}
}

func (p *progress) fileDone() {
	if p.bar != nil {
		p.mu.Lock()
		p.files++
		p.bar.Describe(fmt.Sprintf("scanning %d/%d files", p.files, p.total))
		p.mu.Unlock()
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
