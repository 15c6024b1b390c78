/*
 * ratelimit.h - token buckets per key (a uid) in a small fixed table.
 *
 * For what a peer can make the daemon do without being anyone: a denied
 * call from an unknown uid costs an audit entry and a durable commit, so
 * one member of the socket's group could otherwise grow the audit log and
 * hold the event loop in fsync at will.  The table is fixed in size; when
 * it is full the key seen longest ago is forgotten (and with it its
 * bucket: a forgotten key starts with a full burst again).
 */
#ifndef IVTD_RATELIMIT_H
#define IVTD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 64

struct ratelimit;

/* burst tokens at most, refilled at per_minute; NULL when out of memory. */
struct ratelimit *ratelimit_new(unsigned burst, unsigned per_minute);
void ratelimit_free(struct ratelimit *rl);

/*
 * Take a token for key at now_us (a monotonic clock in microseconds: a
 * wall clock stepping back would starve a bucket).  1: taken; *refused
 * is then the number of refusals of this key since its last token, which
 * the caller now reports, and the count starts again.  0: refused and
 * counted, *refused is the count so far (1 for the first refusal).
 * *evicted, when not NULL, gets the refusals of a key this call forgot to
 * make room (0 if none), with its key in *evicted_key.
 */
int ratelimit_take(struct ratelimit *rl, uint64_t key, int64_t now_us,
                   uint64_t *refused, uint64_t *evicted,
                   uint64_t *evicted_key);

/*
 * Hand over every pending count: keys[i] had counts[i] refusals not yet
 * reported (at most RATELIMIT_SLOTS); the counts start again from 0, the
 * buckets keep their tokens.  Returns how many.
 */
size_t ratelimit_drain(struct ratelimit *rl,
                       uint64_t keys[RATELIMIT_SLOTS],
                       uint64_t counts[RATELIMIT_SLOTS]);

#endif
