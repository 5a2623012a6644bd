package fetch

import "testing"

func TestBlobCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newBlobCache(10)
	c.put("a", "t", []byte("aaaa"))
	c.put("b", "t", []byte("bbbb"))
	if _, _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", "t", []byte("cccc")) // 12 bytes > 10: b goes
	for _, tc := range []struct {
		key  string
		want bool
	}{{"a", true}, {"b", false}, {"c", true}} {
		if _, _, ok := c.get(tc.key); ok != tc.want {
			t.Errorf("get(%q) present = %v, want %v", tc.key, ok, tc.want)
		}
	}
	c.put("big", "t", make([]byte, 11)) // larger than the whole cache: not kept
	if _, _, ok := c.get("big"); ok || c.size > c.limit {
		t.Errorf("oversized entry kept, size %d of %d", c.size, c.limit)
	}
}

func TestBlobCacheDisabled(t *testing.T) {
	c := newBlobCache(0)
	c.put("a", "t", []byte("a"))
	if _, _, ok := c.get("a"); ok {
		t.Error("a disabled cache returned content")
	}
}
