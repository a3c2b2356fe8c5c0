/* The Ethereum JSON-RPC client: JSON-RPC 2.0 over HTTP(S) with libcurl, to a list of endpoints
 * with failover, retries with capped exponential backoff, a response-size cap enforced while the
 * body arrives, strict parsing of every answer and a chain-id check, so a hostile or broken node
 * can make a call fail but never crash the server or feed it a wrong value.
 *
 * Threads: a client owns one curl easy handle (and its connection) that it reuses for every
 * request. One client is used by one thread at a time; give each thread its own client.
 * Design notes: docs/internals/chain.md. */
#ifndef PHEME_CHAIN_RPC_H
#define PHEME_CHAIN_RPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

typedef struct rpc_client rpc_client;

typedef struct {
  long timeout_ms;          /* whole HTTP exchange with one endpoint (default 10000) */
  long connect_timeout_ms;  /* TCP + TLS connect (default 3000) */
  int retries;              /* extra rounds over all endpoints after a failed round (default 2) */
  long backoff_ms;          /* pause after the first failed round; doubled each round (200) */
  long backoff_max_ms;      /* cap of that pause (default 5000) */
  size_t max_response_bytes; /* cap of an answer's body (default 16 MiB) */
  uint64_t expected_chain_id; /* 0: not checked until rpc_check_chain pins the node's id */
  long deadline_ms;         /* a whole call, across endpoints, retries and pauses (default
                             * 60000; 0 = none): past it the call fails with RPC_ERR_TRANSPORT
                             * and each attempt's timeout is cut to what is left */
} rpc_options;

typedef enum {
  RPC_ERR_NONE = 0,
  RPC_ERR_TRANSPORT, /* connect error, timeout, connection reset: the node's fault, failover */
  RPC_ERR_HTTP,      /* a non-2xx status: 5xx fails over, 4xx is returned at once */
  RPC_ERR_TOO_LARGE, /* the body passed max_response_bytes: returned at once (ask for less) */
  RPC_ERR_MALFORMED, /* not JSON, not JSON-RPC 2.0, wrong or missing ids: the node's fault */
  RPC_ERR_RPC,       /* the node answered with an error object: the request's fault, returned */
  RPC_ERR_WRONG_CHAIN, /* the node is on another chain than the one expected */
} rpc_error_kind;

typedef struct {
  rpc_error_kind kind;
  int http_status;   /* RPC_ERR_HTTP */
  long long code;    /* RPC_ERR_RPC: the error object's code */
  const char *data;  /* RPC_ERR_RPC: the error object's "data" as JSON text (revert data), in
                      * the caller's arena; NULL when absent */
  int endpoint;      /* index of the endpoint that gave the error; -1 when none */
  char message[320]; /* lowercase, quotes its subject: the endpoint (scheme://host:port only, no
                      * path or credentials), the method, the node's own message */
} rpc_error;

/* One call of a batch. The caller fills method and params; rpc_batch fills the rest. */
typedef struct {
  const char *method;
  const char *params_json; /* the params as JSON array text ("[\"latest\",false]"); NULL = [] */
  json_t *result;          /* on success of the call: a new reference, the caller json_decref()s */
  rpc_error err;           /* kind RPC_ERR_RPC when the node answered this call with an error */
} rpc_request;

/* Fills *o with the defaults above. */
void rpc_options_init(rpc_options *o);

/* A client for endpoints[0..n) (http:// or https:// URLs, copied), tried in this order.
 * o may be NULL for the defaults. Returns NULL (and logs why, quoting the endpoint or option)
 * for n < 1, an invalid URL, an option out of range or no memory. Free with rpc_client_free(). */
rpc_client *rpc_client_new(const char *const *endpoints, int n, const rpc_options *o);
void rpc_client_free(rpc_client *c);

