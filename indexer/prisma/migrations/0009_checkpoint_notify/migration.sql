-- Every change of the checkpoint (an indexed range, a reorg's rollback or reset, a move of the
-- head) is announced on the channel "dvpn_checkpoint" when its transaction commits, so readers on
-- this database (live updates, cached answers) act at once instead of at their next poll. An
-- UPDATE that changes nothing announces nothing. A NOTIFY does not reach a streaming replica:
-- readers there keep polling.
CREATE FUNCTION "dvpn_checkpoint_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dvpn_checkpoint', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER "checkpoint_notify_insert" AFTER INSERT ON "checkpoint"
  FOR EACH ROW EXECUTE FUNCTION "dvpn_checkpoint_notify"();

CREATE TRIGGER "checkpoint_notify_update" AFTER UPDATE ON "checkpoint"
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION "dvpn_checkpoint_notify"();

CREATE TRIGGER "checkpoint_notify_truncate" AFTER TRUNCATE ON "checkpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION "dvpn_checkpoint_notify"();
