/* PHEME's one error type. Every fallible function returns a pheme_err: 0 is success.
 * One X-macro list gives the enum, the HTTP status, the API error code (AUTH001, ...) and the
 * default message, so the three cannot drift apart (STYLE §4). */
#ifndef PHEME_CORE_ERR_H
#define PHEME_CORE_ERR_H

#include <stddef.h>

/*        name                   status api-code   default message */
#define PHEME_ERRORS(X) \
  X(OK,                     200, "OK000",   "ok") \
  X(API_BAD_JSON,           400, "API001",  "request body is not valid JSON") \
  X(API_BAD_REQUEST,        400, "API002",  "invalid request") \
  X(API_NOT_FOUND,          404, "API003",  "no such route") \
  X(API_METHOD,             405, "API004",  "method not allowed on this route") \
  X(API_TOO_LARGE,          413, "API005",  "request body too large") \
  X(API_MEDIA_TYPE,         415, "API006",  "content type must be application/json") \
  X(API_RATE_LIMITED,       429, "API007",  "too many requests") \
  X(API_BAD_CURSOR,         400, "API008",  "invalid pagination cursor") \
  X(API_UNAVAILABLE,        503, "API009",  "server is shutting down") \
  X(API_RANGE,              416, "API010",  "range not satisfiable") \
  X(API_FRAMING,            400, "API011",  "malformed request framing") \
  X(API_TRANSFER_CODING,    501, "API012",  "transfer coding not implemented") \
  X(API_BUSY,               503, "API013",  "server busy: too many connections or request bodies") \
  X(AUTH_MISSING,           401, "AUTH001", "authentication required") \
  X(AUTH_INVALID,           401, "AUTH002", "invalid credentials") \
  X(AUTH_FORBIDDEN,         403, "AUTH003", "role required") \
  X(AUTH_NOT_OWNER,         403, "AUTH004", "not your object") \
  X(DATA_NOT_FOUND,         404, "DATA001", "not found") \
  X(DATA_CONFLICT,          409, "DATA002", "conflicts with existing data") \
  X(DATA_INVALID,           422, "DATA003", "invalid value") \
  X(DATA_STATE,             409, "DATA004", "not allowed in the object's current state") \
  X(SYS_INTERNAL,           500, "SYS001",  "internal error") \
  X(SYS_STORAGE,            503, "SYS002",  "storage unavailable") \
  X(SYS_NOMEM,              503, "SYS003",  "out of memory") \
  X(SYS_CONFIG,             500, "SYS004",  "invalid configuration") \
  X(SYS_IO,                 500, "SYS005",  "input/output error") \
  X(SEC_CORS,               403, "SEC001",  "origin not allowed") \
  X(CHAIN_UNAVAILABLE,      503, "CHAIN001", "chain node unavailable") \
  X(WORK_REQUIREMENTS,      403, "WORK001", "the task's requirements are not met") \
  X(WORK_EVIDENCE,          422, "WORK002", "evidence names content that is not stored") \
  X(VAL_WRONG_SIGNER,       401, "VAL001", "the review is not signed by the validator it names") \
  X(VAL_NOT_ON_PANEL,       403, "VAL002", "not on the submission's review panel") \
  X(VAL_SUBMITTER,          403, "VAL003", "a submitter may not review their own submission") \
  X(VAL_REPLAY,             409, "VAL004", "the review was signed for another submission") \
  X(VAL_WINDOW,             409, "VAL005", "the dispute window has passed") \
  X(GQL_SYNTAX,             400, "GQL001", "the GraphQL document does not parse") \
  X(GQL_INVALID,            400, "GQL002", "the GraphQL document is not valid against the schema") \
  X(GQL_LIMIT,              400, "GQL003", "the GraphQL query passes a limit") \
  X(GQL_PERSISTED_NOT_FOUND, 200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound") \
  X(GQL_INTROSPECTION_OFF,  400, "GQL005", "introspection is disabled on this server") \
  X(GQL_VARIABLES,          400, "GQL006", "the request's variables do not fit the operation") \
  X(GQL_REQUEST,            400, "GQL007", "the GraphQL request is malformed")

typedef enum {
#define PHEME_ERR_ENUM(name, status, code, msg) PHEME_##name,
  PHEME_ERRORS(PHEME_ERR_ENUM)
#undef PHEME_ERR_ENUM
  PHEME_ERR__COUNT
} pheme_err;

/* The HTTP status, API code and default message of an error; never NULL. */
int pheme_err_status(pheme_err e);
const char *pheme_err_code(pheme_err e);
const char *pheme_err_message(pheme_err e);

#define PHEME_MUST_CHECK __attribute__((warn_unused_result))

/* ---- the one error channel ----
 *
 * SQLite's shape: a result code and a message. Every function that can fail for a reason worth
 * telling returns a pheme_err (0 is success), and says why in a message that quotes its subject
 * ("invalid chain id 'abc'"), written into the caller's buffer:
 *
 *   pheme_err f(..., char *err, size_t errlen);      return pheme_fail(PHEME_DATA_INVALID, err, errlen, "…", …);
 *
 * or, where the message must travel with the code (a record kept by a caller, an error handed
 * across threads), into a pheme_error:
 *
 *   pheme_err g(..., pheme_error *e);                return pheme_set(e, PHEME_DATA_INVALID, "…", …);
 *
 * A layer that needs to tell failures of one code apart keeps a detail beside it, as SQLite's
 * extended result codes do: auth_fault (store/auth_store.h: why a nonce or refresh token was
 * refused) and rpc_error (chain/rpc.h: transport, HTTP status, the node's JSON-RPC error and its
 * revert data). A handler's helper in src/api that refuses a request answers it and returns the
 * code it answered with (nonzero); the handler then returns. Only small parsers and predicates
 * whose one failure is "no" (not a number, not hex, no room) answer -1 or 0, as strtol's callers
 * expect, and their callers turn that into a pheme_err with a message where it matters. */

/* Returns from the calling function with x's error when x fails (x is a pheme_err expression). */
#define PHEME_TRY(x)                                                                               \
  do {                                                                                             \
    pheme_err try_ = (x);                                                                          \
    if (try_) return try_;                                                                         \
  } while (0)

/* Writes a message into the caller's err buffer (errlen bytes; nothing when err is NULL or errlen
 * is 0) and returns code. */
pheme_err pheme_fail(pheme_err code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An error with its message, for records that carry both. */
typedef struct {
  pheme_err code;
  char msg[320];
} pheme_error;

/* Records code and message in e (if e is not NULL) and returns code. */
pheme_err pheme_set(pheme_error *e, pheme_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes s[0..n) into out (cap bytes, NUL-terminated) for quoting in a message: control and
 * non-ASCII bytes, backslashes and quotes become \xNN, and input longer than 48 bytes is cut with
 * "...". */
const char *pheme_quote(char *out, size_t cap, const char *s, size_t n);
/* The size of a buffer that pheme_quote never overflows. */
#define PHEME_QUOTE 200

/* BUG(): an invariant the code relies on does not hold. Prints and aborts. */
#define PHEME_BUG(...) pheme_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void pheme_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
