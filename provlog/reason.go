package provlog

import (
	"errors"
	"strings"

	"github.com/rosterhq/roster"
)

// Reason explains a failure to the IdP admin who reads the provisioning log.
type Reason struct {
	Code        string
	Status      int
	Explanation string // what happened, in the admin's terms
	Action      string // what to do about it
}

// Reasons is the catalog, in the order of docs/errors.md.
var Reasons = []Reason{
	{"token_missing", 401, "The request carried no credential.",
		"In Entra ID, Provisioning > Admin Credentials: paste the Secret Token Roster issued (roster token create) and click Test Connection."},
	{"token_scheme", 401, "The Authorization header used a scheme other than Bearer or Basic.",
		"Send the token as \"Authorization: Bearer <token>\"; Entra ID does this when the token is in the Secret Token field."},
	{"token_whitespace", 401, "The token had spaces or line breaks around or inside it, usually from copying it out of a terminal or a document.",
		"Paste the token again as one line without spaces; the row shows the tenant when the token without the spaces is valid."},
	{"token_empty", 401, "The Bearer token was empty.",
		"Fill the Secret Token field."},
	{"token_client_secret", 401, "An OAuth client's secret (rss_) was sent as a bearer token: it is not one, but buys access tokens at the token endpoint.",
		"Set the IdP's authentication to OAuth 2.0 client credentials with the client id, the secret and the token endpoint /oauth2/token (see docs/oauth.md); or create a secret token (roster token create) for the Secret Token field."},
	{"token_client_invalid", 401, "A request to the token endpoint named an unknown client, one that is not an OAuth client, or the wrong client secret.",
		"Copy the client_id and client_secret that roster token create --oauth printed into the IdP again; roster token list --tenant NAME shows the tenant's clients (kind oauth)."},
	{"token_request_invalid", 400, "A request to the token endpoint was malformed: not a form, a parameter repeated, no grant_type or one other than client_credentials, or the client authenticated twice (HTTP Basic and client_secret in the body).",
		"Check the IdP's token endpoint setting: it must be Roster's /oauth2/token, and the IdP must use the client credentials grant (docs/oauth.md)."},
	{"token_malformed", 401, "The credential is not a Roster SCIM token (they start with rst_) nor an access token of an OAuth client (rsa_); an app API key (rak_) or another product's token was pasted.",
		"Create a SCIM token with roster token create --tenant NAME and paste it."},
	{"token_unknown", 401, "No tenant has this token: it was mistyped, or it belongs to another Roster deployment.",
		"Copy the token again or create a new one; roster token list --tenant NAME shows the prefixes of the tenant's tokens."},
	{"token_revoked", 401, "The token was revoked, or the OAuth client the access token was issued to.",
		"Create a new token, paste it into Entra ID, and keep it until the next rotation."},
	{"token_expired", 401, "The token expired, or the access token an OAuth client was issued (they live an hour unless the operator chose otherwise); an IdP asks for a new one by itself.",
		"Create a new token (roster token create --expires to choose its lifetime) and paste it into Entra ID."},
	{"basic_user_mismatch", 401, "HTTP Basic was used and the user name is not the tenant of the token.",
		"Use the tenant's name as the user name and the token as the password."},
	{"tenant_disabled", 403, "The operator of Roster disabled this tenant: its requests and sign-ins are refused. Nothing of it was deleted, and its token is still good.",
		"Ask the operator of Roster to enable it (roster tenant enable NAME); until then, stop provisioning in Entra ID so that it does not quarantine the app."},
	{"auth_throttled", 429, "Too many failed authentications came from this address or for this token prefix; Roster slows them down and then refuses them.",
		"Fix the credential first; the limit lifts within a second without failures, and good tokens are never refused by it."},
	{"rate_limited", 429, "The tenant sent more requests than its rate limit allows, even after Roster waited a second for room. Entra ID retries later by itself.",
		"Nothing, usually: the sync completes more slowly. To raise the limit: roster tenant update NAME --rate R --burst B."},
	{"busy", 503, "The server had too many requests doing database work at once, or is shutting down.",
		"Nothing: the IdP retries. If it persists, see the operator's metrics (roster_rate_limited_total{reason=\"inflight\"})."},
	{"store_unavailable", 503, "Roster could not reach its database: PostgreSQL was restarting, failing over or unreachable. Nothing was changed by the request.",
		"Nothing: the IdP retries, and Roster reconnects by itself. If it persists, the operator checks the database (GET /readyz fails meanwhile)."},
	{"storage_full", 503, "The disk holding Roster's database is full: the write was not stored. Reads still work.",
		"Nothing in the IdP: it retries. The operator frees space on the database's disk; writes resume by themselves."},
	{"body_too_large", 413, "The request body was larger than the server accepts.",
		"Send smaller batches (for groups, fewer members per PATCH) or raise --max-body-bytes."},
	{"body_invalid", 400, "The body is not valid JSON or not a SCIM resource or PatchOp.",
		"Check the attribute mapping's expressions; the row keeps the body as it arrived."},
	{"attribute_unknown", 400, "The body has an attribute no registered schema defines, e.g. an extension attribute whose schema is not registered for the tenant.",
		"Register the extension in the tenant's policy, or remove the mapping in Entra ID (Attribute mapping > Edit attribute list)."},
	{"required_missing", 400, "A required attribute is missing, e.g. userName, or a group's displayName.",
		"Map the attribute in Entra ID and make sure the source attribute is set for this person."},
	{"value_invalid", 400, "An attribute has a value of the wrong type or outside its allowed values.",
		"Check the mapping of the attribute named in the detail; the row keeps the request body."},
	{"attribute_read_only", 400, "The request changed an attribute that is read-only or immutable (id, meta, a member's type).",
		"Remove the mapping of that attribute."},
	{"filter_invalid", 400, "The filter of a query does not parse or names an attribute that cannot be queried.",
		"Check the matching attribute of the mapping; Roster's detail points at the position in the filter."},
	{"cursor_invalid", 400, "A pagination cursor was not one Roster issued (RFC 9865).",
		"Start with an empty cursor and pass each response's nextCursor as it is."},
	{"patch_path_invalid", 400, "A PATCH operation's path does not parse or names nothing.",
		"Check the target attribute of the mapping named in the detail."},
	{"patch_no_target", 400, "A PATCH operation's path matched nothing to replace or remove.",
		"Usually harmless for removals; otherwise the person lacks the element the path selects."},
	{"too_many", 400, "Too many results or operations in one request.",
		"Page through results, or send fewer operations per PATCH."},
	{"member_unknown", 400, "A group member is not a user or group of this tenant, usually because the user has not been provisioned yet or was deleted.",
		"Assign the member to the enterprise application in Entra ID so that it is provisioned first; Entra retries the membership."},
	{"username_taken", 409, "Another user of the tenant already has this userName (compared ignoring case). The detail names that user's id and externalId.",
		"If it is the same person, let Entra ID match it (the matching attribute is userName); otherwise delete or rename the other user."},
	{"conflict", 409, "The resource conflicts with one that exists.",
		"Read the detail; retrying creates nothing twice."},
	{"bulk_unresolved", 400, "An operation of a Bulk request references a bulkId (bulkId:…) that no earlier operation of the request created: it is created by a later operation, its operation failed, or no operation has it.",
		"Put the operation that creates the resource first; when it failed, fix it (its own row says why) and send both again."},
	{"bulk_circular", 409, "Operations of a Bulk request reference each other's bulkId in a circle (RFC 7644 §3.7.1), e.g. two new groups each a member of the other: Roster does not resolve such circles.",
		"Create the resources first, then add the references with a PATCH in a later operation or request."},
	{"version_stale", 412, "If-Match named a version the resource no longer has: it changed meanwhile.",
		"Nothing: the client reads the resource again and retries."},
	{"url_without_prefix", 404, "The request's URL lacks /scim/v2: the IdP's Tenant URL (or SCIM base URL) was pasted without it, so the request reached no SCIM endpoint.",
		"Paste the Tenant URL again, whole: it ends with /scim/v2."},
	{"not_found", 404, "The resource does not exist in this tenant: it was deleted in Roster, or it belongs to another tenant.",
		"Entra ID recreates it on its next cycle, or restart provisioning to clear its cache."},
	{"policy_value_not_allowed", 400, "The tenant's policy allows only some values for this attribute (e.g. userType Premium or Standard); the detail lists them.",
		"Change the person's source attribute in Entra ID, or the mapping's expression, to send one of the allowed values."},
	{"policy_required", 400, "The tenant's policy requires this attribute (e.g. first name, last name, work email) and the request has no value for it.",
		"Map the attribute in Entra ID (Attribute mapping) and set the source attribute for this person."},
	{"value_taken", 409, "The tenant's policy makes this attribute unique (e.g. the work email, compared ignoring case) and another user already has the value. The detail names that user.",
		"If both are one person, delete the older user or fix the source data in Entra ID; otherwise give each person their own address."},
	{"group_name_taken", 409, "Another group of the tenant already has this displayName (compared ignoring case); Entra ID matches groups by it. The detail names that group's id.",
		"If it is the same group, let Entra ID match it; otherwise rename one of them, or set the policy's groups.uniqueDisplayName to false."},
	{"folder_unknown", 400, "A folder value names no folder of the app, by id or by external id, and the tenant's policy refuses unknown folders.",
		"Create the folder first (roster folder create), or fix the value Entra ID sends."},
	{"folder_kept", 200, "The write succeeded, but a folder value names no folder yet: it is kept as sent and resolved once the folder exists.",
		"Create the folder (roster folder create); nothing needs to be sent again."},
	{"deactivated_only", 200, "The write deactivated the user, but other attributes in it were refused (the tenant's policy, the schema, or a value another user holds): only the deactivation was applied. The row's changes say what was refused, under _notApplied.",
		"Nothing for the deactivation. Fix the refused attribute's mapping in Entra ID, or the person's source data, before the user is enabled again."},
	{"deprovision_held", 200, "The tenant's deprovisioning guard held this deactivation or delete (204 for a DELETE): more users were deactivated or deleted in its window than the policy's deprovisionGuard allows. Access was taken away at once, but a deleted user stays restorable and the host app is not told until an operator decides.",
		"Check in Entra ID whether the users were meant to leave (a scoping filter or an assignment removed by mistake deprovisions many). Then roster held release --tenant NAME --all to let the changes through, or roster held revert --tenant NAME --all to restore the users and fix Entra ID."},
	{"attribute_create_only", 200, "The write went through, but it changed an attribute the tenant's policy takes from the IdP at create only (\"attributes\": {\"…\": \"create-only\"}): the stored value stays. Roster keeps the IdP's value beside it; the row's changes name the attribute with \"ignored\" and what was sent.",
		"Nothing, if the app owns the value from then on; roster drift --tenant NAME lists the users whose values differ. To let the IdP's updates through again, set the attribute to \"idp\" in the policy."},
	{"attribute_app_owned", 200, "The write went through, but it set an attribute the tenant's policy gives the host app (\"attributes\": {\"…\": \"app\"}): the app's value stays. Roster keeps the IdP's value beside it; the row's changes name the attribute with \"ignored\" and what was sent.",
		"Nothing: the app writes the attribute (PATCH /api/v1/users/{id}). Remove the attribute's mapping in Entra ID to stop sending it, or see roster drift --tenant NAME."},
	{"attribute_ignored", 200, "The write went through without an attribute the tenant's policy ignores (\"attributes\": {\"…\": \"ignore\"}). Roster keeps the IdP's value aside; the row's changes name it with \"ignored\" and what was sent.",
		"Nothing; remove the attribute's mapping in Entra ID to stop sending it."},
	{"attribute_not_allowed", 200, "The write went through without an attribute that is not in the tenant's policy's \"allow\" list. Roster keeps the IdP's value aside; the row's changes name it with \"ignored\" and what was sent.",
		"Nothing; add the attribute to \"allow\" if the app needs it, or remove its mapping in Entra ID."},
	{"sync_create_only", 200, "The tenant's policy says \"sync\": \"create-only\": the IdP creates users, and its updates and deletes are acknowledged without being applied (204 for a DELETE, the user as stored for an update).",
		"Nothing. The IdP's values stay beside the app's (roster drift --tenant NAME); change \"sync\" in the policy to let updates and deletes through."},
	{"attribute_not_app_owned", 400, "The host app's write (PATCH /api/v1/users/{id}) named an attribute the tenant's policy does not give the app.",
		"Say \"attributes\": {\"…\": \"app\"} in the tenant's policy for it, or leave it to the IdP."},
	{"signin_ok", 200, "A person signed in: the host app was sent a code for the user. The row's response says how (login_method, the IdP's issuer and subject).",
		"Nothing."},
	{"signin_test_ok", 200, "A test sign-in went through (action sign-in-test, started from the setup pages): the IdP's answer was verified and the account matched a user who may sign in. No code was issued and no account linked. A refused test has the refusal's code instead.",
		"Nothing."},
	{"signin_request_invalid", 400, "The host app's authorization request was refused before any sign-in: unknown or revoked client, unregistered redirect URI, no PKCE from a public client, not exactly one tenant selector, or a sign-in that came back unknown or after 10 minutes.",
		"Read error_description in the row's response and fix the app's OIDC client (roster client list shows its redirect URIs); a person who waited too long starts again."},
	{"signin_tenant_unknown", 400, "The authorization request named no tenant Roster knows: tenant, organization or the login_hint's email domain.",
		"roster tenant update NAME --organization ID, or --domain DOMAIN for login_hint."},
	{"signin_tenant_disabled", 403, "The operator of Roster disabled the tenant: its sign-ins are refused, with a page saying so, and its sessions no longer open. Nothing was deleted.",
		"Ask the operator of Roster to enable the tenant (roster tenant enable NAME)."},
	{"signin_no_connection", 403, "The tenant has no IdP connection for sign-in.",
		"roster sso set --tenant NAME (see roster sso get for what to register at the IdP)."},
	{"signin_idp_unreachable", 503, "Roster could not reach the IdP's discovery document or keys.",
		"Check the connection's issuer (roster sso get) and Roster's outbound network access."},
	{"signin_idp_error", 403, "The IdP answered the sign-in with an error, e.g. the person is not assigned to the application.",
		"Read the IdP's error in the row's response; in Entra ID, assign the person to the enterprise application."},
	{"signin_idp_token", 403, "The IdP refused to redeem its code: a wrong or expired client secret, a certificate it does not have (Entra: AADSTS700027), or a redirect URI that is not registered.",
		"Renew the client secret (roster sso set), or upload the certificate roster sso get prints, and compare the registered redirect URI with roster sso get."},
	{"signin_idp_token_invalid", 403, "The IdP's ID token or SAML response failed verification: issuer, audience, signature, expiry, nonce, or an unsigned or altered assertion.",
		"Check the connection's issuer, client id or metadata (roster sso get); a forged response needs no action but a look at who sent it."},
	{"signin_secret_key", 500, "The connection's client secret or private key does not open with Roster's secret key (ROSTER_SECRET_KEY changed).",
		"Set the key the secret was stored with, or store the credential again with roster sso set."},
	{"signin_no_user", 403, "No user of the tenant matches the account: its object id is no user's externalId, and its UPN (or SAML NameID) no user's userName. Nobody is created at sign-in.",
		"Assign the person to the application in Entra ID and let provisioning run (or Provision on demand)."},
	{"signin_user_deactivated", 403, "SCIM deactivated the user (active false); the response says when, from the user's last change.",
		"The person is disabled or unassigned in Entra ID; enable or assign them again to let them in."},
	{"signin_user_not_entitled", 403, "The tenant's policy does not make the user active in the app (no role mapped to active).",
		"Assign the app role the policy maps to active."},
	{"signin_user_deleted", 403, "The user was deleted (or retired) by SCIM.",
		"Provision the person again."},
	{"signin_subject_mismatch", 403, "The account signing in is not the one linked to the user at its first sign-in: the person's account was recreated in the IdP, or another account claims the user's ids.",
		"If the account was recreated, delete the Roster user and let Entra ID provision it again."},
	{"signin_login_method", 403, "The user's login method does not allow this way in: a password-only user came through the IdP, or an IdP-only user tried a password.",
		"roster user login-method --tenant T USER either (or idp, or password), or the loginMethod of the SignIn extension."},
	{"signin_password_wrong", 401, "The password was wrong, or the user has no password set.",
		"The person tries again; roster user set-password --tenant T USER sets one."},
	{"signin_password_throttled", 429, "Too many failed passwords for this user or from this address; Roster refuses further tries for a while.",
		"Wait a minute; if it persists, someone may be guessing: look at the rows' request ids and addresses in the server log."},
	{"signin_session_ended", 401, "The host app used a session that ended: it expired, or SCIM deactivated or deleted the user.",
		"Nothing: the person signs in again, if they still may."},
	{"signin_replayed", 403, "A sign-in came back a second time: a SAML assertion already accepted, or a pending sign-in (its cookie) already completed. The first use stands; the replay is refused.",
		"Nothing for a person who reloaded the page; several from one address mean a captured response or cookie is being replayed: look at the rows' request ids in the server log."},
	{"signin_client_revoked", 401, "The host app used an access token of an OAuth client that was revoked (roster client revoke) or no longer exists.",
		"Register the app again (roster client create) and give it the new client id and secret."},
	{"internal", 500, "An unexpected error; the server logged its cause with the request id.",
		"Give the operator the request id; the server log line with it has the cause."},
}

