/* The chain-test harness itself: anvil starts on loopback, answers as chain 31337 through the
 * project's RPC client, and is gone after anvil_stop. */
#include "anvil.h"
#include "chain/rpc.h"
#include "test.h"

TEST(anvil_starts_answers_and_stops) {
  anvil_node n;
  REQUIRE(anvil_start(&n, NULL) == 0);
  const char *eps[] = {n.url};
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = ANVIL_CHAIN_ID;
  rpc_client *c = rpc_client_new(eps, 1, &o);
  REQUIRE(c);
  rpc_error e;
  CHECK_INT(rpc_check_chain(c, &e), 0);
  json_t *r = NULL;
  CHECK_INT(rpc_call(c, NULL, "eth_blockNumber", "[]", &r, &e), 0);
  CHECK(r && json_is_string(r));
  json_decref(r);
  rpc_client_free(c);
  pid_t pid = n.pid;
  anvil_stop(&n);
  CHECK_INT(n.pid, 0);
  CHECK(kill(pid, 0) != 0); /* reaped: the PID is gone */
}

TEST_MAIN(RUN(anvil_starts_answers_and_stops))
