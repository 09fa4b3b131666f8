-- +goose Up
-- Writers no longer number their events under a lock held through their
-- commit (00001): they insert them with no seq, in the order of pos, and the
-- sequencer (sequence.go) gives the committed ones their seq, in pos order,
-- one run at a time across instances. Readers read only numbered events.
-- outbox_state.sequenced is the last seq given: it only grows, even when the
-- newest events are deleted with their tenant. Existing rows keep their seq
-- and have no pos; the next seq follows the identity's last value.
CREATE SEQUENCE events_pos;
ALTER TABLE events ADD COLUMN pos bigint;
ALTER TABLE events ALTER COLUMN pos SET DEFAULT nextval('events_pos');
ALTER SEQUENCE events_pos OWNED BY events.pos;
ALTER TABLE outbox_state ADD COLUMN sequenced bigint NOT NULL DEFAULT 0;
UPDATE outbox_state SET sequenced = greatest(pruned_through,
    (SELECT coalesce(max(seq), 0) FROM events),
    (SELECT coalesce(last_value, 0) FROM pg_sequences
     WHERE format('%I.%I', schemaname, sequencename) = pg_get_serial_sequence('events', 'seq')));
ALTER TABLE events ALTER COLUMN seq DROP IDENTITY;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ALTER COLUMN seq DROP NOT NULL;
CREATE UNIQUE INDEX events_seq ON events (seq);
-- The sequencer's work: only the events waiting for a seq, in pos order.
CREATE INDEX events_unsequenced ON events (pos) WHERE seq IS NULL;

-- +goose Down
UPDATE events e SET seq = s.sequenced + w.n
FROM outbox_state s, (SELECT id, row_number() OVER (ORDER BY pos) AS n FROM events WHERE seq IS NULL) w
WHERE e.id = w.id;
UPDATE outbox_state SET sequenced = greatest(sequenced, (SELECT coalesce(max(seq), 0) FROM events));
DROP INDEX events_unsequenced;
DROP INDEX events_seq;
ALTER TABLE events ALTER COLUMN seq SET NOT NULL;
ALTER TABLE events ADD PRIMARY KEY (seq);
ALTER TABLE events ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('events', 'seq'), greatest(sequenced, 1), sequenced > 0) FROM outbox_state;
ALTER TABLE events DROP COLUMN pos;
ALTER TABLE outbox_state DROP COLUMN sequenced;
