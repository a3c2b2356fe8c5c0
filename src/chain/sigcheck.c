/* Contract-wallet signatures (EIP-1271, ERC-6492) checked through eth_call; see sigcheck.h and
 * docs/internals/contract-wallets.md. Every byte of a signature is the client's; every byte of
 * an answer is the node's or the wallet's: both are checked before use, and the two kinds of
 * failure stay apart (a bad signature is a verdict, a failing node is an error). */
#include "chain/sigcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth/abi.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "core/banned.h"

/* WalletSignatureCheck's creation code (contracts/src/WalletSignatureCheck.sol). The block is
 * written by contracts/test/wallet/embedded.js from forge's output, and `scripts/contracts.sh
 * test` fails when it differs from a fresh build: never edit it by hand. */
/* BEGIN WalletSignatureCheck creation code (contracts/test/wallet/embedded.js) */
static const char check_code_hex[] =
    "608060405234801561000f575f5ffd5b5060405161038738038061038783398101604081905261002e9161027a565b5f631626ba7e60e01b8585604051602401"
    "61004a929190610308565b60408051601f198184030181529190526020810180516001600160e01b03166001600160e01b03199093169290921790915290505f"
    "806001600160a01b0388163b81036100d45761009b858561011b565b6100a65760026100a9565b60015b90506001600160a01b0388163b156100ca576100c588"
    "8461014b565b6100cd565b60045b915061010f565b6100de888461014b565b91506001821461010f576100f2858561011b565b6100fd576002610100565b6001"
    "5b905061010c888461014b565b91505b815f528060205260405ff35b5f5f60045a61012a9190610344565b610135906003610363565b90505f5f845160208601"
    "5f8886f1949350505050565b5f5f60045a61015a9190610344565b610165906003610363565b90505f5f5f60205f8751602089018a88fa92503d91505f519050"
    "826101915760039450505050506101bc565b8160201480156101a75750630b135d3f60e11b81145b6101b25760026101b5565b60015b9450505050505b929150"
    "50565b80516001600160a01b03811681146101d8575f5ffd5b919050565b634e487b7160e01b5f52604160045260245ffd5b5f82601f830112610200575f5ffd"
    "5b81516001600160401b03811115610219576102196101dd565b604051601f8201601f19908116603f011681016001600160401b038111828210171561024757"
    "6102476101dd565b60405281815283820160200185101561025e575f5ffd5b8160208501602083015e5f918101602001919091529392505050565b5f5f5f5f5f"
    "60a0868803121561028e575f5ffd5b610297866101c2565b6020870151604088015191965094506001600160401b038111156102b9575f5ffd5b6102c5888289"
    "016101f1565b9350506102d4606087016101c2565b60808701519092506001600160401b038111156102ef575f5ffd5b6102fb888289016101f1565b91505092"
    "95509295909350565b828152604060208201525f82518060408401528060208501606085015e5f606082850101526060601f19601f8301168401019150509392"
    "505050565b5f8261035e57634e487b7160e01b5f52601260045260245ffd5b500490565b80820281158282048414176101bc57634e487b7160e01b5f52601160"
    "045260245ffdfe";
/* END WalletSignatureCheck creation code */

/* The answer of WalletSignatureCheck: abi.encode(uint256 verdict, uint256 factoryCall). */
enum { CHECK_VALID = 1, CHECK_REFUSED = 2, CHECK_WALLET_REVERTED = 3, CHECK_NOT_DEPLOYED = 4 };
enum { FACTORY_NOT_CALLED = 0, FACTORY_OK = 1, FACTORY_REVERTED = 2 };

int sigcheck_is_6492(const uint8_t *sig, size_t n) {
  if (n < 32) return 0;
  for (size_t i = 0; i < 32; i++)
    if (sig[n - 32 + i] != (i % 2 ? 0x92 : 0x64)) return 0;
  return 1;
}

/* The bytes of a "0x…" JSON string made by abi_decode, copied into the arena. */
static pheme_err bytes_of(arena *a, const json_t *v, const uint8_t **out, size_t *len) {
  const char *s = json_string_value(v);
  if (!s) PHEME_BUG("abi_decode gave a bytes value that is not a string");
  size_t n = json_string_length(v);
  uint8_t *p = arena_alloc(a, n / 2 + 1);
  if (!p) return PHEME_SYS_NOMEM;
  if (hex_decode(p, n / 2 + 1, len, s, n, 0, NULL)) PHEME_BUG("abi_decode gave bytes that are not hex");
  *out = p;
  return PHEME_OK;
}

