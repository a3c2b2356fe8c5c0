/* The OpenAPI 3.1 document, generated from the route table's rows (path, role, rate-limit class,
 * body schema, status), so the two cannot disagree (tests/integration checks the served document against the table too). */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/version.h"
#include "core/banned.h"

static json_t *field_schema(const json_field *f) {
  switch (f->type) {
    case JF_NAME:
    case JF_TEXT:
    case JF_STRING: return json_pack("{s:s,s:I,s:I}", "type", "string", "minLength", (json_int_t)f->min, "maxLength", (json_int_t)f->max);
    case JF_INT: return json_pack("{s:s,s:I,s:I}", "type", "integer", "minimum", (json_int_t)f->min, "maximum", (json_int_t)f->max);
    case JF_NULLABLE_INT: return json_pack("{s:[s,s],s:I,s:I}", "type", "integer", "null", "minimum", (json_int_t)f->min, "maximum", (json_int_t)f->max);
    case JF_NUMBER: return json_pack("{s:s,s:I,s:I}", "type", "number", "minimum", (json_int_t)f->min, "maximum", (json_int_t)f->max);
    case JF_BOOL: return json_pack("{s:s}", "type", "boolean");
    case JF_AMOUNT: return json_pack("{s:s,s:s,s:s}", "type", "string", "pattern", "^(0|[1-9][0-9]{0,77})$", "description", "a whole number below 2^256 in decimal (wei)");
    case JF_ADDRESS: return json_pack("{s:s,s:s}", "type", "string", "pattern", "^0x[0-9a-fA-F]{40}$");
    case JF_ENUM: {
      json_t *e = json_array();
      for (const char *p = f->choices; *p;) {
        size_t n = strcspn(p, "|");
        json_array_append_new(e, json_stringn(p, n));
        p += n + (p[n] == '|');
      }
      return json_pack("{s:s,s:o}", "type", "string", "enum", e);
    }
    case JF_ARRAY: {
      /* element schemas by field name */
      static const struct { const char *field, *schema; } items[] = {
          {"skills", "TaskSkill"}, {"rubric", "RubricCriterion"}, {"evidence", "Evidence"}};
      json_t *s = json_pack("{s:s,s:I,s:I}", "type", "array", "minItems", (json_int_t)f->min, "maxItems", (json_int_t)f->max);
      for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        if (strcmp(items[i].field, f->name) == 0) {
          char ref[128];
          snprintf(ref, sizeof ref, "#/components/schemas/%s", items[i].schema);
          json_object_set_new(s, "items", json_pack("{s:s}", "$ref", ref));
        }
      if (!json_object_get(s, "items")) json_object_set_new(s, "items", json_pack("{s:s}", "type", "string"));
      return s;
    }
    case JF_OBJECT: {
      const char *ref = strcmp(f->name, "requirements") == 0 ? "#/components/schemas/TaskRequirements"
                                                              : "#/components/schemas/TaskValidation";
      return json_pack("{s:s}", "$ref", ref);
    }
  }
  return json_object();
}

static json_t *schema_json(const api_schema *s) {
  json_t *props = json_object(), *required = json_array();
  for (size_t i = 0; i < s->nfields; i++) {
    json_object_set_new(props, s->fields[i].name, field_schema(&s->fields[i]));
    if (s->fields[i].required) json_array_append_new(required, json_string(s->fields[i].name));
  }
  return json_pack("{s:s,s:s,s:o,s:o,s:b}", "type", "object", "description", s->description,
                   "properties", props, "required", required, "additionalProperties", 0);
}

