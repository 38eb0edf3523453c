-- Every change of the checkpoint (an indexed range, a reorg's rollback, a move of the head) is
-- announced on the channel "dvpn_checkpoint" when its transaction commits, so readers on this
-- database (live updates, cached answers) act at once instead of at their next poll. A NOTIFY
-- does not reach a streaming replica: readers there keep polling.
CREATE FUNCTION "dvpn_checkpoint_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dvpn_checkpoint', NEW."blockNumber"::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER "checkpoint_notify" AFTER INSERT OR UPDATE ON "checkpoint"
  FOR EACH ROW EXECUTE FUNCTION "dvpn_checkpoint_notify"();