pheme_err sigcheck_unwrap_6492(arena *a, const uint8_t *sig, size_t n, sigcheck_6492 *out,
                               char *why, size_t whylen) {
  memset(out, 0, sizeof *out);
  if (n > SIGCHECK_MAX_SIG) {
    return pheme_fail(PHEME_DATA_INVALID, why, whylen, "ERC-6492 signature of %zu bytes is longer than %d", n, SIGCHECK_MAX_SIG);
  }
  if (!sigcheck_is_6492(sig, n)) {
    return pheme_fail(PHEME_DATA_INVALID, why, whylen, "signature does not end with the ERC-6492 suffix 0x6492…6492");
  }
  static const char wrapping[] = "(address,bytes,bytes)";
  const abi_type *t;
  pheme_error ee = {0};
  pheme_err e = abi_type_parse(a, wrapping, sizeof wrapping - 1, &t, &ee);
  if (e == PHEME_SYS_NOMEM) return e;
  if (e) PHEME_BUG("cannot parse '%s': %s", wrapping, ee.msg);
  json_t *v = NULL;
  if ((e = abi_decode(t, sig, n - 32, &v, &ee))) {
    if (e == PHEME_SYS_NOMEM) return e;
    return pheme_fail(PHEME_DATA_INVALID, why, whylen, "malformed ERC-6492 signature: the %zu bytes before the suffix are not "
        "abi.encode(address factory, bytes factoryCalldata, bytes signature): %s", n - 32, ee.msg);
  }
  const json_t *f = json_array_get(v, 0);
  if (address_parse(out->factory, json_string_value(f), json_string_length(f), 0, NULL))
    PHEME_BUG("abi_decode gave an address that does not parse");
  e = bytes_of(a, json_array_get(v, 1), &out->factory_calldata, &out->factory_calldata_len);
  if (!e) e = bytes_of(a, json_array_get(v, 2), &out->signature, &out->signature_len);
  json_decref(v);
  return e;
}

/* "0x" and the hex of data[0..n), in the arena; NULL when it is exhausted. */
/* The params of an eth_call at "latest" with the gas cap: to may be NULL (a deployless call,
 * whose data is the creation code then the hex of data[0..n)). */
static char *call_params(arena *a, const char *to, const char *code, const uint8_t *data,
                         size_t n) {
  char *hx = hex_encode_in(a, data, n);
  if (!hx) return NULL;
  return arena_printf(a, "[{%s%s%s\"data\":\"0x%s%s\",\"gas\":\"0x%x\"},\"latest\"]",
                      to ? "\"to\":\"" : "", to ? to : "", to ? "\"," : "", code, hx + 2,
                      (unsigned)SIGCHECK_GAS);
}

/* The bytes of a node's "0x…" result into out[0..cap) (*len set). -1 when it is not a JSON
 * string of "0x" and an even number of hex digits, or does not fit. */
static int result_bytes(const json_t *r, uint8_t *out, size_t cap, size_t *len) {
  if (!json_is_string(r)) return -1;
  return hex_decode(out, cap, len, json_string_value(r), json_string_length(r), 0, NULL) ? -1 : 0;
}

/* Bytes a "0x…" result holds, or (size_t)-1 when it is not such a string. */
static size_t result_len(const json_t *r) {
  if (!json_is_string(r)) return (size_t)-1;
  const char *s = json_string_value(r);
  size_t n = json_string_length(r);
  if (n < 2 || s[0] != '0' || s[1] != 'x' || n % 2) return (size_t)-1;
  for (size_t i = 2; i < n; i++)
    if (hex_digit((unsigned char)s[i]) < 0) return (size_t)-1;
  return (n - 2) / 2;
}

/* A failed eth_call in which the EVM ran and stopped (a revert, out of gas, an invalid opcode, a
 * bad jump): the callee's answer, not the node's failure. Nodes say so with code 3 (EIP-1474
 * "execution reverted", with revert data) or only in the message, each in its own words: geth
 * "out of gas", "invalid opcode: …", "stack underflow (…)"; anvil -32603 "EVM error OutOfGas". */
static const char *const evm_stop_words[] = {
    "revert", "out of gas", "outofgas", "evm error", "invalid opcode", "invalid jump",
    "stack underflow", "stack overflow", "stack limit",
};

static int evm_stopped(const rpc_error *re) {
  if (re->kind != RPC_ERR_RPC) return 0;
  if (re->code == 3) return 1;
  for (size_t i = 0; i < sizeof evm_stop_words / sizeof *evm_stop_words; i++)
    if (strcasestr(re->message, evm_stop_words[i])) return 1;
  return 0;
}

