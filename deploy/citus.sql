-- The Citus step: shard the schema by community (README "Beyond one machine").
--
-- NOT RUN HERE: this repository has no Citus to run it against (the tests run on plain PostgreSQL
-- and PGlite). What is checked here: test/citus-ready.test.ts reads the migrated schema and this
-- file, and fails when a key lacks its distribution column, when a foreign key between distributed
-- tables lacks them, or when the foreign keys dropped below are not exactly the ones Citus would
-- refuse. Try it on a staging copy first.
--
-- Run on the coordinator (psql -v ON_ERROR_STOP=1 -f deploy/citus.sql), once, after
-- `npm run migrate` has applied every migration there (1763900600000-CitusReady included) and the
-- workers have been added (citus_add_node), before the app takes traffic. Existing rows are copied
-- into the shards by create_distributed_table / create_reference_table. Each statement is its own
-- transaction: if one fails, fix the cause and go on from that statement.
--
-- The plan:
--   reference tables (a copy on every node; small, read with everything):
--     app_user, community, community_secretary, partner, partner_member, partner_invitation, supply_offer,
--     signed_link, residency, service_hours_version.
--     community is a reference table, not distributed by its id, so that service_log and
--     notification (distributed by a user id) keep their foreign key to it.
--   distributed by community_id, colocated with room:
--     room, partnership, demand_item, demand_match, evaluation, offer_community, space_contract, booking,
--     resident_request, and the rating rounds' tables (rating_round, rating_round_partner,
--     rating_panellist, rating_ballot, rating_score, partner_rating), and the service hours rollups
--     (service_hours_partner_daily, service_hours_daily, service_hours_volunteer_daily and their
--     *_monthly twins)
--   distributed by a user id, colocated with each other: service_log (volunteer_id), notification (user_id),
--     idempotency_key (user_id)
--   distributed by object_id: status_change (offer history has no community; history is read per object)
--   left local on the coordinator: migrations (TypeORM's record of applied migrations) and
--     login_attempt (failed-login counters, read and written by key alone; see docs/accounts.md) and
--     rate_limit_counter (rate-limit windows by key alone; see docs/operations.md) and
--     replica_read_fence (each user's last write position, for read-your-writes on a replica)
-- Known costs: a transition writes its object and its status_change row on two shards (a
-- two-phase commit when they sit on different workers); queries that join community tables by id
-- alone (e.g. room r ON r.id = b.room_id) run as multi-shard queries until they also join on
-- community_id.

-- 1. Foreign keys between tables distributed by different columns: Citus refuses them. Plain
--    PostgreSQL keeps them (composite, with community_id on both sides); under Citus the code's own
--    checks remain (logService checks the match or contract belongs to the log's community and
--    partner; notifications are written in the transaction of the change they name).
--    notification_service_log_fk stays: (user_id, service_log_id) -> service_log (volunteer_id, id)
--    joins the two distribution columns of colocated tables.
ALTER TABLE service_log DROP CONSTRAINT service_log_match_fk;
ALTER TABLE service_log DROP CONSTRAINT service_log_contract_fk;
ALTER TABLE notification DROP CONSTRAINT notification_partnership_id_fkey;
ALTER TABLE notification DROP CONSTRAINT notification_match_fk;
ALTER TABLE notification DROP CONSTRAINT notification_contract_fk;
ALTER TABLE notification DROP CONSTRAINT notification_booking_fk;

-- 2. Reference tables, referenced ones first (a reference table may only reference reference tables).
--    partner before app_user: a managed member (app_user.managed_by_partner_id) names its partner.
SELECT create_reference_table('partner');
SELECT create_reference_table('app_user');
SELECT create_reference_table('community');
SELECT create_reference_table('community_secretary');
SELECT create_reference_table('partner_member');
SELECT create_reference_table('partner_invitation');
SELECT create_reference_table('supply_offer');
SELECT create_reference_table('signed_link');
SELECT create_reference_table('residency');
--    service_hours_version (a row per community, and one of NULL for renames, which a distribution
--    column cannot hold): every node reads it beside the rollups; each write to service logs moves a
--    row on every node (the rollup triggers' NOT YET READY below applies to its triggers alike).
SELECT create_reference_table('service_hours_version');

-- 3. Community tables, one colocation group, referenced ones first.
SELECT create_distributed_table('room', 'community_id', colocate_with => 'none');
SELECT create_distributed_table('partnership', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('demand_item', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('demand_match', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('evaluation', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('offer_community', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('space_contract', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('booking', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('resident_request', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('project', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('project_update', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('project_demand', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('rating_round', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('rating_round_partner', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('rating_panellist', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('rating_ballot', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('rating_score', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('partner_rating', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('agenda_item', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('agenda_opinion', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('agenda_item_demand', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('agenda_item_project', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('service_hours_partner_daily', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('service_hours_daily', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('service_hours_volunteer_daily', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('service_hours_partner_monthly', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('service_hours_monthly', 'community_id', colocate_with => 'room');
SELECT create_distributed_table('service_hours_volunteer_monthly', 'community_id', colocate_with => 'room');

-- 4. Per-person tables. service_log has a row trigger (service_log_keep_decided: a decided log
--    is never changed or deleted); it reads only the row it fires for, so it is safe on each
--    shard, but Citus (11 and later) accepts triggers on distributed tables only with this setting.
--    Set it for the database as well (ALTER DATABASE ... SET citus.enable_unsafe_triggers = on),
--    so later sessions may change the table.
--    NOT YET READY: the rollup triggers (service_hours_rollup_insert/update/delete, migration
--    ServiceHoursRollup) write the service_hours_* rollups, distributed by community_id; a trigger on a
--    service_log shard cannot write another distributed table. Before this step the rollups must
--    move to the write path (logService and decideServiceLogs upserting the same deltas in their
--    transaction) and the triggers be dropped; so must service_hours_version_insert/update/delete
--    (migration ServiceHoursVersion: each write's communities' versions, read by the summaries kept
--    in memory).
SET citus.enable_unsafe_triggers = on;
SELECT create_distributed_table('service_log', 'volunteer_id', colocate_with => 'none');
SELECT create_distributed_table('notification', 'user_id', colocate_with => 'service_log');
SELECT create_distributed_table('idempotency_key', 'user_id', colocate_with => 'service_log');

-- 5. History, by object.
SELECT create_distributed_table('status_change', 'object_id', colocate_with => 'none');

-- Afterwards the coordinator still holds its pre-distribution copy of each table's rows, unused;
-- truncate_local_data_after_distributing_table('<table>') frees that space.
