package doctor

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// Names of the checks of the public URL.
const (
	namePublicURL = "public URL"
	nameReachable = "public URL reachable"
	nameRecorded  = "public URL recorded"
)

// fixPublicURL is how to set the public URL.
const fixPublicURL = "serve Roster over https (a TLS-terminating proxy in front of it) and set --public-url https://roster.example.com (env ROSTER_PUBLIC_URL) on every server and command"

// checkPublicURL checks that the public URL is set, valid and https. Plain
// http is a warning on a loopback address (127.0.0.0/8, ::1, localhost),
// which only this machine reaches: trying Roster out. Anywhere else it is a
// failure: secret tokens, sign-in codes and SAML assertions would cross the
// network unencrypted, and Entra ID refuses a tenant URL that is not https.
func (d *Doctor) checkPublicURL() Result {
	r := Result{Name: namePublicURL}
	u := d.cfg.PublicURL
	if u == "" {
		r.Detail = fmt.Sprintf("not set: servers give IdPs http://%s, their listen address", d.cfg.Addr)
		r.Verdict, r.Fix = Fail, fixPublicURL
		if host, _, err := net.SplitHostPort(d.cfg.Addr); err == nil && loopback(host) {
			r.Detail += ", which only this machine reaches: fine for trying Roster out, not for IdPs in the cloud"
			r.Verdict = Warn
		}
		return r
	}
	if err := admin.CheckPublicURL(u); err != nil {
		r.Verdict, r.Detail, r.Fix = Fail, err.Error(), fixPublicURL
		return r
	}
	p, _ := url.Parse(u)
	switch {
	case p.Scheme == "https":
		r.Detail = u
	case loopback(p.Hostname()):
		r.Verdict, r.Fix = Warn, fixPublicURL
		r.Detail = u + " is plain http on a loopback address: fine for trying Roster out on this machine, " +
			"but no IdP in the cloud reaches it and Entra ID requires an https tenant URL"
	default:
		r.Verdict, r.Fix = Fail, fixPublicURL
		r.Detail = u + " is plain http: secret tokens, sign-in codes and SAML assertions cross the network unencrypted, " +
			"and Entra ID refuses a tenant URL that is not https"
	}
	return r
}

// loopback reports whether host names this machine only.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// baseURL returns the URL the servers give IdPs: the public URL, or
// http:// and the listen address (an unspecified host read as 127.0.0.1).
func (d *Doctor) baseURL() string {
	if d.cfg.PublicURL != "" {
		return strings.TrimSuffix(d.cfg.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(d.cfg.Addr)
	if err != nil {
		return "http://" + d.cfg.Addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// readyPath is the readiness check every Roster listener serves
// (internal/health); the public listener answers it too.
const readyPath = "/readyz"

// checkReachable asks the public URL's readiness check, as an IdP would
// reach Roster from this machine: ok when Roster answers ready, a warning
// when it answers not ready, a failure when nothing or something else
// answers.
func (d *Doctor) checkReachable(ctx context.Context) Result {
	r := Result{Name: nameReachable}
	target := d.baseURL() + readyPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		r.Verdict, r.Detail, r.Fix = Fail, fmt.Sprintf("GET %s: %v", target, err), fixPublicURL
		return r
	}
	res, err := d.client.Do(req)
	if err != nil {
		r.Verdict, r.Detail = Fail, fmt.Sprintf("GET %s from this machine: %v", target, err)
		r.Fix = "start roster serve, and check that the DNS name, the proxy and the firewall lead --public-url (env ROSTER_PUBLIC_URL) to its --addr"
		return r
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	switch {
	case res.StatusCode == http.StatusOK && strings.Contains(string(body), "readyz check passed"):
		r.Detail = "GET " + target + ": ready"
	case res.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), "readyz check failed"):
		r.Verdict, r.Detail = Warn, "GET "+target+": Roster answers but is not ready (shutting down, or its database is unreachable or lacks migrations)"
		r.Fix = "read the server's log for \"readiness check failed\""
	default:
		r.Verdict, r.Detail = Fail, fmt.Sprintf("GET %s: %s, not Roster's readiness check: something else answers at the public URL", target, res.Status)
		r.Fix = "point the proxy or DNS name of --public-url (env ROSTER_PUBLIC_URL) at roster serve's --addr, or set --public-url to the URL that does"
	}
	return r
}

// checkRecordedURL compares the public URL with the one the last server to
// start recorded, which the console and the CLI print in what operators
// register at IdPs.
func (d *Doctor) checkRecordedURL(ctx context.Context, db Database) Result {
	r := Result{Name: nameRecorded}
	recorded, err := db.PublicURL(ctx)
	switch {
	case roster.ErrorCode(err) == roster.ENOTFOUND:
		r.Verdict, r.Detail, r.Fix = Warn, "no server has recorded its public URL: none has started on this database", "start roster serve"
		return r
	case err != nil:
		r.Verdict, r.Detail = Fail, "cannot read it: "+err.Error()
		return r
	}
	want := d.baseURL()
	if recorded != want {
		r.Verdict = Warn
		r.Detail = fmt.Sprintf("the last server to start recorded %s, this configuration gives %s: "+
			"the console and roster sso get print the server's in what IdPs are given", recorded, want)
		r.Fix = "give every server and command the same --public-url (env ROSTER_PUBLIC_URL), then restart the servers"
		return r
	}
	r.Detail = "the servers record " + recorded
	return r
}
