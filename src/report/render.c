/* render.c - the table of renderers. */
#include "gatekeeper/render.h"

#include <string.h>

static const gk_renderer renderers[] = {
	{"text", gk_render_text},
	{"json", gk_render_json},
	{"junit", gk_render_junit},
	{"github", gk_render_github},
	{"markdown", gk_render_markdown},
	{"sarif", gk_render_sarif},
	{"gitlab", gk_render_gitlab},
};

const gk_renderer *gk_renderer_find(const char *name)
{
	for (size_t i = 0; i < sizeof renderers / sizeof *renderers; i++)
		if (strcmp(renderers[i].name, name) == 0)
			return &renderers[i];
	return NULL;
}

const char *gk_renderer_names(void) { return "text|json|junit|github|markdown|sarif|gitlab"; }