static pheme_err node_failed(sigcheck_result *res, const char *what, const char *who,
                             const rpc_error *re) {
  return pheme_fail(PHEME_SYS_IO, res->why, sizeof res->why, "could not %s '%s': %.200s", what, who, re->message);
}

/* EIP-1271 on a deployed wallet: eth_call isValidSignature(hash, sig) on it. */
static pheme_err ask_wallet(rpc_client *rpc, arena *a, const char *who, const uint8_t hash[32],
                            const uint8_t *sig, size_t n, sigcheck_result *res) {
  static const char fn_text[] = "isValidSignature(bytes32,bytes)";
  abi_sig fn;
  pheme_error ee = {0};
  pheme_err e = abi_sig_parse(a, fn_text, sizeof fn_text - 1, &fn, &ee);
  if (e == PHEME_SYS_NOMEM) return e;
  if (e) PHEME_BUG("cannot parse '%s': %s", fn_text, ee.msg);
  char *hash_hex = hex_encode_in(a, hash, 32), *sig_hex = hex_encode_in(a, sig, n);
  if (!hash_hex || !sig_hex) return PHEME_SYS_NOMEM;
  json_t *args = json_pack("[ss]", hash_hex, sig_hex);
  if (!args) return PHEME_SYS_NOMEM;
  buf calldata;
  buf_init(&calldata, 4 + 4 * 32 + SIGCHECK_MAX_SIG + 32);
  e = abi_encode_call(&calldata, &fn, args, &ee);
  json_decref(args);
  if (e && e != PHEME_SYS_NOMEM) PHEME_BUG("cannot encode isValidSignature: %s", ee.msg);
  char *params = e ? NULL : call_params(a, who, "", (const uint8_t *)calldata.data, calldata.len);
  buf_release(&calldata);
  if (!params) return PHEME_SYS_NOMEM;

  json_t *r = NULL;
  rpc_error re;
  if ((e = rpc_call(rpc, a, "eth_call", params, &r, &re))) {
    if (e == PHEME_SYS_NOMEM) return e;
    if (evm_stopped(&re)) {
      res->verdict = SIGCHECK_INVALID;
      return pheme_fail(PHEME_OK, res->why, sizeof res->why, "wallet '%s' failed in isValidSignature (a revert, out of gas or bad code): %.200s", who, re.message);
    }
    if (re.kind == RPC_ERR_TOO_LARGE) { /* the wallet chose to answer that much */
      res->verdict = SIGCHECK_INVALID;
      return pheme_fail(PHEME_OK, res->why, sizeof res->why, "wallet '%s' answered isValidSignature with more than the "
          "client's answer cap", who);
    }
    return node_failed(res, "ask isValidSignature of wallet", who, &re);
  }
  size_t len = result_len(r);
  uint8_t word[32];
  if (len == (size_t)-1) {
    json_decref(r);
    return pheme_fail(PHEME_SYS_IO, res->why, sizeof res->why, "node answered eth_call isValidSignature on '%s' with something "
        "that is not 0x-prefixed hex", who);
  }
  res->verdict = SIGCHECK_INVALID;
  if (len != 32) {
    pheme_fail(PHEME_AUTH_INVALID, res->why, sizeof res->why, "wallet '%s' answered isValidSignature with %zu bytes, not the "
        "32-byte magic value 0x1626ba7e", who, len);
  } else if (result_bytes(r, word, sizeof word, &len)) {
    PHEME_BUG("a checked result does not decode");
  } else {
    static const uint8_t magic[32] = {0x16, 0x26, 0xba, 0x7e};
    if (memcmp(word, magic, 32) == 0) {
      res->verdict = SIGCHECK_VALID;
    } else {
      pheme_fail(PHEME_AUTH_INVALID, res->why, sizeof res->why, "wallet '%s' refused the signature: isValidSignature answered "
          "0x%02x%02x%02x%02x%s, not the magic value 0x1626ba7e", who, word[0], word[1], word[2],
          word[3], memcmp(word, magic, 4) == 0 ? " with nonzero low-order bytes" : "");
    }
  }
  json_decref(r);
  return PHEME_OK;
}

/* ERC-6492: one deployless eth_call of WalletSignatureCheck(wallet, hash, signature, factory,
 * factoryCalldata). */
