/* The deployment manifest: where the suite lives on one chain. The format is the one
 * contracts/script/Deploy.s.sol writes (contracts/deployments/31337.json is one), so a manifest
 * made by forge and one made by `pheme chain deploy` are interchangeable:
 *
 *   {"chainId": 31337, "contracts": {"PhemeBadges": "0x…", …}, "deploymentBlock": 0,
 *    "implementations": {"PhemeBadges": "0x…", …},
 *    "roles": {"deployer": "0x…", "governance": "0x…", "relayer": "0x…"}, "version": 1}
 *
 * Written with sorted keys and two-space indentation, as forge writes it. Read strictly:
 * duplicate keys, a missing or malformed address, a version other than 1 are refused. */
#ifndef PHEME_CHAIN_MANIFEST_H
#define PHEME_CHAIN_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define MANIFEST_VERSION 1

typedef struct {
  uint64_t chain_id;
  uint64_t deployment_block; /* the block the deployment started at: where indexing begins */
  /* "contracts" */
  uint8_t token[20], team_vesting[20], timelock[20], governor[20], staking[20], distributor[20],
      oracle[20], registry[20], skill_wallet[20], badges[20];
  /* "implementations" behind the UUPS proxies */
  uint8_t oracle_impl[20], registry_impl[20], skill_wallet_impl[20], badges_impl[20];
  /* "roles" */
  uint8_t deployer[20], relayer[20], governance[20];
} manifest;

/* One address of the manifest, for code that walks them all (status, code checks). */
typedef struct {
  const char *section; /* "contracts", "implementations", "roles" */
  const char *key;     /* "PhemeToken", …, as in the JSON */
  size_t offset;       /* of the uint8_t[20] in manifest */
} manifest_field;
extern const manifest_field manifest_fields[];
extern const size_t manifest_field_count;
static inline const uint8_t *manifest_address(const manifest *m, const manifest_field *f) {
  return (const uint8_t *)m + f->offset;
}

/* Parses manifest text. Returns 0, or PHEME_DATA_INVALID with err (errlen bytes) saying which
 * key is missing or wrong, quoting it. */
pheme_err manifest_parse(manifest *m, const char *text, size_t n, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Reads and parses a file (at most 1 MiB). PHEME_DATA_NOT_FOUND when it does not exist,
 * PHEME_SYS_IO when it cannot be read, else as manifest_parse; err names the path. */
pheme_err manifest_load(manifest *m, const char *path, char *err, size_t errlen) PHEME_MUST_CHECK;
/* Appends the JSON text (no trailing newline, as forge writes it). PHEME_SYS_NOMEM on a cap. */
pheme_err manifest_format(buf *out, const manifest *m) PHEME_MUST_CHECK;
/* Writes the file atomically (a temporary file renamed over path). PHEME_SYS_IO with err. */
pheme_err manifest_save(const manifest *m, const char *path, char *err, size_t errlen)
    PHEME_MUST_CHECK;

#endif
