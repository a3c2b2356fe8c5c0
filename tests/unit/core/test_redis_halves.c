/* redis_command_send / redis_command_reply (src/core/redis.c): a command whose reply the caller
 * takes later on the same thread, against a real redis-server (tests/unit/redisd.h). A command run
 * in between gets its own reply, not the awaited one; a reply with none awaited, and one whose
 * connection was lost meanwhile, are PHEME_SYS_IO (whether the reply is polled for first or not); a send while a reply is still awaited drops
 * that reply; the connection serves on after each of these. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/redis.h"
#include "redisd.h"
#include "test.h"

static redisd D;

static redis_client *client(void) {
  redis_client *c = NULL;
  char err[200];
  CHECK_INT(redis_client_new(D.url, 1000, 100, &c, err, sizeof err), PHEME_OK);
  return c;
}

static void set(redis_client *c, const char *k, const char *v) {
  redis_value out;
  CHECK_INT(redis_command(c, 3, (const char *[]){"SET", k, v}, &out), PHEME_OK);
}

TEST(a_command_in_between_gets_its_own_reply) {
  redis_client *c = client();
  set(c, "halves:a", "first");
  set(c, "halves:b", "second");
  CHECK_INT(redis_command_send(c, 2, (const char *[]){"GET", "halves:a"}), PHEME_OK);
  redis_value v;
  /* between the halves, on the same connection: its own reply, the awaited one kept */
  CHECK_INT(redis_command(c, 2, (const char *[]){"GET", "halves:b"}, &v), PHEME_OK);
  CHECK_INT(v.type, REDIS_STR);
  CHECK_STR(v.s, "second");
  CHECK_INT(redis_command(c, 2, (const char *[]){"INCR", "halves:n"}, &v), PHEME_OK);
  CHECK_INT(v.type, REDIS_INT);
  CHECK_INT(v.i, 1);
  CHECK_INT(redis_command_reply(c, 0, &v), PHEME_OK);
  CHECK_INT(v.type, REDIS_STR);
  CHECK_STR(v.s, "first");
  /* taken once: nothing is awaited now */
  CHECK_INT(redis_command_reply(c, 50, &v), PHEME_SYS_IO);
  /* and with nothing in between */
  CHECK_INT(redis_command_send(c, 2, (const char *[]){"INCR", "halves:n"}), PHEME_OK);
  CHECK_INT(redis_command_reply(c, 0, &v), PHEME_OK);
  CHECK_INT(v.i, 2);
  redis_client_free(c);
}

TEST(an_error_reply_is_the_commands_fault_not_an_outage) {
  redis_client *c = client();
  CHECK_INT(redis_command_send(c, 3, (const char *[]){"EVALSHA", "0000000000000000000000000000000000000000", "0"}),
            PHEME_OK);
  redis_value v;
  CHECK_INT(redis_command_reply(c, 50, &v), PHEME_DATA_INVALID);
  CHECK(strncmp(v.s, "NOSCRIPT", 8) == 0);
  CHECK(redis_up(c));
  redis_client_free(c);
}

TEST(a_send_while_a_reply_is_awaited_drops_that_reply) {
  redis_client *c = client();
  set(c, "halves:c", "dropped");
  set(c, "halves:d", "kept");
  CHECK_INT(redis_command_send(c, 2, (const char *[]){"GET", "halves:c"}), PHEME_OK);
  CHECK_INT(redis_command_send(c, 2, (const char *[]){"GET", "halves:d"}), PHEME_OK);
  redis_value v;
  CHECK_INT(redis_command_reply(c, 0, &v), PHEME_OK);
  CHECK_STR(v.s, "kept");
  CHECK_INT(redis_command(c, 1, (const char *[]){"PING"}, &v), PHEME_OK);
  CHECK_STR(v.s, "PONG");
  redis_client_free(c);
}

/* Redis gone between the halves: the reply is PHEME_SYS_IO and Redis down; once it is back (after
 * the back-off) the thread dials again and serves. */
TEST(a_connection_lost_between_the_halves_is_an_outage_then_recovers) {
  redis_client *c = client();
  CHECK_INT(redis_command_send(c, 3, (const char *[]){"BLPOP", "halves:never", "5"}), PHEME_OK);
  redisd_stop(&D);
  redis_value v;
  CHECK_INT(redis_command_reply(c, 50, &v), PHEME_SYS_IO);
  CHECK(!redis_up(c));
  CHECK_INT(redis_command_reply(c, 0, &v), PHEME_SYS_IO); /* nothing awaited any more */
  REQUIRE(redisd_start(&D) == 0); /* on the same port */
  usleep(150000); /* past the back-off (100 ms) */
  CHECK_INT(redis_command_send(c, 1, (const char *[]){"PING"}), PHEME_OK);
  CHECK_INT(redis_command_reply(c, 50, &v), PHEME_OK);
  CHECK_STR(v.s, "PONG");
  CHECK(redis_up(c));
  redis_client_free(c);
}

TEST_MAIN(REDISD_RUN(&D, RUN(a_command_in_between_gets_its_own_reply); RUN(an_error_reply_is_the_commands_fault_not_an_outage); RUN(a_send_while_a_reply_is_awaited_drops_that_reply); RUN(a_connection_lost_between_the_halves_is_an_outage_then_recovers)))