/* Calls one method. params_json is the JSON array text of the params (not checked here; NULL
 * means []). Returns 0 with *result set to a new reference (the caller json_decref()s it), or
 * an error with *result NULL and *err filled: PHEME_SYS_IO for transport and HTTP errors,
 * PHEME_DATA_INVALID for a malformed, too large or wrong-chain answer and for a JSON-RPC error
 * object (err->kind tells which; err->code and err->message carry the node's). Strings of err
 * (err->data) live in a, which must outlive their use; a may be NULL (then err->data stays NULL).
 *
 * Request ids are integers assigned by the client, increasing from 1 (a batch takes one per
 * call); the answer must carry the same id and "jsonrpc":"2.0", with one of result or error. */
pheme_err rpc_call(rpc_client *c, arena *a, const char *method, const char *params_json,
                   json_t **result, rpc_error *err) PHEME_MUST_CHECK;

/* A reader tried on an answer's body before the checked parse: returns 1 when it took the
 * answer of call id (its result is then wherever ctx says), 0 to leave it to the checked parse.
 * It must take only answers the checked parse accepts (chain/logscan.h is one). */
typedef int (*rpc_scan_fn)(const char *body, size_t len, long long id, void *ctx);

/* rpc_call, with scan tried first on each 2xx body: when it takes the answer, returns 0 with
 * *scanned 1 and *result NULL; otherwise as rpc_call, with *scanned 0. */
pheme_err rpc_call_scan(rpc_client *c, arena *a, const char *method, const char *params_json,
                        rpc_scan_fn scan, void *ctx, int *scanned, json_t **result,
                        rpc_error *err) PHEME_MUST_CHECK;

/* Sends calls[0..n) as one JSON-RPC 2.0 batch. Answers are matched by id in any order; an
 * answer that is not an array of n JSON-RPC 2.0 objects with exactly the batch's ids (a missing,
 * duplicated or foreign id) is malformed and fails the whole batch (the node's fault: failover).
 * Returns 0 when the batch was answered: then each call has result set, or result NULL and err
 * filled with the node's error for that call. Otherwise returns an error like rpc_call, with no
 * result set. The caller json_decref()s each non-NULL result. */
pheme_err rpc_batch(rpc_client *c, arena *a, rpc_request *calls, int n, rpc_error *err)
    PHEME_MUST_CHECK;

/* Asks the node for eth_chainId and compares it with expected_chain_id, or, when that is 0,
 * with the id this client saw first (which the first successful check pins). Returns 0, or
 * PHEME_DATA_INVALID with err->kind RPC_ERR_WRONG_CHAIN and a message naming both ids, or the
 * error of the call. Once an id is known, each endpoint is also checked the first time the client
 * sends it anything, so failover never lands on a node of another chain. */
pheme_err rpc_check_chain(rpc_client *c, rpc_error *err) PHEME_MUST_CHECK;

/* Checks an answer body as the client does (for the fuzz target and tests): with n > 0, a batch
 * of calls[0..n) whose ids are first_id.. first_id+n-1 (each call's result or err filled as by
 * rpc_batch); with n == 0, one call of id first_id whose result goes to *result. Returns 0 or
 * PHEME_DATA_INVALID with err filled (RPC_ERR_MALFORMED or RPC_ERR_RPC). */
pheme_err rpc_answer_parse(const char *body, size_t len, long long first_id, rpc_request *calls,
                           int n, json_t **result, arena *a, rpc_error *err) PHEME_MUST_CHECK;

/* The chain id known to the client (expected or pinned), 0 when none yet. */
uint64_t rpc_chain_id(const rpc_client *c);

/* Parses a strict JSON-RPC quantity: "0x", then 1 to 16 hex digits (either case) with no
 * leading zero except "0x0". Returns 0 with *out set, or PHEME_DATA_INVALID (a number that does
 * not fit 64 bits is refused, never truncated). */
pheme_err rpc_quantity_parse(const char *s, uint64_t *out) PHEME_MUST_CHECK;

#endif
