/* Stands alone (header-test's own test: the good one passes beside the broken ones). */
#ifndef GATEKEEPER_FINE_H
#define GATEKEEPER_FINE_H
#include <stddef.h>
size_t gk_fixture_size(void);
#endif
