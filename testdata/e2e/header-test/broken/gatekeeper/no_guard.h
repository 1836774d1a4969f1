/* Not standalone on purpose: no include guard, so a second include redefines the struct. */
struct gk_fixture_point {
	int x, y;
};
