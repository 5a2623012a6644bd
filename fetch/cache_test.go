package fetch

import "testing"

func TestBlobCacheEvictsLeastRecentlyUsed(t *testing.T) {
	entry := int64(len("a")+len("t")+len("aaaa")) + cacheEntryOverhead // what one entry below costs
	c := newBlobCache(2*entry + entry/2)
	c.put("a", "t", []byte("aaaa"))
	c.put("b", "t", []byte("bbbb"))
	if _, _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", "t", []byte("cccc")) // three entries exceed the limit: b goes
	for _, tc := range []struct {
		key  string
		want bool
	}{{"a", true}, {"b", false}, {"c", true}} {
		if _, _, ok := c.get(tc.key); ok != tc.want {
			t.Errorf("get(%q) present = %v, want %v", tc.key, ok, tc.want)
		}
	}
	c.put("big", "t", make([]byte, c.limit)) // larger than the whole cache: not kept
	if _, _, ok := c.get("big"); ok || c.size > c.limit {
		t.Errorf("oversized entry kept, size %d of %d", c.size, c.limit)
	}
}

// TestBlobCacheCountsBookkeeping: entries smaller than their own index
// still fill the cache, so that its limit bounds its memory.
func TestBlobCacheCountsBookkeeping(t *testing.T) {
	c := newBlobCache(10 * cacheEntryOverhead)
	for i := range 100 {
		c.put(string(rune('a'+i%26))+string(rune('0'+i/26)), "t", []byte("x"))
	}
	if n := len(c.index); n >= 10 || c.size > c.limit {
		t.Errorf("%d one-byte entries kept in a cache of %d bytes (size %d)", n, c.limit, c.size)
	}
}

func TestBlobCacheDisabled(t *testing.T) {
	c := newBlobCache(0)
	c.put("a", "t", []byte("a"))
	if _, _, ok := c.get("a"); ok {
		t.Error("a disabled cache returned content")
	}
}
