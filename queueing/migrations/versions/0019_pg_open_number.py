"""PostgreSQL: the unique index of open numbers no longer chosen for a line's or a point's tickets

Revision ID: 0019_pg_open_number
Revises: 0018_web_walk_in
"""

from __future__ import annotations

from alembic import op

revision = "0019_pg_open_number"
down_revision = "0018_web_walk_in"
branch_labels = None
depends_on = None

# Why: the unique index of open numbers (invariant 1) was partial on `status IN ('waiting',
# 'called', 'serving')`. Every `status = 'waiting'` of a line or `status IN ('called',
# 'serving')` of a point implies that predicate, so the planner may read such a query through
# this index, and it does whenever the statistics say no ticket is open: after a bulk load and
# after every night's day close, until autovacuum analyses the table again (10 % of its rows
# changed: weeks of a site's tickets with a year of history). It then filters every open ticket
# of the site for each issue's count of those ahead and each point's ticket: with 5,000
# waiting, 2.5 ms each instead of 0.3 (EXPLAIN ANALYZE). With the predicate a PL/pgSQL
# function, which PostgreSQL never inlines, no status comparison implies it: only a query that
# asks `queueing_ticket_open(status)` uses the index, the numbering's check of a held number.
OPEN = """
CREATE OR REPLACE FUNCTION queueing_ticket_open(status varchar) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN status IN ('waiting', 'called', 'serving');
END
$$
"""

# migration 0013's function, its check of a held number by the index's own predicate.
ISSUE_0019 = """
CREATE OR REPLACE FUNCTION queueing_issue(p jsonb) RETURNS TABLE (
    event_sequence integer, number varchar, sequence integer, ahead bigint,
    slug varchar, service_id integer, target_seconds double precision, serving integer,
    called_at timestamptz, state varchar
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t tickets;
    v_seq integer;
    v_number varchar;
    v_ahead bigint;
    v_event integer;
    v_day date := (p->>'day')::date;
    v_tries integer := 0;
BEGIN
    t := jsonb_populate_record(NULL::tickets, p->'ticket');
    LOOP  -- the prefix's next number that no open ticket holds (as fast._draw)
        v_tries := v_tries + 1;
        IF v_tries > 1000 THEN
            RAISE EXCEPTION 'all 999 numbers are held by open tickets'
                USING ERRCODE = 'QN999';
        END IF;
        UPDATE number_counters c
           SET last_number = CASE WHEN c.service_day = v_day THEN c.last_number % 999 + 1
                                  ELSE 1 END,
               service_day = v_day
         WHERE c.site_id = t.site_id AND c.prefix = t.prefix
        RETURNING c.last_number INTO v_seq;
        IF NOT FOUND THEN  -- the prefix's first ticket ever: make its counter
            INSERT INTO number_counters (site_id, prefix, service_day, last_number)
            VALUES (t.site_id, t.prefix, v_day, 0) ON CONFLICT DO NOTHING;
            CONTINUE;
        END IF;
        v_number := t.prefix || lpad(v_seq::text, 3, '0');
        EXIT WHEN NOT EXISTS (  -- by the unique index of open numbers
            SELECT 1 FROM tickets o WHERE o.site_id = t.site_id AND o.number = v_number
               AND queueing_ticket_open(o.status));
    END LOOP;
    t.number := v_number;
    t.sequence := v_seq;
    INSERT INTO tickets SELECT (t).*;
    INSERT INTO ticket_steps (ticket_id, service_id, entered_at)
    VALUES (t.id, t.service_id, t.issued_at);
    IF p ? 'record' THEN
        INSERT INTO idempotency_records
            (scope, key, request_hash, resource_id, status_code, created_at)
        SELECT r.scope, r.key, r.request_hash, t.id, 201, t.issued_at
          FROM jsonb_populate_record(NULL::idempotency_records, p->'record') r;
    END IF;
    -- Those ahead (lobby.repository.PLACE_IN_LINE): strictly, so not the ticket itself.
    -- Two queries, not one with the ticket's priority in it, so each is planned on the index.
    IF t.priority THEN
        SELECT count(*) INTO v_ahead FROM tickets o
         WHERE o.service_id = t.service_id AND o.status = 'waiting'
           AND o.priority = true AND o.ranked_at < t.ranked_at;
    ELSE
        SELECT count(*) INTO v_ahead FROM tickets o
         WHERE o.service_id = t.service_id AND o.status = 'waiting'
           AND (o.priority = true OR o.ranked_at < t.ranked_at);
    END IF;
    RETURN QUERY  -- the points now (lobby.repository.POINTS_NOW)
        SELECT NULL::integer, v_number, v_seq, v_ahead, sp.slug, pe.service_id,
               s.target_seconds, tk.service_id, tk.called_at, sp.state
          FROM service_points sp
          JOIN profile_entries pe ON pe.service_point_id = sp.id
          JOIN services s ON s.id = pe.service_id
          LEFT JOIN tickets tk ON tk.service_point_id = sp.id
                              AND tk.status IN ('called', 'serving')
         WHERE sp.site_id = t.site_id
           AND (sp.state IS NULL OR sp.state NOT IN ('closed', 'paused'))
         ORDER BY sp.position, sp.id, pe.position;
    -- Last: the site's sequence row stays locked until the commit (events.repository).
    INSERT INTO audit_entries (site_id, at, actor, actor_id, action, resource, unit_id, client,
                               detail)
    SELECT a.site_id, a.at, a.actor, a.actor_id, a.action, a.resource, a.unit_id, a.client,
           a.detail
      FROM jsonb_populate_record(NULL::audit_entries, p->'entry') a;
    UPDATE sites SET event_sequence = sites.event_sequence + 1 WHERE sites.id = t.site_id
    RETURNING sites.event_sequence INTO v_event;
    INSERT INTO events (site_id, sequence, kind, ticket_id, payload, created_at)
    VALUES (t.site_id, v_event, p->'event'->>'kind', t.id,
            jsonb_set(p->'event'->'payload', '{number}', to_jsonb(v_number))::json,
            t.issued_at);
    RETURN QUERY SELECT v_event, v_number, v_seq, v_ahead, NULL::varchar, NULL::integer,
                        NULL::double precision, NULL::integer, NULL::timestamptz, NULL::varchar;
END
$$
"""

# The held check as it was, for the downgrade.
HELD_0019 = "AND queueing_ticket_open(o.status));"
HELD_0013 = "AND o.status IN ('waiting', 'called', 'serving'));"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite keeps no statistics here (nothing runs ANALYZE): no trap to avoid
    op.execute(OPEN)
    op.execute(
        "CREATE UNIQUE INDEX uq_tickets_open_number_0019 ON tickets (site_id, number) "
        "WHERE queueing_ticket_open(status)"
    )
    op.execute("DROP INDEX uq_tickets_open_number")
    op.execute("ALTER INDEX uq_tickets_open_number_0019 RENAME TO uq_tickets_open_number")
    op.execute(ISSUE_0019)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE UNIQUE INDEX uq_tickets_open_number_0013 ON tickets (site_id, number) "
        "WHERE status IN ('waiting', 'called', 'serving')"
    )
    op.execute("DROP INDEX uq_tickets_open_number")
    op.execute("ALTER INDEX uq_tickets_open_number_0013 RENAME TO uq_tickets_open_number")
    op.execute(ISSUE_0019.replace(HELD_0019, HELD_0013))
    op.execute("DROP FUNCTION queueing_ticket_open(varchar)")
