/* AI assessors behind one interface (a const vtable, STYLE §7). The pipeline runs one or more per
 * task; each gets the task and the submission and returns an assessment, or an assess_code that
 * says why not (src/validation/fallback.h decides what happens next).
 *
 *   builtin  deterministic and offline; NOT a language model: it counts rubric terms, structure
 *            and evidence (builtin.c, docs/validation.md says what each number means)
 *   openai   any OpenAI-compatible /v1/chat/completions endpoint (openai.c)
 *
 * Ownership: the caller owns task and submission for the duration of the call; the assessment
 * holds malloc'ed feedback and a jansson record, freed by assessment_release (also after a
 * failure, on a zeroed or partly filled assessment). An assessor object is used by one thread at
 * a time (the pipeline gives each worker its own). */
#ifndef PHEME_VALIDATION_ASSESSOR_H
#define PHEME_VALIDATION_ASSESSOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"

#define ASSESS_MAX_CRITERIA 32
#define ASSESS_MAX_EVIDENCE 64
#define ASSESS_MAX_FEEDBACK 16384 /* bytes of feedback kept */

/* Why an assessment failed: name, its lowercase text, retryable (may succeed if asked again), the pheme_err it maps to
 * and the message. One list, so the three cannot drift (STYLE §4). */
#define ASSESS_CODES(X)                                                                              \
  X(OK, "ok", 0, PHEME_OK, "ok")                                                                     \
  X(TRANSPORT, "transport", 1, PHEME_SYS_IO, "the endpoint could not be reached")                    \
  X(TIMEOUT, "timeout", 1, PHEME_SYS_IO, "the endpoint did not answer in time")                      \
  X(RATE_LIMITED, "rate_limited", 1, PHEME_SYS_IO, "the endpoint kept answering 429")                \
  X(SERVER, "server", 1, PHEME_SYS_IO, "the endpoint kept answering 5xx")                            \
  X(HTTP, "http", 0, PHEME_SYS_CONFIG, "the endpoint refused the request (4xx)")                     \
  X(MALFORMED, "malformed", 1, PHEME_DATA_INVALID, "the answer is not the JSON expected")            \
  X(SCHEMA, "schema", 1, PHEME_DATA_INVALID, "the answer violates the schema")                       \
  X(MISSING_CRITERION, "missing_criterion", 1, PHEME_DATA_INVALID, "the answer leaves out a criterion") \
  X(RANGE, "range", 1, PHEME_DATA_INVALID, "a score or the confidence is out of range")              \
  X(REFUSED, "refused", 0, PHEME_DATA_INVALID, "the model refused to answer")                        \
  X(INPUT, "input", 0, PHEME_DATA_INVALID, "the task or submission cannot be assessed")              \
  X(CONFIG, "config", 0, PHEME_SYS_CONFIG, "the assessor is not configured")                         \
  X(NOMEM, "nomem", 1, PHEME_SYS_NOMEM, "out of memory")

typedef enum {
#define ASSESS_ENUM(name, text, retry, perr, msg) ASSESS_##name,
  ASSESS_CODES(ASSESS_ENUM)
#undef ASSESS_ENUM
  ASSESS__COUNT
} assess_code;

/* "timeout", "missing_criterion", ... (lowercase name), never NULL. */
const char *assess_code_name(assess_code c);
const char *assess_code_message(assess_code c);
int assess_code_retryable(assess_code c);
pheme_err assess_code_err(assess_code c);
/* Writes the message into err (errlen bytes; as pheme_fail does) and returns c: the assessors'
 * way of saying why, beside their detail code. */
