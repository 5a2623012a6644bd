package audit

import (
	"fmt"
	"strings"
	"time"
)

// barWidth is the width of the progress bar in characters.
const barWidth = 30

// Line renders the progress after elapsed: a bar, images done out of the
// images to decide (known once the input is read), the rate and the time
// left. It fits one terminal line.
func (p *Progress) Line(elapsed time.Duration) string {
	done, queued := p.Done.Load(), p.Queued.Load()
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	if !p.InputDone.Load() {
		return fmt.Sprintf("%d images done, %d queued so far (input still being read)  %.0f/s", done, queued, rate)
	}
	filled := barWidth
	if queued > 0 {
		filled = int(int64(barWidth) * done / queued)
	}
	eta := "--"
	if rate > 0 {
		eta = (time.Duration(float64(queued-done)/rate) * time.Second).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %d/%d images  %.0f/s  ETA %s", strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), done, queued, rate, eta)
}
