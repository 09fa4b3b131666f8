package console

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// webhooksView is a tenant's events and webhooks page: its recent events,
// newest first, and the endpoints its events go to.
type webhooksView struct {
	// Type is the type of the events shown, "" for all; Types every type.
	Type   string
	Types  []string
	Events []*roster.Event
	// Next is the URL of the next (older) page of events, "" on the last one.
	Next     template.URL
	Webhooks []webhookRow
	Form     webhookForm
	// NewSecret is the signing secret of the webhook just added (New), shown
	// this once.
	NewSecret string
	New       *admin.Webhook
}

// webhookRow is an endpoint as the page lists it.
type webhookRow struct {
	*admin.Webhook
	State deliveryState
	Last  *deliveryRow // its newest delivery attempt, nil for none yet
}

// deliveryState says how delivery to an endpoint goes.
type deliveryState struct {
	Label  string // ok, retrying or failing
	Class  string // the badge's: ok, warn or bad
	Detail string // since when, the next attempt, the last error
}

func stateOf(w *roster.Webhook) deliveryState {
	switch {
	case !w.Failed.IsZero():
		return deliveryState{"failing", "bad", fmt.Sprintf("Failing since %s: %s. Delivery waits for a resume.",
			at(w.FailingSince), w.LastError)}
	case w.Attempts > 0:
		return deliveryState{"retrying", "warn", fmt.Sprintf("%d failed attempts since %s, next at %s: %s.",
			w.Attempts, at(w.FailingSince), at(w.NextAttempt), w.LastError)}
	}
	return deliveryState{Label: "ok", Class: "ok"}
}

// deliveryRow is a delivery attempt with its time and duration as shown.
type deliveryRow struct {
	*roster.Delivery
	At, Took string
}

func deliveryRowOf(d *roster.Delivery) *deliveryRow {
	return &deliveryRow{Delivery: d, At: at(d.Time), Took: d.Duration.Round(time.Millisecond).String()}
}

// at prints a time to the second in UTC.
func at(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// webhookForm is the form adding an endpoint, as sent, with its error.
type webhookForm struct {
	URL   string
	Types []typeChoice
	From  string
	Error string
}

// typeChoice is an event type's checkbox.
type typeChoice struct {
	Type    string
	Checked bool
}

func newWebhookForm(url, from string, checked []string) webhookForm {
	f := webhookForm{URL: url, From: from}
	for _, typ := range roster.EventTypes {
		f.Types = append(f.Types, typeChoice{typ, slices.Contains(checked, typ)})
	}
	return f
}

func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) error {
	return s.renderWebhooks(w, r, http.StatusOK, webhooksView{Form: newWebhookForm("", "now", nil)})
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, v webhooksView) error {
	t, hooks, err := s.admin.TenantWebhooks(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	q := roster.EventQuery{TenantID: t.ID, Newest: true, Limit: pageSize + 1}
	if v.Type = r.URL.Query().Get("type"); v.Type != "" {
		if !slices.Contains(roster.EventTypes, v.Type) {
			return roster.Errorf(roster.EINVALID, "type %q: no such event type", v.Type)
		}
		q.Types = []string{v.Type}
	}
	if b := r.URL.Query().Get("before"); b != "" {
		if q.Before, err = strconv.ParseInt(b, 10, 64); err != nil || q.Before <= 0 {
			return roster.Errorf(roster.EINVALID, "before %q: not a cursor", b)
		}
	}
	es, err := s.store.Events(r.Context(), q)
	if err != nil {
		return err
	}
	if len(es) > pageSize {
		es = es[:pageSize]
		v.Next = nextPage(r, "before", strconv.FormatInt(es[len(es)-1].Seq, 10))
	}
	v.Events, v.Types = es, roster.EventTypes
	for _, h := range hooks {
		row := webhookRow{Webhook: h, State: stateOf(h.Webhook)}
		ds, err := s.store.Deliveries(r.Context(), h.ID, 1)
		if err != nil {
			return err
		}
		if len(ds) > 0 {
			row.Last = deliveryRowOf(ds[0])
		}
		v.Webhooks = append(v.Webhooks, row)
	}
	p := page{Title: "Events and webhooks", Tenant: t, Tab: "webhooks", Data: v}
	if r.URL.Query().Get("removed") != "" {
		p.Flash = "Webhook removed, with its delivery attempts."
	}
	return s.render(w, r, status, "webhooks", p)
}

// handleWebhookAdd adds an endpoint for the tenant's events and shows its
// signing secret on the page it answers with, once: it is never put in a URL.
func (s *Server) handleWebhookAdd(w http.ResponseWriter, r *http.Request) error {
	form := newWebhookForm(strings.TrimSpace(r.PostFormValue("url")), r.PostFormValue("from"), r.PostForm["types"])
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	secret, added, err := s.admin.AddWebhook(r.Context(), admin.NewWebhook{URL: form.URL, Tenant: t.ID, Types: r.PostForm["types"], From: form.From})
	if roster.ErrorCode(err) == roster.EINVALID {
		form.Error = err.Error()
		return s.renderWebhooks(w, r, http.StatusUnprocessableEntity, webhooksView{Form: form})
	}
	if err != nil {
		return err
	}
	return s.renderWebhooks(w, r, http.StatusOK, webhooksView{Form: newWebhookForm("", "now", nil), NewSecret: secret, New: added})
}

// webhookView is one endpoint's page: its state, its recent delivery
// attempts and the forms acting on it.
type webhookView struct {
	Webhook    *admin.Webhook
	State      deliveryState
	Deliveries []*deliveryRow
	// Test is the answer to the test message just sent, nil for none.
	Test        *admin.WebhookTest
	ReplayFrom  string
	ReplayError string
	RemoveError string
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) error {
	return s.renderWebhook(w, r, http.StatusOK, webhookView{})
}

func (s *Server) renderWebhook(w http.ResponseWriter, r *http.Request, status int, v webhookView) error {
	t, hook, err := s.tenantWebhook(r)
	if err != nil {
		return err
	}
	ds, err := s.store.Deliveries(r.Context(), hook.ID, pageSize)
	if err != nil {
		return err
	}
	for _, d := range ds {
		v.Deliveries = append(v.Deliveries, deliveryRowOf(d))
	}
	v.Webhook, v.State = hook, stateOf(hook.Webhook)
	p := page{Title: "Webhook", Tenant: t, Tab: "webhooks", Data: v}
	q := r.URL.Query()
	if q.Get("resumed") != "" {
		p.Flash = "Resumed: delivery starts again after its cursor."
	}
	if cursor, err := strconv.ParseInt(q.Get("replayed"), 10, 64); err == nil {
		p.Flash = fmt.Sprintf("Replay: the events after cursor %d are delivered again.", cursor)
	}
	return s.render(w, r, status, "webhook", p)
}

// tenantWebhook returns the tenant and the webhook of r's path: a webhook
// receiving that tenant's events, its own or every tenant's. ENOTFOUND.
func (s *Server) tenantWebhook(r *http.Request) (*roster.Tenant, *admin.Webhook, error) {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return nil, nil, err
	}
	hook, err := s.admin.Webhook(r.Context(), r.PathValue("webhook"))
	if err != nil {
		return nil, nil, err
	}
	if hook.TenantID != "" && hook.TenantID != t.ID {
		return nil, nil, roster.Errorf(roster.ENOTFOUND, "tenant %s has no webhook %s", t.Name, hook.ID)
	}
	return t, hook, nil
}

