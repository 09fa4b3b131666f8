package roster

import "encoding/json"

// Changed returns the old values of the top-level attributes whose values
// differ between two versions of a resource document (nil for an attribute old
// did not have). Values are compared as JSON, so that 1 (float64) and 1
// (json.Number) are equal. Events carry it as "previous"; the provisioning log
// pairs it with the new values.
func Changed(old, new map[string]any) map[string]any {
	prev := map[string]any{}
	for k, ov := range old {
		nv, ok := new[k]
		if !ok || !sameJSON(ov, nv) {
			prev[k] = ov
		}
	}
	for k := range new {
		if _, ok := old[k]; !ok {
			prev[k] = nil
		}
	}
	return prev
}

func sameJSON(a, b any) bool {
	ab, errA := json.Marshal(a)
	bb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ab) == string(bb)
}
