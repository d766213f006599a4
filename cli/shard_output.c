/* shard_output.c - see shard_output.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "shard_output.h"

/* Lines gathered before a hand-over: large enough that the lock is rare,
 * small enough to stay in a core's cache. */
#define CHUNK_BYTES (64u * 1024)

/* A cache line each: glibc writes len (and buf) at every fflush, once a
 * record, and two workers' writers on one line would pass it back and
 * forth between their cores at every record. */
#define CACHE_LINE 64

struct shard_writer {
	_Alignas(CACHE_LINE) struct shard_output *o;
	FILE *mem;      /* open_memstream over buf/len */
	char *buf;
	size_t len;     /* bytes held, as of the last fflush */
};

struct shard_output {
	FILE *out;
	pthread_mutex_t lock;
	unsigned n;
	struct shard_writer w[];
};

struct shard_output *shard_output_new(FILE *out, unsigned nworkers)
{
	size_t size = sizeof(struct shard_output) + nworkers * sizeof(struct shard_writer);
	struct shard_output *o = aligned_alloc(CACHE_LINE, (size + CACHE_LINE - 1) &
					       ~(size_t)(CACHE_LINE - 1));

	if (!o)
		return NULL;
	memset(o, 0, size);
	o->out = out;
	pthread_mutex_init(&o->lock, NULL);
	for (unsigned i = 0; i < nworkers; i++, o->n++) {
		o->w[i].o = o;
		o->w[i].mem = open_memstream(&o->w[i].buf, &o->w[i].len);
		if (!o->w[i].mem) {
			shard_output_free(o);
			return NULL;
		}
	}
	return o;
}

void shard_output_free(struct shard_output *o)
{
	if (!o)
		return;
	for (unsigned i = 0; i < o->n; i++) {
		fclose(o->w[i].mem);
		free(o->w[i].buf);
	}
	pthread_mutex_destroy(&o->lock);
	free(o);
}

struct shard_writer *shard_output_writer(struct shard_output *o, unsigned i)
{
	return i < o->n ? &o->w[i] : NULL;
}

FILE *shard_writer_stream(struct shard_writer *w)
{
	return w->mem;
}

/* The writer's lines to the output, and its buffer empty again (glibc's
 * memory stream keeps its allocation: no malloc per chunk). */
static void hand_over(struct shard_writer *w)
{
	if (!w->len)
		return;
	pthread_mutex_lock(&w->o->lock);
	fwrite(w->buf, 1, w->len, w->o->out);
	pthread_mutex_unlock(&w->o->lock);
	fseeko(w->mem, 0, SEEK_SET);
	w->len = 0;
}

void shard_writer_record_done(struct shard_writer *w)
{
	/* fflush on a memory stream only brings len up to date. */
	fflush(w->mem);
	if (w->len >= CHUNK_BYTES)
		hand_over(w);
}

bool shard_output_finish(struct shard_output *o)
{
	bool ok = true;

	for (unsigned i = 0; i < o->n; i++) {
		struct shard_writer *w = &o->w[i];
		fflush(w->mem);
		hand_over(w);
		ok &= !ferror(w->mem);
	}
	return ok;
}