static pheme_err ask_counterfactual(rpc_client *rpc, arena *a, const char *who, const uint8_t hash[32],
                                    const sigcheck_6492 *w, sigcheck_result *res) {
  static const char ctor_text[] = "(address,bytes32,bytes,address,bytes)";
  const abi_type *t;
  pheme_error ee = {0};
  pheme_err e = abi_type_parse(a, ctor_text, sizeof ctor_text - 1, &t, &ee);
  if (e == PHEME_SYS_NOMEM) return e;
  if (e) PHEME_BUG("cannot parse '%s': %s", ctor_text, ee.msg);
  char factory[ADDRESS_TEXT];
  address_to_checksum(factory, w->factory);
  char *hash_hex = hex_encode_in(a, hash, 32), *sig_hex = hex_encode_in(a, w->signature, w->signature_len),
       *data_hex = hex_encode_in(a, w->factory_calldata, w->factory_calldata_len);
  if (!hash_hex || !sig_hex || !data_hex) return PHEME_SYS_NOMEM;
  json_t *args = json_pack("[sssss]", who, hash_hex, sig_hex, factory, data_hex);
  if (!args) return PHEME_SYS_NOMEM;
  buf ctor;
  buf_init(&ctor, 8 * 32 + 2 * SIGCHECK_MAX_SIG);
  e = abi_encode(&ctor, t, args, &ee);
  json_decref(args);
  if (e && e != PHEME_SYS_NOMEM) PHEME_BUG("cannot encode the ERC-6492 check: %s", ee.msg);
  char *params = e ? NULL : call_params(a, NULL, check_code_hex, (const uint8_t *)ctor.data, ctor.len);
  buf_release(&ctor);
  if (!params) return PHEME_SYS_NOMEM;

  json_t *r = NULL;
  rpc_error re;
  if ((e = rpc_call(rpc, a, "eth_call", params, &r, &re))) {
    if (e == PHEME_SYS_NOMEM) return e;
    /* WalletSignatureCheck turns every wallet and factory outcome into a verdict; when the call
     * itself fails, the node (or its chain's EVM) could not run it. */
    return node_failed(res, "run the ERC-6492 check (a deployless eth_call) for wallet", who, &re);
  }
  uint8_t answer[64];
  size_t len = result_len(r);
  int bad = len != 64 || result_bytes(r, answer, sizeof answer, &len);
  json_decref(r);
  static const uint8_t zero[31];
  if (bad || memcmp(answer, zero, 31) || memcmp(answer + 32, zero, 31) ||
      answer[31] < CHECK_VALID || answer[31] > CHECK_NOT_DEPLOYED || answer[63] > FACTORY_REVERTED) {
    return pheme_fail(PHEME_SYS_IO, res->why, sizeof res->why, "node answered the ERC-6492 check for '%s' with %s, not the check's "
        "64-byte verdict (does it run eth_call without 'to'?)", who,
        len == (size_t)-1 ? "something that is not hex" : "other bytes");
  }
  const char *factory_did = answer[63] == FACTORY_OK ? "succeeded" : "reverted";
  res->verdict = SIGCHECK_INVALID;
  switch (answer[31]) {
  case CHECK_VALID:
    res->verdict = SIGCHECK_VALID;
    break;
  case CHECK_REFUSED:
    pheme_fail(PHEME_AUTH_INVALID, res->why, sizeof res->why, "wallet '%s' refused the ERC-6492 signature: isValidSignature did "
        "not answer the magic value 0x1626ba7e", who);
    break;
  case CHECK_WALLET_REVERTED:
    pheme_fail(PHEME_AUTH_INVALID, res->why, sizeof res->why, "wallet '%s' reverted or ran out of gas in isValidSignature "
        "(ERC-6492 signature)", who);
    break;
  case CHECK_NOT_DEPLOYED:
    pheme_fail(PHEME_AUTH_INVALID, res->why, sizeof res->why, "the ERC-6492 factory call to '%s' %s but left no code at wallet "
        "'%s': the wrapping does not deploy this address", factory, factory_did, who);
    break;
  }
  return PHEME_OK;
}

