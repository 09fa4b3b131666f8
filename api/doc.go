// Package api is Roster's app API (/api/v1): what the host application reads,
// as plain JSON, authenticated by API keys. It serves the events of every
// change in order, with a cursor to resume from and long polling, and reads of
// the provisioned users and groups.
//
// Errors are {"error": {"code": "...", "message": "..."}} with the HTTP status
// the code implies; every message ends with the request id.
package api
