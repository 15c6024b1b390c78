/*
 * ratelimit.h - token buckets per key (a uid) in a small fixed table, and
 * one bucket shared by all keys.
 *
 * For what a peer can make the daemon do without being anyone: a denied
 * call from an unknown uid costs an audit entry and a durable commit, so
 * one member of the socket's group could otherwise grow the audit log and
 * hold the event loop in fsync at will.  The table is fixed in size; when
 * it is full the key seen longest ago is forgotten (and with it its
 * bucket: a forgotten key starts with a full burst again).  That is why
 * there is a shared bucket as well: whoever controls more uids than the
 * table has slots could otherwise cycle through them, each coming back
 * with a full burst, and have every refusal audited.
 */
#ifndef IVTD_RATELIMIT_H
#define IVTD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 64
/* The key of the refusals of keys forgotten before they were reported
 * (no uid is this large). */
#define RATELIMIT_OTHER UINT64_MAX
/* Most counts ratelimit_drain hands over: a key per slot, and OTHER. */
#define RATELIMIT_DRAIN_MAX (RATELIMIT_SLOTS + 1)

struct ratelimit;

/*
 * burst tokens at most per key, refilled at per_minute, and total_burst
 * at most for all keys together, refilled at total_per_minute; NULL when
 * out of memory or a burst is 0.
 */
struct ratelimit *ratelimit_new(unsigned burst, unsigned per_minute,
                                unsigned total_burst,
                                unsigned total_per_minute);
void ratelimit_free(struct ratelimit *rl);

/*
 * Take a token for key at now_us (a monotonic clock in microseconds: a
 * wall clock stepping back would starve a bucket), from the key's bucket
 * and the shared one.  1: taken; *refused is then the number of refusals
 * of this key since its last token, which the caller now reports, and the
 * count starts again.  Otherwise refused and counted, *refused is the
 * count so far (1 for the first refusal): 0 when the key's own bucket is
 * empty, -1 when only the shared one is (the key keeps its token).
 * *evicted, when not NULL, gets the refusals of a key this call forgot to
 * make room (0 if none), with its key in *evicted_key - but only when a
 * token is taken: a refused call writes nothing, so the count of a key it
 * forgot goes to RATELIMIT_OTHER instead (as it does when evicted is NULL).
 */
int ratelimit_take(struct ratelimit *rl, uint64_t key, int64_t now_us,
                   uint64_t *refused, uint64_t *evicted,
                   uint64_t *evicted_key);

/*
 * Hand over every pending count: keys[i] had counts[i] refusals not yet
 * reported, keys[i] == RATELIMIT_OTHER for those of keys forgotten; the
 * counts start again from 0, the buckets keep their tokens.  Returns how
 * many.
 */
size_t ratelimit_drain(struct ratelimit *rl,
                       uint64_t keys[RATELIMIT_DRAIN_MAX],
                       uint64_t counts[RATELIMIT_DRAIN_MAX]);

/*
 * Take back count refusals of key that were handed over (by take or
 * drain) but could not be reported after all (the audit write failed):
 * pending again for the next drain, under key while it is in the table,
 * else under RATELIMIT_OTHER.  Forgets no key.
 */
void ratelimit_restore(struct ratelimit *rl, uint64_t key, uint64_t count);

#endif
