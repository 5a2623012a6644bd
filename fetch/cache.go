package fetch

import (
	"container/list"
	"sync"
)

// blobCache keeps digest-addressed content (manifests fetched by digest,
// signature blobs) in memory, bounded by total bytes — each entry's body,
// key and bookkeeping, since signature blobs are often smaller than what
// it takes to index them — least recently used evicted first. Keys include the registry and repository: content is only
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

// cacheEntryOverhead approximates what an entry costs beside its body and
// key: its list element, its cacheEntry and its slot in the index.
const cacheEntryOverhead = 192

func (e *cacheEntry) cost() int64 {
	return int64(len(e.body)+len(e.key)+len(e.mediaType)) + cacheEntryOverhead
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
	if c == nil {
		return
	}
	entry := &cacheEntry{key: key, mediaType: mediaType, body: body}
	if entry.cost() > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.index[key]; ok {
		return
	}
	c.index[key] = c.order.PushFront(entry)
	c.size += entry.cost()
	for c.size > c.limit {
		oldest := c.order.Back()
		e := oldest.Value.(*cacheEntry)
		c.order.Remove(oldest)
		delete(c.index, e.key)
		c.size -= e.cost()
	}
}
