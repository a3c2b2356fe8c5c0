/* What the aggregate files (users.c, tasks.c, …) share and no caller of store.h sees: the store
 * itself (driver, write generation, the group committer of batch.h), the unit of work over one
 * connection (sx) with its query helpers, and the few row readers and writers that more than one
 * aggregate needs (the user row). */
#ifndef PHEME_STORE_INTERNAL_H
#define PHEME_STORE_INTERNAL_H

#include <pthread.h>

#include "store/batch.h"
#include "store/db.h"
#include "store/store.h"

/* The group committer's threads: SQLite has one writer, so one; on PostgreSQL two, each with a
 * transaction of its own on its own connection, so that one batch's statements run on the
 * server while the next batch is planned on the client (batch.c). */
#define COMMITTERS_PG 2

/* The group committer's state (batch.c). */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t wake;
  store_job *head, *tail; /* waiting jobs, oldest first */
  pthread_t threads[COMMITTERS_PG];
  int nthreads;           /* committer threads running (started on first use) */
  int want;               /* how many to start: 1 on SQLite (one writer), COMMITTERS_PG on PostgreSQL */
  int state;              /* 0 not started, 1 running, 2 stopping, -1 could not start */
  int queued;             /* jobs in the queue */
  int waiting;            /* the committer is waiting for more jobs to join its batch */
  int wait_us;            /* how long it waits for one more (0: never) */
  int last_batch;         /* jobs in its last transaction */
  store_batch_stats stats;
  pthread_cond_t turn_cv; /* the lock turn moved on (with mu) */
  uint64_t tickets;       /* batches taken, in queue order: each batch's ticket */
  uint64_t turn;          /* the ticket whose batch may take its locks now */
} store_committer;

/* The API keys verified lately (keys.c): a key's SHA-256 → the key, so that a request's
 * authentication is not a statement and a read transaction of its own. KEY_CACHE_SETS sets of
 * KEY_CACHE_WAYS keys; strings in text. */
#define KEY_CACHE_SETS 64
#define KEY_CACHE_WAYS 4
typedef struct {
  uint8_t hash[32];
  uint64_t generation; /* the store's keys_generation before the key was read */
  uint64_t until_us;   /* monotonic (time_mono_us); 0 = empty */
  api_key key;         /* prefix, role and label point into text */
  char text[128];
} key_cache_slot;

typedef struct {
  pthread_mutex_t mu;
  key_cache_slot slot[KEY_CACHE_SETS * KEY_CACHE_WAYS];
} key_cache;

struct store {
  db *db;
  const db_driver *drv;
  uint64_t generation; /* atomic; moves on after every committed write */
  /* atomic; moves on after every write of this process that may have changed api_keys or users
   * (the API-key cache's rows, keys.c) */
  uint64_t keys_generation;
  store_committer committer;
  /* Called after a commit whose transaction wrote an event row (store_events_listen), or NULL */
  void (*events_hook)(void *ctx);
  void *events_ctx;
  /* Called after every committed write (store_writes_listen), or NULL */
  void (*writes_hook)(void *ctx);
  void *writes_ctx;
  /* PostgreSQL with a read replica: where reads go (pg/replica.h), or NULL */
  struct replica_gate *gate;
  key_cache keys;
};

/* The store's keys_generation (keys.c's cache is valid while it stays). */
uint64_t store_keys_generation(store *s);

/* The generation moved on (a write committed): calls the store's writes_hook. */
void store_wrote(store *s);

/* A unit of work: one connection, optionally one transaction, an arena for results. */
typedef struct sx {
  store *s;
  db_conn *c;
  arena *a;
  arena scratch; /* used when the caller passes no arena */
  int in_tx;
  int in_read; /* a read transaction (SQLite) is open */
  /* Called once after this unit's transaction commits, or NULL (jobs_enqueue_in sets it to wake
   * the process's job workers). */
  void (*on_commit)(store *s);
  int wrote_event; /* sx_event ran in this unit: its commit calls the store's events_hook */
  int pinned;      /* x->c is the thread's pinned read connection (store_read_pin): kept at the end */
  int wrote_keys;  /* a statement of this transaction may have changed api_keys or users (store.c):
                    * its commit ends the API-key cache's entries */
  int holds_turn;  /* the committer's lock turn is this transaction's (batch.c, sx_pass_turn) */
} sx;

