package policy

import (
	"strings"

	"github.com/rosterhq/roster"
)

// FolderIndex finds a tenant's folders by id or by external id. A nil
// *FolderIndex holds no folders.
type FolderIndex struct {
	byID  map[string]*roster.Folder
	byExt map[string]*roster.Folder
}

// NewFolderIndex indexes folders.
func NewFolderIndex(folders []*roster.Folder) *FolderIndex {
	x := &FolderIndex{byID: make(map[string]*roster.Folder, len(folders)), byExt: make(map[string]*roster.Folder, len(folders))}
	for _, f := range folders {
		x.byID[f.ID] = f
		if f.ExternalID != "" {
			x.byExt[strings.ToLower(f.ExternalID)] = f
		}
	}
	return x
}

// Find returns the folder whose id is v, else the folder whose external id
// is v in any case.
func (x *FolderIndex) Find(v string) (*roster.Folder, bool) {
	if x == nil {
		return nil, false
	}
	if f, ok := x.byID[v]; ok {
		return f, true
	}
	f, ok := x.byExt[strings.ToLower(v)]
	return f, ok
}

// resolve splits values into the folders they name, each once, and the
// values that name none.
func (x *FolderIndex) resolve(values []string) (found []*roster.Folder, missing []string) {
	seen := map[string]bool{}
	for _, v := range values {
		f, ok := x.Find(v)
		if !ok {
			missing = append(missing, v)
			continue
		}
		if !seen[f.ID] {
			seen[f.ID] = true
			found = append(found, f)
		}
	}
	return found, missing
}
