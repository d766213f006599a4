/* shard_output.h - one output written by several worker threads: each
 * worker writes its records into a buffer of its own and hands the output
 * whole lines, a chunk at a time, under one lock. A lock taken per record
 * made the workers of `flows --threads 2` sleep and wake 30,000 times on a
 * 650,000-flow capture; per chunk, a few hundred. Lines from different
 * workers never mix; their order depends on the threads, as it did. */
#ifndef FLOWAUDIT_SHARD_OUTPUT_H
#define FLOWAUDIT_SHARD_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

struct shard_output;
struct shard_writer;

/* nworkers writers into out; NULL when out of memory. */
struct shard_output *shard_output_new(FILE *out, unsigned nworkers);
void shard_output_free(struct shard_output *o);

/* Worker i's writer, used on that worker's thread only. */
struct shard_writer *shard_output_writer(struct shard_output *o, unsigned i);

/* The stream a worker writes a record to; after each whole record,
 * shard_writer_record_done, which hands over a full chunk. */
FILE *shard_writer_stream(struct shard_writer *w);
void shard_writer_record_done(struct shard_writer *w);

/* With the workers stopped: what each still holds, worker by worker.
 * False when a worker's buffer could not grow (records were lost). */
bool shard_output_finish(struct shard_output *o);

#endif