/* A group committer's batch holds the lock turn from its start until its work_group has taken
 * its row locks (the award: outcomes, people, guilds), and then passes it: the next batch, on the
 * other committer (PostgreSQL), starts only then, so that where the two batches share a row it
 * waits for the first to commit and the awards of a person apply in the order they were queued
 * (batch.c). A no-op for a transaction that does not hold it. */
void sx_pass_turn(sx *x);

/* Takes a read connection. */
pheme_err sx_read(store *s, arena *a, sx *x) PHEME_MUST_CHECK;
/* Makes the following reads of x see one snapshot (several statements, one answer); also cheaper
 * on SQLite, where it takes the WAL read lock once. A no-op where the driver has no read
 * transactions. */
pheme_err sx_snapshot(sx *x) PHEME_MUST_CHECK;
/* Takes the write connection and begins a transaction. */
pheme_err sx_write(store *s, arena *a, sx *x) PHEME_MUST_CHECK;
pheme_err sx_query(sx *x, const char *sql, const dbv *args, int nargs, db_result *out)
    PHEME_MUST_CHECK;
/* Commits (if in a transaction) and gives the connection back. */
pheme_err sx_commit(sx *x) PHEME_MUST_CHECK;
/* Rolls back (if in a transaction) and gives the connection back. Safe after sx_commit. */
void sx_end(sx *x);
/* Writes the audit row of a change, inside x's transaction. detail is a JSON object or NULL. */
pheme_err sx_audit(sx *x, const store_actor *who, const char *action, const char *subject_type,
                   int64_t subject_id, const char *detail) PHEME_MUST_CHECK;

#define SX_ARGS(...) (const dbv[]){__VA_ARGS__}, (int)(sizeof((dbv[]){__VA_ARGS__}) / sizeof(dbv))
/* Q(x, out, sql, args…): one query with arguments. */
#define Q(x, out, sql, ...) sx_query((x), (sql), SX_ARGS(__VA_ARGS__), (out))
#define Q0(x, out, sql) sx_query((x), (sql), NULL, 0, (out))

/* Runs an INSERT of one row into a table whose key is an integer id, and gives the id: sql is
 * the INSERT without RETURNING, sql_returning the same with " RETURNING id" (see
 * db_driver.last_insert_id for why both). Use it through QID. */
pheme_err sx_insert_id(sx *x, int64_t *id, const char *sql, const char *sql_returning,
                       const dbv *args, int nargs) PHEME_MUST_CHECK;
/* QID(x, &id, "INSERT …", args…) */
#define QID(x, id, sql, ...) sx_insert_id((x), (id), sql, sql " RETURNING id", SX_ARGS(__VA_ARGS__))

/* Writes nrows rows, args row-major with cols values each, by "head VALUES (…), (…) tail" in
 * statements of 64, 16, 4 or 1 rows: many rows in few statements, and four texts per table in
 * the statement caches whatever the number of rows (a multi-row INSERT or upsert). */
pheme_err sx_insert_rows(sx *x, const char *head, const char *tail, int cols, const dbv *args, int nrows)
    PHEME_MUST_CHECK;

/* ---- people (users.c): the one place a user row is read or created ---- */

/* The columns sx_user_read reads, as "u.…" (select FROM users u), followed by the roles version
 * (column USER_COL_ROLES_VERSION) and the nonces-after time (USER_COL_NONCES_AFTER) that only
 * the sign-in needs. */
#define USER_COLS                                                                                  \
  "u.id, u.address, u.display_name, u.bio, u.roles, u.created_at, u.updated_at, u.roles_version, " \
  "u.nonces_after"
enum { USER_COL_ROLES_VERSION = 7, USER_COL_NONCES_AFTER = 8 };
/* Reads row i of a result selected with USER_COLS. */
void sx_user_read(const db_result *r, int i, user *u);
/* Creates a person (role user, empty bio) with address as their primary wallet, inside x's
 * transaction; *id is the new user's id. The caller writes the audit row. */
pheme_err sx_user_insert(sx *x, const uint8_t address[20], const char *display_name, int64_t now_ms,
                         int64_t *id) PHEME_MUST_CHECK;

