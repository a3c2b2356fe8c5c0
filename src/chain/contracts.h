/* Contract bindings for the PHEME suite: typed calls made from the committed ABIs.
 *
 * tools/abigen.c reads contracts/artifacts/<name>.json at build time and writes
 * chain/contracts_gen.{h,c} (included at the end of this header), which hold for each contract:
 *
 *   const contract_info ct_<Contract>;                     name, creation bytecode, tables
 *   ct_<Contract>_deploy(buf *initcode, args..., err)      bytecode || constructor arguments
 *   ct_<Contract>_<fn>(buf *calldata, args..., err)        selector || arguments
 *   ct_<Contract>_<fn>_result(ret, ret_len, outs..., err)  the decoded return values
 *
 * An overloaded name gets the canonical parameter types appended for every overload but the one
 * with the fewest parameters ("release" and "release_address"); in the appended types '[', '('
 * and ',' become '_' and ']' and ')' become 'A' ("f(uint256[])" -> "f_uint256_A").
 *
 * C types of parameters (inputs; outputs are the same written through pointers):
 *   address          const uint8_t x[20]
 *   bool             int
 *   uint8..uint64    uint64_t (range-checked against the width when encoding)
 *   int8..int64      int64_t
 *   uintN, intN > 64 const uint8_t x[32], big-endian, two's complement for intN
 *   bytesN           const uint8_t x[N]
 *   bytes            const uint8_t *x, size_t x_len       (output: json_t ** "0x..." string)
 *   string           const char *x (UTF-8)                (output: json_t ** JSON string)
 *   arrays, tuples   const json_t *x in the shape eth/abi.h documents (output: json_t **)
 * Parameters are named a_<abi name> (a<k> when unnamed), outputs o_<abi name> (o<k>).
 * A json_t ** output is a new reference the caller json_decref()s.
 *
 * Every function returns 0, or PHEME_DATA_INVALID (a value that does not fit its type, return
 * data that does not decode) / PHEME_SYS_NOMEM with *err set, and appends nothing on failure.
 *
 * The tables (contracts_suite, each contract's functions, events and custom errors with their
 * selectors and topics) are for the indexer (decode logs by topic0) and the transaction manager
 * (decode reverts by selector). Signing formats are not here: contracts/signing.json and
 * src/eth/eip712.h. */
#ifndef PHEME_CHAIN_CONTRACTS_H
#define PHEME_CHAIN_CONTRACTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"

typedef struct {
  const char *name;       /* "transfer" */
  const char *signature;  /* "transfer(address to,uint256 value)": abi_sig_parse reads it */
  const char *canonical;  /* "transfer(address,uint256)" */
  const char *outputs;    /* "((uint256 a,address b))" : the return values as a signature tail */
  const char *mutability; /* "view", "pure", "nonpayable", "payable" */
  uint8_t selector[4];
} contract_function;

typedef struct {
  const char *name;      /* "Transfer" */
  const char *signature; /* "Transfer(address indexed from,address indexed to,uint256 value)" */
  const char *canonical; /* "Transfer(address,address,uint256)" */
  int anonymous;
  uint8_t topic0[32];    /* Keccak-256 of canonical */
} contract_event;

typedef struct {
  const char *name;      /* "AccessControlUnauthorizedAccount" */
  const char *signature; /* with parameter names */
  const char *canonical;
  uint8_t selector[4];
} contract_error;

typedef struct {
  const char *name;            /* the artifact's contractName: "PhemeToken" */
  const uint8_t *bytecode;     /* creation code */
  size_t bytecode_len;
  const char *constructor;     /* "constructor(address[] recipients,uint256[] amounts)" */
  const contract_function *functions;
  size_t n_functions;
  const contract_event *events;
  size_t n_events;
  const contract_error *errors;
  size_t n_errors;
} contract_info;

/* ---- lookups ---- */

/* The contract named name ("PhemeToken"), or NULL. */
const contract_info *contracts_find(const char *name);
/* A function of c by name (the first overload) or by canonical signature, or NULL. */
const contract_function *contracts_function(const contract_info *c, const char *name);
/* The event whose topic0 this is, in any contract of the suite (*owner set when not NULL), or
 * NULL. Events shared by several contracts (Transfer, RoleGranted) have one meaning. */
const contract_event *contracts_event_by_topic(const uint8_t topic0[32], const contract_info **owner);
/* The custom error with this selector in any contract of the suite, or NULL. */
const contract_error *contracts_error_by_selector(const uint8_t selector[4],
                                                  const contract_info **owner);

/* ---- encoding and decoding with the tables ---- */

/* Appends selector || abi_encode(args). args (a JSON array, one value per parameter) is taken
 * over (json_decref'ed here); NULL means an allocation failed before and gives PHEME_SYS_NOMEM. */
pheme_err contracts_encode_call(buf *out, const contract_function *f, json_t *args, pheme_error *err)
    PHEME_MUST_CHECK;
/* Appends bytecode || abi_encode(args) of the constructor; args taken over as above. */
pheme_err contracts_encode_deploy(buf *out, const contract_info *c, json_t *args, pheme_error *err)
    PHEME_MUST_CHECK;
/* Decodes return data of f into a new JSON array (one value per output). */
pheme_err contracts_decode_return(const contract_function *f, const uint8_t *data, size_t n,
                                  json_t **out, pheme_error *err) PHEME_MUST_CHECK;
/* Decodes a log of event ev (topics[0] = ev->topic0) into a JSON object {name: value}. */
pheme_err contracts_decode_event(const contract_event *ev, const uint8_t (*topics)[32],
                                 size_t n_topics, const uint8_t *data, size_t n, json_t **out,
                                 pheme_error *err) PHEME_MUST_CHECK;

/* ---- helpers of the generated code: C value <-> JSON value ---- */

/* New JSON values (NULL when out of memory). */
json_t *contracts_json_address(const uint8_t a[20]);
json_t *contracts_json_u64(uint64_t x);
json_t *contracts_json_i64(int64_t x);
json_t *contracts_json_uint(const uint8_t v[32]);
json_t *contracts_json_int(const uint8_t v[32]);
json_t *contracts_json_bytes(const uint8_t *p, size_t n);
json_t *contracts_json_string(const char *s);
/* A JSON array of v[0..n), taking over each value; NULL (after freeing them) when any is NULL
 * or memory is short. */
json_t *contracts_pack(json_t **v, size_t n);

/* Reads one decoded value into a C value; PHEME_DATA_INVALID when it is not of that shape. */
pheme_err contracts_take_address(const json_t *v, uint8_t out[20], pheme_error *err) PHEME_MUST_CHECK;
pheme_err contracts_take_bool(const json_t *v, int *out, pheme_error *err) PHEME_MUST_CHECK;
pheme_err contracts_take_u64(const json_t *v, uint64_t *out, pheme_error *err) PHEME_MUST_CHECK;
pheme_err contracts_take_i64(const json_t *v, int64_t *out, pheme_error *err) PHEME_MUST_CHECK;
pheme_err contracts_take_uint(const json_t *v, uint8_t out[32], pheme_error *err) PHEME_MUST_CHECK;
pheme_err contracts_take_int(const json_t *v, uint8_t out[32], pheme_error *err) PHEME_MUST_CHECK;
pheme_err contracts_take_bytes(const json_t *v, uint8_t *out, size_t n, pheme_error *err)
    PHEME_MUST_CHECK;

#include "chain/contracts_gen.h"

#endif
