package console

import (
	"encoding/json"
	"html/template"
	"net/http"

	"github.com/rosterhq/roster"
)

// driftView is a tenant's drift page: the attributes of its users that the
// policy gives the app or takes at create only and whose value differs from
// what the IdP last sent, a page of users at a time.
type driftView struct {
	Rows []driftRow
	// First is true on the first page, where no rows means no drift at all.
	First bool
	// Next is the URL of the next page, "" on the last one.
	Next template.URL
}

// driftRow is one drifted attribute with both values as JSON text; App or
// IdP is "" when that side holds none.
type driftRow struct {
	roster.Drift
	App, IdP string
}

func (s *Server) handleDrift(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	after := r.URL.Query().Get("after")
	if len(after) > maxCursor {
		return roster.Errorf(roster.EINVALID, "the page cursor is too long")
	}
	d, err := s.admin.DriftReport(r.Context(), t.ID, after, pageSize)
	if err != nil {
		return err
	}
	v := driftView{Rows: driftRows(d.Drift), First: after == ""}
	if d.Next != "" {
		v.Next = nextPage(r, "after", d.Next)
	}
	return s.render(w, r, http.StatusOK, "drift", page{Title: "Drift", Tenant: t, Tab: "drift", Data: v})
}

// maxCursor bounds the cursor of a drift page: a user id.
const maxCursor = 128

// driftRows are ds with their values as JSON text.
func driftRows(ds []roster.Drift) []driftRow {
	rows := make([]driftRow, len(ds))
	for i, d := range ds {
		rows[i] = driftRow{Drift: d, App: driftValue(d.App), IdP: driftValue(d.IdP)}
	}
	return rows
}

// driftValue prints v as compact JSON, "" for none.
func driftValue(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "(not JSON)"
	}
	return string(b)
}