/* "/api/v1/tasks/:id" -> "/api/v1/tasks/{id}", with its parameters. */
static json_t *path_of(const char *pattern, json_t *params) {
  char out[256];
  size_t o = 0;
  for (const char *p = pattern; *p && o < sizeof out - 2;) {
    if (*p == ':') {
      size_t n = strcspn(p + 1, "/");
      char name[64];
      snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
      o += (size_t)snprintf(out + o, sizeof out - o, "{%s}", name);
      json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:{s:s}}", "name", name, "in", "path",
                                              "required", 1, "schema", "type", "string"));
      p += n + 1;
    } else {
      out[o++] = *p++;
    }
  }
  out[o] = 0;
  return json_string(out);
}

json_t *api_openapi(const char *public_url) {
  json_t *paths = json_object();
  for (size_t i = 0; i < api_route_count; i++) {
    const http_route *rt = &api_routes[i];
    json_t *params = json_array();
    json_t *path = path_of(rt->pattern, params);
    json_t *item = json_object_get(paths, json_string_value(path));
    if (!item) {
      item = json_object();
      json_object_set_new(paths, json_string_value(path), item);
    }
    char method[8];
    size_t n = strlen(rt->method);
    for (size_t j = 0; j <= n && j < sizeof method; j++)
      method[j] = (char)(rt->method[j] >= 'A' && rt->method[j] <= 'Z' ? rt->method[j] + 32 : rt->method[j]);
    char status[8];
    snprintf(status, sizeof status, "%d", rt->status);
    json_t *op = json_pack("{s:s,s:[s],s:o,s:{s:{s:s},s:{s:s}}}", "summary", rt->summary, "tags",
                           rt->tag, "parameters", params, "responses", status, "description",
                           "success", "default", "$ref", "#/components/responses/Error");
    if (rt->role) {
      json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearer"));
      json_object_set_new(op, "x-pheme-role", json_string(role_name(rt->role)));
    }
    static const char *const rate_names[RL__CLASSES] = {"auth", "read", "write", "graphql"};
    if (rt->rate >= 0 && rt->rate < RL__CLASSES)
      json_object_set_new(op, "x-pheme-rate-limit", json_string(rate_names[rt->rate]));
    if (rt->body) {
      char ref[128];
      snprintf(ref, sizeof ref, "#/components/schemas/%s", rt->body->name);
      json_object_set_new(op, "requestBody",
                          json_pack("{s:b,s:{s:{s:{s:s}}}}", "required", 1, "content",
                                    "application/json", "schema", "$ref", ref));
    }
    if (rt->stream)
      json_object_set_new(op, "requestBody",
                          json_pack("{s:b,s:s,s:{s:{s:{s:s,s:s}}}}", "required", 1, "description",
                                    "the file itself, of an allowed media type (streamed)", "content",
                                    "*/*", "schema", "type", "string", "format", "binary"));
    json_object_set_new(item, method, op);
    json_decref(path);
  }
  json_t *schemas = json_object();
  for (size_t i = 0; i < api_schema_count; i++)
    json_object_set_new(schemas, api_schemas[i]->name, schema_json(api_schemas[i]));
  json_object_set_new(
      schemas, "Error",
      json_pack("{s:s,s:{s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}}}", "type", "object", "properties",
                "error", "type", "object", "properties", "code", "type", "string", "message", "type",
                "string", "details", "type", "object"));
  return json_pack(
      "{s:s,s:{s:s,s:s,s:s},s:[{s:s}],s:o,s:{s:o,s:{s:{s:s,s:{s:{s:{s:s}}}}},s:{s:{s:s,s:s,s:s}}}}",
      "openapi", "3.1.0", "info", "title", "PHEME API", "version", PHEME_VERSION, "description",
      "Verified work as portable reputation. Errors are {\"error\":{\"code\",\"message\",\"details\"}}.",
      "servers", "url", public_url, "paths", paths, "components", "schemas", schemas, "responses",
      "Error", "description", "an error", "content", "application/json", "schema", "$ref",
      "#/components/schemas/Error", "securitySchemes", "bearer", "type", "http", "scheme", "bearer",
      "description", "an access token from sign-in (a JWT), or an API key (phk_…)");
}
