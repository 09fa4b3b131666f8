// Package sso signs people in. Roster is the OpenID Provider of the host app
// (OpenID Connect Core 1.0, authorization code flow with PKCE, RFC 7636) and,
// upstream, a relying party of each tenant's IdP (OpenID Connect through
// coreos/go-oidc and x/oauth2) or its service provider (SAML 2.0 through
// crewjam/saml: an SP-initiated AuthnRequest, the Response posted to
// /sso/{tenant}/saml/acs, signed assertions required).
//
// A sign-in runs:
//
//	host app ─▶ GET /oauth2/authorize (client, redirect URI, PKCE, one tenant selector)
//	         ─▶ the tenant's IdP (its own PKCE, state and nonce, kept in a sealed cookie)
//	         ─▶ GET /sso/{tenant}/oidc/callback: ID token verified, user matched, gate checked
//	         ─▶ host app's redirect URI with a single-use code (or error and error_description)
//	host app ─▶ POST /oauth2/token: ID token and access token, signed with Roster's current key
//	host app ─▶ GET /oauth2/userinfo: the claims again, only while the user may sign in
//
// The IdP's account is matched to the SCIM user by stable identifiers, never
// by email: Entra ID's object id (oid) against externalId, then
// preferred_username against userName (ignoring case). The first sign-in links
// the account (issuer and subject) to the user; a later sign-in of the user
// from another subject is refused. A code is issued only for a user who
// exists, is active for SCIM and for the tenant's policy, and is not retired;
// nobody is created at sign-in. Every sign-in and refusal is logged with the
// tenant, the user and a reason an admin can act on, as a row of the
// provisioning log.
//
// A user's login method (idp, password or either) says which ways in it
// has. A password sign-in runs on Roster's own page (/sso/{tenant}/password)
// instead of the IdP, and ends in the same code flow; passwords are argon2id
// hashes, and failures are limited per user and per client address.
//
// A test sign-in (GET /sso/{tenant}/test, with a ticket NewTestTicket sealed)
// runs the same round trip through the tenant's IdP for whoever connects it,
// with their own account, but links no account and issues no code: its
// outcome — the claims received, the user matched or why none was — goes back
// sealed to the page that asked (OpenTestResult).
package sso
