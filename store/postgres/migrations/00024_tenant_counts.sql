-- +goose Up
-- tenant_counts holds each tenant's live users (retired IS NULL) and groups,
-- so that an unfiltered list reads its totalResults from a few rows instead
-- of counting the tenant. Triggers keep them in the transaction of every
-- write that changes them, whatever the code path.
--
-- A tenant has 8 rows (slots), its figures their sums: each write adds to
-- one slot chosen at random, so concurrent creates in one tenant wait for
-- each other's commit only when they pick the same slot, where a single row
-- would serialise them all (docs/architecture.md). Slots go negative; only
-- the sums mean something.
CREATE TABLE tenant_counts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    slot      SMALLINT NOT NULL,
    users     BIGINT NOT NULL DEFAULT 0,
    groups    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, slot)
);

INSERT INTO tenant_counts (tenant_id, slot, users, groups)
SELECT t.id, s.slot,
    CASE WHEN s.slot = 0 THEN (SELECT count(*) FROM users u WHERE u.tenant_id = t.id AND u.retired IS NULL) ELSE 0 END,
    CASE WHEN s.slot = 0 THEN (SELECT count(*) FROM groups g WHERE g.tenant_id = t.id) ELSE 0 END
FROM tenants t CROSS JOIN generate_series(0, 7) AS s(slot);

-- +goose StatementBegin
CREATE FUNCTION tenant_counts_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tenant_counts (tenant_id, slot) SELECT NEW.id, s FROM generate_series(0, 7) AS s;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tenant_counts_tenant AFTER INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenant_counts_tenant();

-- tenant_counts_add adds, to a slot of each tenant of the rows a statement
-- inserted or deleted, the live users or the groups among them: a statement
-- trigger, so that deleting a tenant's million users (a cascade) updates each
-- slot once, not a million times in one transaction.
-- +goose StatementBegin
CREATE FUNCTION tenant_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := floor(random() * 8);
BEGIN
    IF TG_TABLE_NAME = 'users' AND TG_OP = 'INSERT' THEN
        UPDATE tenant_counts c SET users = c.users + d.n
        FROM (SELECT tenant_id, count(*) AS n FROM changed WHERE retired IS NULL GROUP BY tenant_id) d
        WHERE c.tenant_id = d.tenant_id AND c.slot = s;
    ELSIF TG_TABLE_NAME = 'users' THEN
        UPDATE tenant_counts c SET users = c.users - d.n
        FROM (SELECT tenant_id, count(*) AS n FROM changed WHERE retired IS NULL GROUP BY tenant_id) d
        WHERE c.tenant_id = d.tenant_id AND c.slot = s;
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE tenant_counts c SET groups = c.groups + d.n
        FROM (SELECT tenant_id, count(*) AS n FROM changed GROUP BY tenant_id) d
        WHERE c.tenant_id = d.tenant_id AND c.slot = s;
    ELSE
        UPDATE tenant_counts c SET groups = c.groups - d.n
        FROM (SELECT tenant_id, count(*) AS n FROM changed GROUP BY tenant_id) d
        WHERE c.tenant_id = d.tenant_id AND c.slot = s;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tenant_counts_user_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tenant_counts_add();
CREATE TRIGGER tenant_counts_user_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tenant_counts_add();
CREATE TRIGGER tenant_counts_group_insert AFTER INSERT ON groups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tenant_counts_add();
CREATE TRIGGER tenant_counts_group_delete AFTER DELETE ON groups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tenant_counts_add();

-- Retiring a user (a DELETE kept restorable) and restoring it: one user at a
-- time, and only when retired turns to or from NULL.
-- +goose StatementBegin
CREATE FUNCTION tenant_counts_retire() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := floor(random() * 8);
BEGIN
    UPDATE tenant_counts SET users = users + CASE WHEN NEW.retired IS NULL THEN 1 ELSE -1 END
    WHERE tenant_id = NEW.tenant_id AND slot = s;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tenant_counts_user_retire AFTER UPDATE OF retired ON users
    FOR EACH ROW WHEN ((OLD.retired IS NULL) IS DISTINCT FROM (NEW.retired IS NULL))
    EXECUTE FUNCTION tenant_counts_retire();

-- +goose Down
DROP TRIGGER tenant_counts_user_retire ON users;
DROP FUNCTION tenant_counts_retire();
DROP TRIGGER tenant_counts_group_delete ON groups;
DROP TRIGGER tenant_counts_group_insert ON groups;
DROP TRIGGER tenant_counts_user_delete ON users;
DROP TRIGGER tenant_counts_user_insert ON users;
DROP FUNCTION tenant_counts_add();
DROP TRIGGER tenant_counts_tenant ON tenants;
DROP FUNCTION tenant_counts_tenant();
DROP TABLE tenant_counts;
