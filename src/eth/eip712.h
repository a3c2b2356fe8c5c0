/* EIP-712 typed structured data hashing, from the JSON form that eth_signTypedData_v4 takes:
 *
 *   {"types": {"EIP712Domain": [...], "Mail": [{"name": "from", "type": "Person"}, ...]},
 *    "primaryType": "Mail", "domain": {...}, "message": {...}}
 *
 * digest = Keccak-256(0x19 0x01 || hashStruct(EIP712Domain, domain) || hashStruct(primaryType,
 * message)); with primaryType "EIP712Domain" the message part is left out (as viem does).
 * When types has no EIP712Domain entry it is derived from the keys present in domain, in the
 * order name, version, chainId, verifyingContract, salt.
 *
 * Validation is strict: every field type must be atomic or a declared struct (with any number
 * of [] / [k] suffixes); struct names are identifiers and field names unique; every declared
 * field must be present in a value and no undeclared key may be; integers must fit their width
 * (JSON integers, decimal strings or 0x quantities); bytesN must be exactly N bytes; addresses
 * follow address_parse (a mixed-case address needs a valid EIP-55 checksum). */
#ifndef PHEME_ETH_EIP712_H
#define PHEME_ETH_EIP712_H

#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"

#define EIP712_MAX_DEPTH 48   /* nesting of structs and arrays in a value */
#define EIP712_MAX_TYPES 256  /* declared struct types */

/* The digest a wallet signs for typed (the whole eth_signTypedData_v4 object). Returns 0, or
 * PHEME_DATA_INVALID with *err naming the offending type, field or value. */
pheme_err eip712_hash(uint8_t out[32], const json_t *typed, pheme_error *err) PHEME_MUST_CHECK;

/* hashStruct(EIP712Domain, typed.domain). */
pheme_err eip712_domain_separator(uint8_t out[32], const json_t *typed, pheme_error *err)
    PHEME_MUST_CHECK;

/* hashStruct(type, value) under the given types object (validated first). */
pheme_err eip712_hash_struct(uint8_t out[32], const json_t *types, const char *type,
                             const json_t *value, pheme_error *err) PHEME_MUST_CHECK;

/* Appends encodeType(type): "Mail(Person from,Person to,string contents)Person(...)" with
 * the referenced structs sorted by name after the primary one. */
pheme_err eip712_encode_type(buf *out, const json_t *types, const char *type, pheme_error *err)
    PHEME_MUST_CHECK;

#endif
