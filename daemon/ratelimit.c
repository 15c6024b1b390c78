/*
 * ratelimit.c - token buckets per key and one shared (see ratelimit.h).
 */
#include <stdlib.h>

#include "ratelimit.h"

/* Up to a burst of tokens, refilled at a rate. */
struct tokens {
	double n;
	int64_t last_us; /* last refill */
};

struct bucket {
	uint64_t key;
	struct tokens t;
	uint64_t refused; /* since the last token taken */
	int used;
};

struct ratelimit {
	double burst, per_us;             /* each key */
	double total_burst, total_per_us; /* all keys together */
	struct tokens total;
	uint64_t other; /* refusals of keys forgotten before reported */
	struct bucket b[RATELIMIT_SLOTS];
};

struct ratelimit *
ratelimit_new(unsigned burst, unsigned per_minute, unsigned total_burst,
              unsigned total_per_minute)
{
	struct ratelimit *rl;

	if (burst == 0 || total_burst == 0 ||
	    (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->burst = burst;
	rl->per_us = per_minute / 60e6;
	rl->total_burst = total_burst;
	rl->total_per_us = total_per_minute / 60e6;
	rl->total.n = total_burst;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

static void
refill(struct tokens *t, double burst, double per_us, int64_t now_us)
{
	/* A clock that steps back refills nothing. */
	if (now_us > t->last_us) {
		t->n += (double)(now_us - t->last_us) * per_us;
		if (t->n > burst)
			t->n = burst;
		t->last_us = now_us;
	}
}

/* The key's bucket, or a fresh one in a free or the stalest slot. */
static struct bucket *
find(struct ratelimit *rl, uint64_t key, int64_t now_us, uint64_t *evicted,
     uint64_t *evicted_key)
{
	struct bucket *b, *stale = NULL;
	size_t i;

	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		b = &rl->b[i];
		if (b->used && b->key == key)
			return b;
		if (stale == NULL || !b->used ||
		    (stale->used && b->t.last_us < stale->t.last_us))
			stale = b;
	}
	if (stale->used) {
		*evicted = stale->refused;
		*evicted_key = stale->key;
	}
	stale->key = key;
	stale->t.n = rl->burst;
	stale->t.last_us = now_us;
	stale->refused = 0;
	stale->used = 1;
	return stale;
}

size_t
ratelimit_drain(struct ratelimit *rl, uint64_t keys[RATELIMIT_DRAIN_MAX],
                uint64_t counts[RATELIMIT_DRAIN_MAX])
{
	size_t i, n = 0;

	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		if (!rl->b[i].used || rl->b[i].refused == 0)
			continue;
		keys[n] = rl->b[i].key;
		counts[n++] = rl->b[i].refused;
		rl->b[i].refused = 0;
	}
	if (rl->other > 0) {
		keys[n] = RATELIMIT_OTHER;
		counts[n++] = rl->other;
		rl->other = 0;
	}
	return n;
}

int
ratelimit_take(struct ratelimit *rl, uint64_t key, int64_t now_us,
               uint64_t *refused, uint64_t *evicted, uint64_t *evicted_key)
{
	struct bucket *b;
	uint64_t lost = 0, lost_key = 0;

	if (evicted != NULL)
		*evicted = *evicted_key = 0;
	b = find(rl, key, now_us, &lost, &lost_key);
	refill(&b->t, rl->burst, rl->per_us, now_us);
	refill(&rl->total, rl->total_burst, rl->total_per_us, now_us);
	if (b->t.n < 1 || rl->total.n < 1) {
		/* Nothing is written for a refusal, so neither is the
		 * forgotten key's count: it waits for the next drain. */
		rl->other += lost;
		*refused = ++b->refused;
		return b->t.n < 1 ? 0 : -1;
	}
	b->t.n -= 1;
	rl->total.n -= 1;
	if (evicted != NULL) {
		*evicted = lost;
		*evicted_key = lost_key;
	} else {
		rl->other += lost;
	}
	*refused = b->refused;
	b->refused = 0;
	return 1;
}

void
ratelimit_restore(struct ratelimit *rl, uint64_t key, uint64_t count)
{
	size_t i;

	for (i = 0; key != RATELIMIT_OTHER && i < RATELIMIT_SLOTS; i++) {
		if (rl->b[i].used && rl->b[i].key == key) {
			rl->b[i].refused += count;
			return;
		}
	}
	rl->other += count;
}
