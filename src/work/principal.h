/* Who acts on the work engines: a person (user id, roles, address) or the system (workers,
 * the CLI, the demo seeder). Engines take a work_principal, never an http_req; the API layer
 * builds one from its authenticated caller (api_principal in api/api.h). */
#ifndef PHEME_WORK_PRINCIPAL_H
#define PHEME_WORK_PRINCIPAL_H

#include <stdint.h>

#include "work/roles.h"

typedef struct {
  int64_t user_id;     /* 0 for the system */
  unsigned roles;      /* ROLE_* bits */
  uint8_t address[20]; /* the address the person acts with (zero for the system) */
  int system;          /* 1: a worker or an operator's command, not a person */
} work_principal;

/* The system principal: every rule row that names the system actor, and no person's rows. */
work_principal work_principal_system(void);

#endif
