/* Parsing the WebSocket client messages (ws_proto.h). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/events_out.h"
#include "api/ws_proto.h"
#include "core/util.h"
#include "core/banned.h"

static int only_keys(json_t *o, const char *const *allowed, char *err, size_t errlen) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int ok = 0;
    for (int i = 0; allowed[i] && !ok; i++) ok = strcmp(k, allowed[i]) == 0;
    if (!ok) {
      snprintf(err, errlen, "unknown field '%.40s'", k);
      return -1;
    }
  }
  return 0;
}

static ws_parse_result bad(char *err, size_t errlen, const char *what) {
  snprintf(err, errlen, "%s", what);
  return WS_PARSE_BAD;
}

ws_parse_result ws_client_msg_parse(const uint8_t *data, size_t len, ws_client_msg *out, char *err,
                                    size_t errlen) {
  memset(out, 0, sizeof *out);
  err[0] = 0;
  json_error_t je;
  json_t *o = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
  if (!o) {
    snprintf(err, errlen, "not JSON: %s", je.text);
    return WS_PARSE_NOT_JSON;
  }
  ws_parse_result rc = WS_PARSE_OK;
  if (!json_is_object(o)) {
    rc = bad(err, errlen, "a message is a JSON object");
    goto out;
  }
  json_t *tag = json_object_get(o, "id");
  if (tag) {
    if (!json_is_string(tag) || json_string_length(tag) > WS_TAG_MAX) {
      rc = bad(err, errlen, "field 'id' must be a string of at most 64 bytes");
      goto out;
    }
    /* echoed in a JSON string by the server's writer, which escapes it */
    memcpy(out->tag, json_string_value(tag), json_string_length(tag));
    out->tag[json_string_length(tag)] = 0;
    if (strlen(out->tag) != json_string_length(tag)) {
      out->tag[0] = 0;
      rc = bad(err, errlen, "field 'id' may not hold NUL");
      goto out;
    }
  }
  const char *type = json_string_value(json_object_get(o, "type"));
  if (!type) {
    rc = bad(err, errlen, "field 'type' (auth, subscribe, unsubscribe, ping) is required");
    goto out;
  }
  if (strcmp(type, "auth") == 0) {
    out->type = WSM_AUTH;
    if (only_keys(o, (const char *const[]){"type", "id", "token", NULL}, err, errlen)) {
      rc = WS_PARSE_BAD;
      goto out;
    }
    json_t *t = json_object_get(o, "token");
    if (!json_is_string(t) || json_string_length(t) < 1 || json_string_length(t) > WS_TOKEN_MAX ||
        strlen(json_string_value(t)) != json_string_length(t)) {
      rc = bad(err, errlen, "field 'token' must be a string of 1 to 2048 bytes");
      goto out;
    }
    memcpy(out->token, json_string_value(t), json_string_length(t) + 1);
  } else if (strcmp(type, "subscribe") == 0) {
    out->type = WSM_SUBSCRIBE;
    if (only_keys(o, (const char *const[]){"type", "id", "kinds", "lastEventId", NULL}, err, errlen)) {
      rc = WS_PARSE_BAD;
      goto out;
    }
    json_t *k = json_object_get(o, "kinds");
    if (k) {
      if (!json_is_array(k) || json_array_size(k) < 1 || json_array_size(k) > EVENTS_KINDS_LIST_MAX) {
        rc = bad(err, errlen, "field 'kinds' must be an array of 1 to 32 event kinds");
        goto out;
      }
      size_t n = 0, i;
      json_t *v;
      json_array_foreach(k, i, v) {
        const char *s = json_string_value(v);
        size_t sl = s ? json_string_length(v) : 0;
        if (!s || strlen(s) != sl || n + sl + 1 > EVENTS_KINDS_MAX) {
          rc = bad(err, errlen, "field 'kinds' must hold strings, at most 512 bytes in all");
          goto out;
        }
        if (i) out->kinds[n++] = ',';
        memcpy(out->kinds + n, s, sl);
        n += sl;
        out->kinds[n] = 0;
      }
      char msg[200];
      if (events_kinds_check(out->kinds, msg, sizeof msg)) {
        rc = bad(err, errlen, msg);
        goto out;
      }
    }
    json_t *le = json_object_get(o, "lastEventId");
    if (le) {
      long long id = -1;
      if (json_is_integer(le)) id = json_integer_value(le);
      else if (json_is_string(le) && parse_int(json_string_value(le), 0, INT64_MAX, &id)) id = -1;
      else if (!json_is_string(le)) id = -1;
      if (id < 0) {
        rc = bad(err, errlen, "field 'lastEventId' must be an event id (a non-negative integer or its decimal text)");
        goto out;
      }
      out->last_event_id = id;
    }
  } else if (strcmp(type, "unsubscribe") == 0 || strcmp(type, "ping") == 0) {
    out->type = type[0] == 'u' ? WSM_UNSUBSCRIBE : WSM_PING;
    if (only_keys(o, (const char *const[]){"type", "id", NULL}, err, errlen)) rc = WS_PARSE_BAD;
  } else {
    rc = bad(err, errlen, "field 'type' must be auth, subscribe, unsubscribe or ping");
  }
out:
  json_decref(o);
  return rc;
}
