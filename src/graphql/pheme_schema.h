/* PHEME's GraphQL schema: the table of types (pheme_schema.c) and the context its resolvers read
 * — the store, the caller as a work principal (the same authorization as REST) and the chain
 * the projections are read from. docs/schema.graphql is this table written out by
 * `pheme graphql schema` (gqlp_schema_sdl); a test checks the two agree. */
#ifndef PHEME_GRAPHQL_PHEME_SCHEMA_H
#define PHEME_GRAPHQL_PHEME_SCHEMA_H

#include "core/config.h"
#include "game/leaderboard.h"
#include "graphql/graphql.h"
#include "jobs/fanout.h"
#include "store/store.h"
#include "work/principal.h"

typedef struct {
  store *store;
  work_principal who;  /* user_id 0: anonymous */
  store_actor actor;   /* for the audit rows of mutations */
  uint64_t chain_id;   /* the chain of the projections; 0 = the one the indexer follows */
  const pheme_config *cfg; /* for the reputation engine (explain, endorse); NULL: those fail */
  leaderboards *boards;     /* the process's leaderboards; NULL: leaderboard fails */
  const events_msg *event; /* a subscription's run: the event (also the root object) */
  int event_skip;          /* set by the run: the event is not one the subscription asked for */
  int store_calls;     /* store functions called for this request (the batching test reads it) */
  int pinned;          /* gqlp_query_begin pinned a read snapshot (gqlp_query_end lets it go) */
} gqlp_ctx;

extern const gql_type_def gqlp_types[];
extern const int gqlp_ntypes;

/* Whether kind matches a subscription's list of kinds (exact names, "x.*" prefixes, "*"); an
 * empty list matches every kind. */
int gqlp_kind_matches(const char *const *kinds, int n, const char *kind);

/* gql_exec_options.query_begin / query_end for a gqlp_ctx: a query's levels read one snapshot
 * of the store (store_read_pin). */
void gqlp_query_begin(void *ctx);
void gqlp_query_end(void *ctx);

/* The service over PHEME's schema with limits lim (NULL: defaults). */
pheme_err gqlp_service_init(gql_service *svc, const gql_limits *lim, char *err, size_t errlen) PHEME_MUST_CHECK;

/* Writes docs/schema.graphql's text (with its header comment) into out. */
pheme_err gqlp_schema_sdl(buf *out, char *err, size_t errlen) PHEME_MUST_CHECK;

#endif
