/*
 * config/config.h - the config module's plumbing for the modules above it:
 * how the lock-window estimate reads a lock budget.  Not public: an
 * embedder fills gk_lock_budget (gatekeeper/config.h) field by field.
 */
#ifndef GK_CONFIG_CONFIG_H
#define GK_CONFIG_CONFIG_H

#include "gatekeeper/config.h"

/** The budget for lock `lock` ("ACCESS EXCLUSIVE", ...); 0 = none (also
 * for a NULL budget or lock, and a lock the budget has no field for). */
double gk_lock_budget_ms(const gk_lock_budget *b, const char *lock);

#endif
