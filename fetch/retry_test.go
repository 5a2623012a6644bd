package fetch

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		desc, header string
		min, max     time.Duration
	}{
		{"absent", "", 0, 0},
		{"seconds", "3", 3 * time.Second, 3 * time.Second},
		{"zero", "0", 0, 0},
		{"negative", "-5", 0, 0},
		{"huge is capped, never negative", "99999999999999", 24 * time.Hour, 24 * time.Hour},
		{"HTTP date in the future", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 59 * time.Minute, time.Hour},
		{"HTTP date in the past", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
		{"garbage", "soon", 0, 0},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := parseRetryAfter(tc.header); got < tc.min || got > tc.max {
				t.Errorf("parseRetryAfter(%q) = %v, want within [%v, %v]", tc.header, got, tc.min, tc.max)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		desc       string
		attempt    int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"first retry", 1, 0, 100 * time.Millisecond},
		{"doubles", 3, 0, 400 * time.Millisecond},
		{"capped", 10, 0, 2 * time.Second},
		{"far attempts do not overflow", 80, 0, 2 * time.Second},
		{"server's wish wins", 1, 5 * time.Second, 5 * time.Second},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := backoff(tc.attempt, tc.retryAfter); got != tc.want {
				t.Errorf("backoff(%d, %v) = %v, want %v", tc.attempt, tc.retryAfter, got, tc.want)
			}
		})
	}
}
