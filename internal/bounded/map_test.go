package bounded

import (
	"sync"
	"testing"
)

func TestMapBoundAndValues(t *testing.T) {
	m := New[int, string](3)
	for i := range 3 {
		m.Put(i, "v")
	}
	m.Put(1, "w") // an existing key never empties the map
	if got := m.Len(); got != 3 {
		t.Fatalf("Len after overwrite = %d, want 3", got)
	}
	if v, ok := m.Get(1); !ok || v != "w" {
		t.Fatalf("Get(1) = %q, %v", v, ok)
	}
	m.Put(3, "x") // full: emptied, then stored
	if got := m.Len(); got != 1 {
		t.Fatalf("Len after overflow = %d, want 1", got)
	}
	if _, ok := m.Get(0); ok {
		t.Error("old entry survived the overflow")
	}
	if v, ok := m.Get(3); !ok || v != "x" {
		t.Errorf("Get(3) = %q, %v", v, ok)
	}
}

func TestMapConcurrent(t *testing.T) {
	m := New[int, int](16)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				m.Put(g*1000+i, i)
				if v, ok := m.Get(g*1000 + i); ok && v != i {
					t.Errorf("Get returned %d for %d", v, i)
				}
				if m.Len() > 16 {
					t.Errorf("Len %d exceeds the bound", m.Len())
				}
			}
		}()
	}
	wg.Wait()
}