/* ---- rows read in more than one file: the columns and the one reader of each ---- */

/* A task (tasks.c) selected FROM tasks t JOIN users u ON u.id = t.creator_id; its skills are not
 * among the columns (the reader leaves them empty). */
#define TASK_COLS                                                                              \
  "t.id, t.type, t.title, t.description, t.status, t.difficulty, t.xp_reward, "               \
  "CAST(t.token_reward AS TEXT), t.creator_id, u.address, coalesce(t.guild_id, 0), "          \
  "coalesce(t.deadline, 0), t.requirements, t.validation, t.created_at, t.updated_at"
/* Reads row i of a result selected with TASK_COLS at column 0. */
void sx_task_read(const db_result *r, int i, task *t);
/* Gives tasks[0..n) their skills (in a) from r, rows (task_id, slug, min_level) by task id then
 * slug. */
pheme_err sx_task_skills_fill(arena *a, const db_result *r, task *tasks, int n) PHEME_MUST_CHECK;
/* A submission (submissions.c) selected FROM submissions s JOIN users u ON u.id = s.user_id. */
#define SUB_COLS                                                                           \
  "s.id, s.task_id, s.user_id, u.address, s.text, s.evidence, s.state, s.feedback, "      \
  "coalesce(s.final_score, -1), s.created_at, s.updated_at"
/* Reads row i of a result whose columns c… are SUB_COLS. */
void sx_submission_read(const db_result *r, int i, int c, submission *s);

/* Inside x's write transaction: PHEME_DATA_CONFLICT unless owner holds lease name (lease.c,
 * store/lease.h). On PostgreSQL the lease's row stays share-locked until x ends, so nobody takes it
 * over before x commits: work done under a lease is written only while it is held (a fence). */
pheme_err sx_lease_fence(sx *x, const char *name, const char *owner) PHEME_MUST_CHECK;

/* Whether x speaks to PostgreSQL (for the few statements that differ: row locks). */
int sx_is_pg(const sx *x);
/* Reads task id with its skills inside x (tasks.c). lock: 0 none, 1 the row locked for update,
 * 2 share-locked (PostgreSQL; SQLite's one writer is already exclusive). */
pheme_err sx_task_get(sx *x, int64_t id, int lock, task *out) PHEME_MUST_CHECK;

/* Reads submission id inside x (submissions.c); lock 1 locks its row for update (PostgreSQL). */
pheme_err sx_submission_get(sx *x, int64_t id, int lock, submission *out) PHEME_MUST_CHECK;
/* Writes one row of a submission's timeline (store/validation.h) inside x. */
pheme_err sx_submission_event(sx *x, int64_t sub_id, const char *from, const char *to,
                              const char *event, const char *actor, int64_t actor_id,
                              const char *detail, int64_t now) PHEME_MUST_CHECK;
/* Appends one domain event (migration 0015) inside x's transaction, so it commits or rolls back
 * with the change it reports. kind is "<subject>.<what happened>" ("xp.awarded"); user_id is the
 * person it is about (0: nobody in particular); is_public 0 keeps it to that person and admins;
 * subject_type/subject_id name the record ("submission", 42; "" and 0 for none); data is a JSON
 * object (NULL: {}). */
pheme_err sx_event(sx *x, const char *kind, int64_t user_id, int is_public,
                   const char *subject_type, int64_t subject_id, const char *data, int64_t now)
    PHEME_MUST_CHECK;
/* The "submission.<state>" event of a submission that moved from `from` to `to` by step
 * `event` (sx_submission_event calls it when the state changes). */
pheme_err sx_submission_state_event(sx *x, int64_t sub_id, const char *from, const char *to,
                                    const char *event, int64_t now) PHEME_MUST_CHECK;
/* The kind of the job a new submission enqueues (the validation pipeline's first step). */
#define STORE_JOB_SUBMISSION_CHECK "submission.check"

/* Copies a 20-byte blob cell into dst (zeros when the cell is not 20 bytes). */
void sx_addr(const db_result *r, int row, int col, uint8_t dst[20]);
/* The LIMIT a page asks for: one more than shown, to know whether there is a next page. */
static inline int64_t page_before(const store_page *p) { return p->before > 0 ? p->before : INT64_MAX; }

#endif
