/* GET /ws: placeholder until the WebSocket transport lands. */
#include "api/events_out.h"
#include "core/banned.h"

void events_ws(http_req *r) { http_error(r, PHEME_API_NOT_FOUND, "WebSocket is not available yet"); }
