package simulate

import (
	"fmt"
	"reflect"
)

// diff is "" when want and got are deeply equal, else both values.
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("want %#v\n got %#v", want, got)
}