pheme_err sigcheck_verify(rpc_client *rpc, arena *a, const uint8_t signer[20],
                          const uint8_t hash[32], const uint8_t *sig, size_t sig_len,
                          sigcheck_result *res) {
  memset(res, 0, sizeof *res);
  char who[ADDRESS_TEXT];
  address_to_checksum(who, signer);
  if (sig_len > SIGCHECK_MAX_SIG) {
    return pheme_fail(PHEME_API_BAD_REQUEST, res->why, sizeof res->why, "signature of %zu bytes for '%s' is longer than %d", sig_len, who,
        SIGCHECK_MAX_SIG);
  }
  if (sigcheck_is_6492(sig, sig_len)) {
    res->erc6492 = 1;
    sigcheck_6492 w;
    pheme_err e = sigcheck_unwrap_6492(a, sig, sig_len, &w, res->why, sizeof res->why);
    if (e) return e == PHEME_DATA_INVALID ? PHEME_API_BAD_REQUEST : e;
    return ask_counterfactual(rpc, a, who, hash, &w, res);
  }
  char *params = arena_printf(a, "[\"%s\",\"latest\"]", who);
  if (!params) return PHEME_SYS_NOMEM;
  json_t *code = NULL;
  rpc_error re;
  pheme_err e = rpc_call(rpc, a, "eth_getCode", params, &code, &re);
  if (e == PHEME_SYS_NOMEM) return e;
  if (e) return node_failed(res, "read the code of", who, &re);
  size_t len = result_len(code);
  json_decref(code);
  if (len == (size_t)-1) {
    return pheme_fail(PHEME_SYS_IO, res->why, sizeof res->why, "node answered eth_getCode of '%s' with something that is not "
        "0x-prefixed hex", who);
  }
  if (len == 0) {
    res->verdict = SIGCHECK_NOT_CONTRACT;
    return pheme_fail(PHEME_OK, res->why, sizeof res->why, "'%s' has no code and the signature is not ERC-6492 wrapped: "
        "not a contract wallet", who);
  }
  return ask_wallet(rpc, a, who, hash, sig, sig_len, res);
}

pheme_err sigcheck_signin_init(sigcheck_signin_ctx *ctx, const char *const *endpoints, int n,
                         const rpc_options *o, char *err, size_t errlen) {
  memset(ctx, 0, sizeof *ctx);
  if (n < 1 || n > SIGCHECK_MAX_ENDPOINTS) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "contract-wallet sign-in needs 1 to %d chain endpoints, not %d", SIGCHECK_MAX_ENDPOINTS, n);
  }
  if (o)
    ctx->options = *o;
  else
    rpc_options_init(&ctx->options);
  rpc_client *probe = rpc_client_new(endpoints, n, &ctx->options);
  if (!probe) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "contract-wallet sign-in: cannot make an RPC client of the chain endpoints "
        "(the log says which one or which option)");
  }
  rpc_client_free(probe);
  for (; ctx->n < n; ctx->n++) {
    if (!(ctx->endpoints[ctx->n] = strdup(endpoints[ctx->n]))) {
      sigcheck_signin_release(ctx);
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "contract-wallet sign-in: no memory");
    }
  }
  return 0;
}

void sigcheck_signin_release(sigcheck_signin_ctx *ctx) {
  for (int i = 0; i < ctx->n; i++) free(ctx->endpoints[i]);
  ctx->n = 0;
}

pheme_err sigcheck_signin(void *vctx, const uint8_t address[20], uint64_t chain_id,
                          const uint8_t hash[32], const uint8_t *sig, size_t n, char *err,
                          size_t errlen) {
  const sigcheck_signin_ctx *ctx = vctx;
  rpc_options o = ctx->options;
  if (o.expected_chain_id && o.expected_chain_id != chain_id) {
    return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "contract wallets are checked on chain %llu only (the configured node's); "
        "this message is for chain %llu", (unsigned long long)o.expected_chain_id,
        (unsigned long long)chain_id);
  }
  o.expected_chain_id = chain_id;
  rpc_client *rpc = rpc_client_new((const char *const *)ctx->endpoints, ctx->n, &o);
  if (!rpc) {
    return pheme_fail(PHEME_SYS_INTERNAL, err, errlen, "cannot make an RPC client to check a contract wallet's signature");
  }
  /* a deployless call's params are about twice the signature in hex, plus the check's code */
  arena a;
  arena_init(&a, 1 << 22);
  sigcheck_result res;
  pheme_err e = sigcheck_verify(rpc, &a, address, hash, sig, n, &res);
  rpc_client_free(rpc);
  arena_release(&a);
  if (!e && res.verdict == SIGCHECK_VALID) return PHEME_OK;
  pheme_fail(e ? e : PHEME_AUTH_INVALID, err, errlen, "%s", e == PHEME_SYS_NOMEM && !res.why[0] ? "no memory" : res.why);
  if (e) return e;
  return res.verdict == SIGCHECK_NOT_CONTRACT ? PHEME_DATA_NOT_FOUND : PHEME_AUTH_INVALID;
}
