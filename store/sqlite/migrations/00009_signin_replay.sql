-- +goose Up
-- Sign-in replay. A redeemed authorization code is kept, marked redeemed,
-- until forget (its expiry plus the lifetime of the tokens issued for it), so
-- that a second redemption is recognised and ends the session the first one
-- started (RFC 6749 §4.1.2). The one-time ids sign-in has accepted (SAML
-- assertion ids, pending sign-ins' own ids) are kept until they expire, so
-- that none is accepted twice.
ALTER TABLE auth_codes ADD COLUMN redeemed TEXT;
ALTER TABLE auth_codes ADD COLUMN forget TEXT;
UPDATE auth_codes SET forget = expires;
CREATE INDEX auth_codes_forget ON auth_codes (forget);

-- The key is the constraint: of two uses of an id, one inserts.
CREATE TABLE used_once (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    issuer    TEXT NOT NULL,
    id        TEXT NOT NULL,
    expires   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, issuer, id)
);
CREATE INDEX used_once_expires ON used_once (expires);

-- +goose Down
DROP TABLE used_once;
DROP INDEX auth_codes_forget;
ALTER TABLE auth_codes DROP COLUMN forget;
ALTER TABLE auth_codes DROP COLUMN redeemed;