assess_code assess_fail(assess_code c, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

typedef struct {
  int64_t id;
  const char *name;        /* unique within the task */
  const char *description;
  double weight;           /* > 0; normalised over the rubric */
} assess_criterion;

typedef struct {
  const char *type;        /* "link", "document", "image", "code", ... */
  const char *ref;         /* URL or CID */
  uint64_t size;           /* bytes; 0 when unknown (a link) */
  const char *media_type;  /* may be NULL */
} assess_evidence;

typedef struct {
  const char *title;
  const char *description;
  const assess_criterion *criteria;
  size_t n_criteria;       /* 1..ASSESS_MAX_CRITERIA */
  const char *const *accepted_evidence; /* types the task accepts; the builtin asks for one of each */
  size_t n_accepted;
} assess_task;

typedef struct {
  const char *text;
  size_t text_len;
  const assess_evidence *evidence;
  size_t n_evidence;       /* 0..ASSESS_MAX_EVIDENCE */
} assess_submission;

typedef struct {
  size_t n_criteria;                    /* the task's, in the task's order */
  int criterion_scores[ASSESS_MAX_CRITERIA]; /* 0..100 */
  int overall;                          /* 0..100 */
  double confidence;                    /* 0..1 */
  char *feedback;                       /* malloc'ed, NUL-terminated */
  char assessor[16];                    /* "builtin", "openai" */
  char model[128];                      /* "builtin-1", or the model the endpoint named */
  json_t *measured;                     /* what was measured or asked: inputs kept for "why" */
} assessment;

void assessment_release(assessment *a);

typedef struct {
  const char *id; /* "builtin" | "openai" */
  /* Assesses; returns ASSESS_OK with *out filled, or a code with err saying why (never a secret). */
  assess_code (*assess)(void *self, const assess_task *task, const assess_submission *sub,
                        assessment *out, char *err, size_t errlen);
  void (*destroy)(void *self);
} assessor_ops;

typedef struct {
  const assessor_ops *ops;
  void *self;
} assessor;

/* Checks what every assessor relies on: 1..ASSESS_MAX_CRITERIA criteria with non-empty distinct
 * names and positive finite weights, title and text present, at most ASSESS_MAX_EVIDENCE evidence
 * items each with a type and ref. ASSESS_INPUT with err naming the problem. */
assess_code assess_check_input(const assess_task *task, const assess_submission *sub, char *err,
                               size_t errlen);

/* Runs a->ops->assess after assess_check_input (out is zeroed first). On failure out may still
 * hold a record of what was tried (measured): release it either way. */
assess_code assessor_run(const assessor *a, const assess_task *task, const assess_submission *sub,
                         assessment *out, char *err, size_t errlen);
void assessor_destroy(assessor *a);

/* ---- builtin ---------------------------------------------------------------------------- */

#define BUILTIN_MODEL "builtin-1"
extern const assessor_ops assessor_builtin_ops;
/* The builtin assessor (no state; never fails but for memory). */
assessor assessor_builtin(void);

/* ---- openai ----------------------------------------------------------------------------- */

typedef struct {
  const char *base_url;      /* up to and including /v1, e.g. "http://127.0.0.1:11434/v1" */
  const char *model;
  const char *api_key;       /* may be "" (local servers); sent as Bearer, never logged */
  long timeout_ms;           /* per attempt, whole request */
  unsigned retries;          /* further attempts after a transport failure, 429 or 5xx */
  long backoff_ms;           /* first backoff; doubles per attempt, with jitter */
  long max_wait_ms;          /* longest wait honoured (Retry-After above it ends the retries) */
  size_t max_answer_bytes;   /* larger answers are MALFORMED */
  /* How to wait between attempts; NULL sleeps. Tests pass a recorder (never asserting time). */
  void (*sleep_ms)(void *ctx, long ms);
  void *sleep_ctx;
} openai_config;

/* Reads the API key: from the environment variable env_name when set and non-empty, else from the
 * file (trailing whitespace dropped), else "" when both names are empty. Returns 0 with *key
 * malloc'ed (caller frees), or PHEME_SYS_CONFIG with err naming the variable or file (never the
 * key). */
pheme_err openai_key_load(const char *env_name, const char *file, char **key, char *err,
                          size_t errlen) PHEME_MUST_CHECK;

extern const assessor_ops assessor_openai_ops;
/* An openai assessor over a copy of cfg. ASSESS_CONFIG when base_url or model is empty or the
 * base URL is not http(s), ASSESS_NOMEM. */
assess_code assessor_openai(assessor *out, const openai_config *cfg, char *err, size_t errlen);

/* The request body sent for task and sub (exposed for tests and docs). Caller json_decref()s. */
json_t *openai_request_body(const openai_config *cfg, const assess_task *task,
                            const assess_submission *sub);

/* Parses an endpoint's answer (the HTTP body of a 200) strictly against the task: the first choice's
 * message, its refusal (REFUSED), its content as the schema's JSON object (MALFORMED, SCHEMA,
 * MISSING_CRITERION, RANGE). Fills out's scores, overall, confidence, feedback and model (from the
 * answer's "model"); the caller sets the rest. Never crashes on any input (fuzzed). */
#define OPENAI_MAX_ANSWER (1u << 20)
assess_code openai_parse_answer(const char *body, size_t len, const assess_task *task,
                                assessment *out, char *err, size_t errlen);

#endif