// handleWebhookTest sends a test message and shows what the endpoint answered.
func (s *Server) handleWebhookTest(w http.ResponseWriter, r *http.Request) error {
	_, hook, err := s.tenantWebhook(r)
	if err != nil {
		return err
	}
	res, err := s.admin.TestWebhook(r.Context(), hook.ID)
	if err != nil {
		return err
	}
	return s.renderWebhook(w, r, http.StatusOK, webhookView{Test: &res})
}

func (s *Server) handleWebhookResume(w http.ResponseWriter, r *http.Request) error {
	t, hook, err := s.tenantWebhook(r)
	if err != nil {
		return err
	}
	if _, err := s.admin.Resume(r.Context(), hook.ID); err != nil {
		return err
	}
	http.Redirect(w, r, s.webhookPath(t, hook)+"?resumed=1", http.StatusSeeOther)
	return nil
}

func (s *Server) handleWebhookReplay(w http.ResponseWriter, r *http.Request) error {
	t, hook, err := s.tenantWebhook(r)
	if err != nil {
		return err
	}
	from := strings.TrimSpace(r.PostFormValue("from"))
	cursor, err := s.admin.Replay(r.Context(), hook.ID, from)
	if roster.ErrorCode(err) == roster.EINVALID {
		return s.renderWebhook(w, r, http.StatusUnprocessableEntity, webhookView{ReplayFrom: from, ReplayError: err.Error()})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.webhookPath(t, hook)+"?replayed="+strconv.FormatInt(cursor, 10), http.StatusSeeOther)
	return nil
}

// handleWebhookRemove removes an endpoint once the form's box is ticked.
func (s *Server) handleWebhookRemove(w http.ResponseWriter, r *http.Request) error {
	t, hook, err := s.tenantWebhook(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return s.renderWebhook(w, r, http.StatusUnprocessableEntity, webhookView{RemoveError: "Tick the box to confirm the removal."})
	}
	if err := s.admin.RemoveWebhook(r.Context(), hook.ID); err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "/webhooks")+"?removed=1", http.StatusSeeOther)
	return nil
}

// webhookPath is the path of the webhook's page under the tenant t.
func (s *Server) webhookPath(t *roster.Tenant, hook *admin.Webhook) string {
	return s.tenantPath(t, "/webhooks/"+hook.ID)
}
