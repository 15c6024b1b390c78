/*
 * ratelimit.c - token buckets per key (see ratelimit.h).
 */
#include <stdlib.h>

#include "ratelimit.h"

struct bucket {
	uint64_t key;
	double tokens;
	int64_t last_us;  /* last refill */
	uint64_t refused; /* since the last token taken */
	int used;
};

struct ratelimit {
	double burst, per_us;
	struct bucket b[RATELIMIT_SLOTS];
};

struct ratelimit *
ratelimit_new(unsigned burst, unsigned per_minute)
{
	struct ratelimit *rl;

	if (burst == 0 || (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->burst = burst;
	rl->per_us = per_minute / 60e6;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl);
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
		    (stale->used && b->last_us < stale->last_us))
			stale = b;
	}
	if (stale->used && evicted != NULL) {
		*evicted = stale->refused;
		*evicted_key = stale->key;
	}
	stale->key = key;
	stale->tokens = rl->burst;
	stale->last_us = now_us;
	stale->refused = 0;
	stale->used = 1;
	return stale;
}

size_t
ratelimit_drain(struct ratelimit *rl, uint64_t keys[RATELIMIT_SLOTS],
                uint64_t counts[RATELIMIT_SLOTS])
{
	size_t i, n = 0;

	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		if (!rl->b[i].used || rl->b[i].refused == 0)
			continue;
		keys[n] = rl->b[i].key;
		counts[n++] = rl->b[i].refused;
		rl->b[i].refused = 0;
	}
	return n;
}

int
ratelimit_take(struct ratelimit *rl, uint64_t key, int64_t now_us,
               uint64_t *refused, uint64_t *evicted, uint64_t *evicted_key)
{
	struct bucket *b;

	if (evicted != NULL)
		*evicted = *evicted_key = 0;
	*refused = 0;
	b = find(rl, key, now_us, evicted, evicted_key);
	/* A clock that steps back refills nothing. */
	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) * rl->per_us;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->last_us = now_us;
	}
	if (b->tokens < 1) {
		*refused = ++b->refused;
		return 0;
	}
	b->tokens -= 1;
	*refused = b->refused;
	b->refused = 0;
	return 1;
}
