/* emitter.c - stage 5: the one emitter interface (bp_emit.h): dispatch to
 * the format chosen at start-up, and the choice by name. */
#include "bp_emit.h"

#include <stdlib.h>
#include <string.h>

struct bp_emitter {
	const bp_emit_ops *ops;
	void *impl;
};

bp_emitter *bp_emitter_wrap(const bp_emit_ops *ops, void *impl)
{
	bp_emitter *e;

	if (!impl)
		return NULL;
	e = malloc(sizeof(*e));
	if (!e) {
		ops->free(impl);
		return NULL;
	}
	e->ops = ops;
	e->impl = impl;
	return e;
}

void bp_emitter_free(bp_emitter *e)
{
	if (!e)
		return;
	e->ops->free(e->impl);
	free(e);
}

const char *bp_emitter_name(const bp_emitter *e)
{
	return e->ops->name;
}

bp_status bp_emit_block(bp_emitter *e, const bp_block *b, const bp_tags *tags, bp_error *err)
{
	return e->ops->block(e->impl, b, tags, err);
}

bp_status bp_emit_briefing(bp_emitter *e, const bp_briefing *b, const bp_source_info *src,
			   bp_error *err)
{
	return e->ops->briefing(e->impl, b, src, err);
}

bp_status bp_emit_end_input(bp_emitter *e, bp_status status, bp_error *err)
{
	return e->ops->end_input ? e->ops->end_input(e->impl, status, err) : BP_OK;
}

bp_status bp_emit_finish(bp_emitter *e, bp_error *err)
{
	return e->ops->finish ? e->ops->finish(e->impl, err) : BP_OK;
}

static const char *const output_names[] = {
	[BP_OUTPUT_JSONL] = "jsonl",
	[BP_OUTPUT_JSON] = "json",
	[BP_OUTPUT_CSV] = "csv",
	[BP_OUTPUT_SQLITE] = "sqlite",
};

bp_status bp_output_parse(const char *name, bp_output *out)
{
	size_t i;

	for (i = 0; i < sizeof(output_names) / sizeof(output_names[0]); i++) {
		if (strcmp(name, output_names[i]) == 0) {
			*out = (bp_output)i;
			return BP_OK;
		}
	}
	return BP_ERR_USAGE;
}

bp_status bp_output_open(const bp_output_config *cfg, bp_emitter **out, bp_error *err)
{
	*out = NULL;
	switch (cfg->format) {
	case BP_OUTPUT_SQLITE:
		return bp_sqlite_emitter_open(cfg->path, out, err);
	case BP_OUTPUT_JSON:
		*out = bp_json_emitter_new(cfg->pretty, 0, cfg->write, cfg->ctx);
		break;
	case BP_OUTPUT_CSV:
		*out = bp_csv_emitter_new(cfg->write, cfg->ctx);
		break;
	case BP_OUTPUT_JSONL:
	default:
		*out = bp_emitter_new(cfg->pretty, cfg->write, cfg->ctx);
		break;
	}
	return *out ? BP_OK : bp_error_set(err, BP_ERR_NOMEM, NULL, 0, "out of memory");
}