// Explain returns the catalog entry of code.
func Explain(code string) (Reason, bool) {
	for _, r := range Reasons {
		if r.Code == code {
			return r, true
		}
	}
	return Reason{}, false
}

// defaultReason is the reason of each error code when the error names none.
var defaultReason = map[string]string{
	roster.EINVALID:       "value_invalid",
	roster.EINVALIDSYNTAX: "body_invalid",
	roster.EINVALIDFILTER: "filter_invalid",
	roster.EINVALIDPATH:   "patch_path_invalid",
	roster.EINVALIDCURSOR: "cursor_invalid",
	roster.ENOTARGET:      "patch_no_target",
	roster.EMUTABILITY:    "attribute_read_only",
	roster.ETOOMANY:       "too_many",
	roster.ENOTFOUND:      "not_found",
	roster.ECONFLICT:      "conflict",
	roster.ECIRCULAR:      "bulk_circular",
	roster.EPRECONDITION:  "version_stale",
	roster.EUNAUTHORIZED:  "token_unknown",
	roster.EFORBIDDEN:     "tenant_disabled",
	roster.ETOOLARGE:      "body_too_large",
	roster.ERATELIMIT:     "rate_limited",
	roster.EUNAVAILABLE:   "busy",
	roster.EINTERNAL:      "internal",
}

// ReasonOf returns the catalog code of err: the error's own Reason, else one
// read from its attribute and detail, else its code's default.
func ReasonOf(err error) string {
	var e *roster.Error
	if !errors.As(err, &e) {
		return "internal"
	}
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Code == roster.ECONFLICT && e.Attr == "userName":
		return "username_taken"
	case e.Code == roster.ECONFLICT && e.Attr != "":
		return "value_taken"
	case e.Code == roster.EINVALID && e.Attr == "members":
		return "member_unknown"
	case e.Code == roster.EINVALID && strings.HasSuffix(e.Detail, " is required"):
		return "required_missing"
	case e.Code == roster.EINVALIDSYNTAX && strings.HasSuffix(e.Detail, ": unknown attribute"):
		return "attribute_unknown"
	}
	if r, ok := defaultReason[e.Code]; ok {
		return r
	}
	return "internal"
}
