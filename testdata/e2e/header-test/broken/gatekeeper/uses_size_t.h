/* Not standalone on purpose: size_t without <stddef.h> (header-test's own test). */
#ifndef GATEKEEPER_USES_SIZE_T_H
#define GATEKEEPER_USES_SIZE_T_H
size_t gk_fixture_count(void);
#endif
