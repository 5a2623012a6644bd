package fetch

import (
	"container/list"
	"sync"
)

// blobCache keeps digest-addressed content (manifests fetched by digest,
// signature blobs) in memory, bounded by total bytes, least recently used
// evicted first. Keys include the registry and repository: content is only
// served again to requests for the repository it was read from.
type blobCache struct {
	mu    sync.Mutex
	limit int64
	size  int64
	order *list.List // of *cacheEntry, most recent first
	index map[string]*list.Element
}

type cacheEntry struct {
	key       string
	mediaType string
	body      []byte
}

func newBlobCache(limit int64) *blobCache {
	if limit == 0 {
		return nil
	}
	return &blobCache{limit: limit, order: list.New(), index: map[string]*list.Element{}}
}

// get returns the cached content for key; a nil cache holds nothing.
func (c *blobCache) get(key string) (mediaType string, body []byte, ok bool) {
	if c == nil {
		return "", nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.index[key]
	if !ok {
		return "", nil, false
	}
	c.order.MoveToFront(el)
	e := el.Value.(*cacheEntry)
	return e.mediaType, e.body, true
}

// put stores content that was verified against its digest. Callers must not
// modify body afterwards.
func (c *blobCache) put(key, mediaType string, body []byte) {
	if c == nil || int64(len(body)) > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.index[key]; ok {
		return
	}
	c.index[key] = c.order.PushFront(&cacheEntry{key: key, mediaType: mediaType, body: body})
	c.size += int64(len(body))
	for c.size > c.limit {
		oldest := c.order.Back()
		e := oldest.Value.(*cacheEntry)
		c.order.Remove(oldest)
		delete(c.index, e.key)
		c.size -= int64(len(e.body))
	}
}
