/* The fast reader of eth_getLogs answers: the answer body (the whole JSON-RPC envelope) read
 * straight into chain_log structs in one pass, with no jansson tree. It is a shortcut, not a
 * second judge: it takes only answers of the plain shape nodes send (ASCII strings without
 * escapes, the usual log fields) and declines everything else, which then goes the checked way
 * (rpc_answer_parse + indexer_parse_logs) and is refused there with its message. What it accepts
 * the checked way accepts too, with the same logs (fuzz_logs_scan checks both, differentially).
 * See docs/internals/indexer.md "Reading eth_getLogs answers". */
#ifndef PHEME_CHAIN_LOGSCAN_H
#define PHEME_CHAIN_LOGSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "chain/indexer.h"
#include "core/arena.h"

/* Reads body[0..len) as the answer of call id to eth_getLogs for blocks from..to of o's
 * contracts. Returns 1 with *out (in a, sorted by block and log index) and *n set when it took
 * the answer; 0 when it declined (nothing set; memory it used in a stays there). */
int logscan_answer(const char *body, size_t len, long long id, const indexer_options *o,
                   int64_t from, int64_t to, arena *a, chain_log **out, int *n);

/* Limits: an answer holds at most LOGSCAN_MAX_LOGS logs (more: declined, the checked way
 * decides); a log object at most LOGSCAN_MAX_OTHER keys besides the ones read. */
#define LOGSCAN_MAX_LOGS 10000000
#define LOGSCAN_MAX_OTHER 8

#endif
