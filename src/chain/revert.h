/* Revert decoding: what a reverted call or transaction said, by name and arguments.
 *
 * Revert data is selector || ABI-encoded arguments. Error(string) and Panic(uint256) are always
 * known; custom errors come from a table of error signatures ("ERC20InsufficientBalance(address,
 * uint256,uint256)", parameter names allowed) given by the caller, read from ABIs (the `error`
 * entries of contracts/artifacts/NAME.json), or both. Selectors are computed with Keccak-256 from
 * the canonical signature, so the table is only text. Generated contract bindings can hand their
 * own list of signatures to the same table.
 *
 * A table is built once and afterwards only read: one table may serve several threads. */
#ifndef PHEME_CHAIN_REVERT_H
#define PHEME_CHAIN_REVERT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

typedef struct revert_table revert_table;

/* A table holding Error(string), Panic(uint256) and sigs[0..n) (n may be 0). Returns NULL with err
 * quoting the first signature that does not parse, or naming memory. Free with revert_table_free. */
revert_table *revert_table_new(const char *const *sigs, size_t n, char *err, size_t errlen);
void revert_table_free(revert_table *t);

/* Adds one error signature. A signature whose selector is already known is skipped (the first
 * wins). Returns 0, or PHEME_DATA_INVALID with err quoting it. */
pheme_err revert_table_add(revert_table *t, const char *sig, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Adds the `error` entries of a contract ABI (a JSON array, as solc writes it). Returns 0, or
 * PHEME_DATA_INVALID with err naming the entry. */
pheme_err revert_table_add_abi(revert_table *t, const json_t *abi, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Adds the errors of every *.json artifact ({"abi": [...], ...}) in dir. Returns 0, or
 * PHEME_SYS_IO / PHEME_DATA_INVALID with err naming the file. */
pheme_err revert_table_add_artifacts(revert_table *t, const char *dir, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Adds the custom errors of PHEME's contract suite, from the bindings generated out of the
 * committed ABIs (chain/contracts.h), so a revert of any PHEME contract decodes without files at
 * run time. Returns 0, or PHEME_DATA_INVALID with err quoting a signature. */
pheme_err revert_table_add_suite(revert_table *t, char *err, size_t errlen) PHEME_MUST_CHECK;
/* The process's table of Error, Panic and the suite's errors, built on first use and never freed
 * (read-only afterwards, shared by every thread); NULL only when memory ran out. */
const revert_table *revert_suite(void);
/* How many error signatures the table knows (with the two built-in ones). */
size_t revert_table_size(const revert_table *t);

typedef struct {
  int known;               /* 1: the selector is in the table and the arguments decoded */
  const char *name;        /* "Error", "Panic", "ERC20InsufficientBalance"; NULL when not known */
  const char *signature;   /* canonical, "ERC20InsufficientBalance(address,uint256,uint256)" */
  const char *args_json;   /* the arguments as a JSON array text ("[]" when none) */
  const char *text;        /* for people: "ERC20InsufficientBalance(\"0xf39F…\",\"0\",\"5\")",
                            * "Error(\"not allowed\")", "Panic(0x11: arithmetic overflow)",
                            * "unknown error 0x12345678 (36 bytes)", "no revert data" */
} revert_info;

/* Decodes revert data. Never fails on the data itself: unknown selectors, short data and
 * arguments that do not decode give known = 0 and a text saying so. Strings are in a. Returns 0,
 * or PHEME_SYS_NOMEM when the arena is exhausted. */
pheme_err revert_decode(const revert_table *t, arena *a, const uint8_t *data, size_t n,
                        revert_info *out) PHEME_MUST_CHECK;

/* Finds the revert data in the "data" member of a JSON-RPC error (rpc_error.data, as JSON text):
 * a "0x…" string, or an object whose "data" (or "originalError"."data") is one. Returns 0 with
 * *out and *n (*out in a; n may be 0), or PHEME_DATA_INVALID when there is none. */
pheme_err revert_data_from_rpc(arena *a, const char *data_json, uint8_t **out, size_t *n)
    PHEME_MUST_CHECK;

#endif
