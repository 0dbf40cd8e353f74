package serve

import (
	"sync"
	"time"
)

// limiter is a token bucket per caller key.
type limiter struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

const maxBuckets = 100000

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, buckets: map[string]*bucket{}}
}

// take spends cost tokens of key's bucket (rate per second, burst at most);
// when it cannot, it says how long until it could.
func (l *limiter) take(key string, rate float64, burst, cost int) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now, rate, burst)
		}
		b = &bucket{tokens: float64(burst), last: now}
		l.buckets[key] = b
	}
	b.tokens = min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if c := float64(cost); b.tokens >= c {
		b.tokens -= c
		return 0, true
	}
	if cost > burst {
		return time.Duration(float64(cost) / rate * float64(time.Second)), false
	}
	return time.Duration((float64(cost) - b.tokens) / rate * float64(time.Second)), false
}

// sweep drops buckets that have refilled (they hold no state worth keeping).
func (l *limiter) sweep(now time.Time, rate float64, burst int) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*rate >= float64(burst) {
			delete(l.buckets, k)
		}
	}
}
