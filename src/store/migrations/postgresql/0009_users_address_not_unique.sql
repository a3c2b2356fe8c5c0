-- users.address (the payout address) is no longer UNIQUE: its unique index cost every new person
-- one more b-tree page, at a random place, on each sign-in, and guarded nothing. The address is
-- always one of the person's own wallets (store_payout_set sets it only to one of them; the
-- primary wallet cannot be unlinked), and wallets.address, the key of wallets, already keeps an
-- address to one person. Every lookup by address goes through wallets.
--
-- The constraint was named by PostgreSQL (users_address_key by default); it is found by what it
-- is, a unique constraint on users(address) alone, rather than by that name.
DO $$
DECLARE
  c name;
BEGIN
  FOR c IN
    SELECT k.conname FROM pg_constraint k
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
    WHERE k.conrelid = 'users'::regclass AND k.contype = 'u' AND cardinality(k.conkey) = 1
      AND a.attname = 'address'
  LOOP
    EXECUTE format('ALTER TABLE users DROP CONSTRAINT %I', c);
  END LOOP;
END
$$;
